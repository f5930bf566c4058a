"""What a card does with its auth key, for tests and the simulated card.

The host sends ``DigestInfo(SHA-256(challenge))`` (51 bytes); the card adds PKCS#1 v1.5
type-01 padding and applies its private key (OpenSC src/libopensc/card-jpki.c, ``jpki_init``:
the key takes RSA_PAD_PKCS1 | RSA_HASH_NONE, so the host hashes and the card pads). That is,
byte for byte, an RSASSA-PKCS1-v1_5 signature with SHA-256 over the challenge, which OpenSSL
computes here.
"""
from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def sign_challenge(private_key: rsa.RSAPrivateKey, nonce: bytes) -> bytes:
    return private_key.sign(nonce, padding.PKCS1v15(), hashes.SHA256())
