"""Identifiers of the JPKI application (公的個人認証AP), shared by the host and the card side.

Values as in OpenSC src/libopensc/jpki.h and card-jpki.c and in jpki/myna src/jpki.rs; the token labels
as in jpki/myna _go/libmyna/api.go, the iPhone one only in soltia48/myna-card src/ap/jpki.rs.
"""
from __future__ import annotations

from kiosk.ports.card import TokenKind

JPKI_AID = bytes.fromhex("D392F000260100000001")

EF_TOKEN = 0x0006  # token label: card, phone or old 住基カード
EF_AUTH_CERT = 0x000A  # 利用者証明用電子証明書, readable without the PIN on a card
EF_AUTH_CA_CERT = 0x000B
EF_AUTH_KEY = 0x0017  # 利用者証明用秘密鍵
EF_AUTH_PIN = 0x0018  # the 4-digit 利用者証明用 PIN
AUTH_PIN_MAX_TRIES = 3
EF_SIGN_PIN = 0x001B  # 署名用パスワード: the kiosk never uses it; OpenSC reads its counter when it binds
SIGN_PASSWORD_MAX_TRIES = 5

CLA_ISO = 0x00
CLA_PROPRIETARY = 0x80  # COMPUTE DIGITAL SIGNATURE is a proprietary-class command on JPKI
INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_VERIFY = 0x20
INS_SIGN = 0x2A

P1_SELECT_DF_NAME = 0x04
P1_SELECT_EF = 0x02
P2_NO_FCI = 0x0C
P2_CURRENT_KEY = 0x80  # the key or PIN of the currently selected EF

TOKEN_LABEL_BYTES = 0x20  # the label field, padded with spaces (or NULs)
TOKEN_KINDS = {
    "JPKIAPICCTOKEN2": TokenKind.MY_NUMBER_CARD,
    "JPKIAPICCTOKEN": TokenKind.JUKI_CARD,
    "JPKIAPGPSETOKEN": TokenKind.PHONE_ANDROID,
    "JPKIAPIOSTOKEN": TokenKind.PHONE_IPHONE,
}
PHONE_TOKEN_LABELS = frozenset(
    label for label, kind in TOKEN_KINDS.items() if kind in (TokenKind.PHONE_ANDROID, TokenKind.PHONE_IPHONE)
)
