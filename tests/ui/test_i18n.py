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
from ui.i18n import FIRST, Translator, babel_locale, load_catalogs

UI = Path(__file__).resolve().parents[2] / "ui"
CATALOGS = load_catalogs()


def _forms(message) -> list[str]:
    """The templates of a message: itself, or each of its plural forms."""
    return [v for k, v in message.items() if k != "plural"] if isinstance(message, dict) else [message]


def _fields(message) -> set[str]:
    fields = {name for text in _forms(message) for _, name, _, _ in string.Formatter().parse(text) if name}
    return fields | ({message["plural"]} if isinstance(message, dict) else set())


@pytest.mark.parametrize("language", [c for c in CATALOGS if c != FIRST])
def test_each_language_has_the_same_messages_and_placeholders_as_japanese(language):
    ja, other = CATALOGS[FIRST], CATALOGS[language]
    assert set(ja) == set(other), {"missing": set(ja) - set(other), "extra": set(other) - set(ja)}
    wrong = {k for k in ja if _fields(ja[k]) != _fields(other[k])}
    assert not wrong


def test_ja_and_en_are_complete():
    assert {"ja", "en"} <= set(CATALOGS)
    for language in ("ja", "en"):
        empty = [k for k, v in CATALOGS[language].items() if not all(t.strip() for t in _forms(v))]
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


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_plural_message_has_the_forms_its_language_needs(language):
    rules = babel_locale(language).plural_form
    for key, message in CATALOGS[language].items():
        if isinstance(message, dict):
            assert {*rules.tags, "other"} <= set(message) - {"plural"}, (key, sorted(rules.tags))


def test_a_count_of_one_reads_in_the_singular():
    tr = Translator(language="en")
    assert tr("pin.tries_left", tries=1).startswith("1 more wrong try will")
    assert tr("pin.tries_left", tries=2).startswith("2 more wrong tries will")
    tr.set_language("ja")
    assert tr("pin.tries_left", tries=1) == CATALOGS["ja"]["pin.tries_left"].format(tries=1)
