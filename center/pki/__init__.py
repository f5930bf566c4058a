"""The demo JPKI: CA generations, CRLs, card credentials and seal keys, made at set-up.

Shaped like the real 公的個人認証サービス (RSA-2048, sha256WithRSAEncryption, one DN for
every CA generation) but marked ``O=JPKI-DEMO`` everywhere, so nothing here can be
mistaken for the real service. Everything is written to the data directory, never to git.
"""
