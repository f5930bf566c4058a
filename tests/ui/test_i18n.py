"""Every string on screen is in the translation files, and every language file has every message."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kiosk.eligibility import RefusalReason
from kiosk.health import DeviceState
from kiosk.kinds import CertificateKind
from kiosk.notices import NoticeCode
from kiosk.ports.printer import PrinterState
from ui.i18n import FIRST, load_catalogs

UI = Path(__file__).resolve().parents[2] / "ui"
CATALOGS = load_catalogs()


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", [c for c in CATALOGS if c != FIRST])
def test_each_language_has_the_same_messages_and_placeholders_as_japanese(language):
    ja, other = CATALOGS[FIRST], CATALOGS[language]
    assert set(ja) == set(other), {"missing": set(ja) - set(other), "extra": set(other) - set(ja)}
    wrong = {k for k in ja if _fields(ja[k]) != _fields(other[k])}
    assert not wrong


def test_ja_and_en_are_complete():
    assert {"ja", "en"} <= set(CATALOGS)
    for language in ("ja", "en"):
        empty = [k for k, v in CATALOGS[language].items() if not v.strip()]
        assert not empty, (language, empty)


def test_every_literal_message_id_in_the_ui_code_exists():
    used = set()
    for path in UI.rglob("*.py"):
        used |= set(re.findall(r"""\btr\(\s*["']([a-z_.0-9]+)["']""", path.read_text(encoding="utf-8")))
    assert used and not used - set(CATALOGS[FIRST])


def test_every_notice_refusal_and_kind_has_words():
    ja = CATALOGS[FIRST]
    keys = [f"notice.{c.value}" for c in NoticeCode] + [f"notice.title.{c.value}" for c in NoticeCode]
    keys += [f"refusal.{r.value}" for r in RefusalReason] + [f"kind.{k.value}" for k in CertificateKind]
    keys += [f"operator.state.{s.value}" for s in (*DeviceState, *PrinterState)]
    assert not [k for k in keys if k not in ja]
