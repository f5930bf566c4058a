"""Every word on screen comes from a translation file: assets/i18n/<language>.json, keyed by message id.

Adding a language is adding a file (zh.json, ko.json...) with the same keys as ja.json; the
language picker lists every file it finds. A key missing in a language falls back to Japanese.
Values are ``str.format`` templates: ``{amount}``, ``{seconds}``... A message whose words depend on
a number is an object instead: ``"plural"`` names the placeholder that decides, and the other keys
are the language's CLDR plural categories (``one``, ``other``...), chosen with Babel's rules, which
know every language the kiosk may speak: Japanese has one form, English two, Portuguese three.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Union

from babel import Locale

from kiosk.config import ASSETS

I18N_DIR = ASSETS / "i18n"
FIRST = "ja"  # the kiosk starts and returns to Japanese
# English, then the languages of the largest groups of foreign residents (Immigration Services
# Agency statistics): Chinese, Vietnamese, Korean, Portuguese (Brazil), Spanish (Peru and others)
PICKER_ORDER = ("ja", "ja-x-easy", "en", "zh-Hans", "vi", "ko", "pt", "es")


Message = Union[str, dict[str, str]]  # a template, or plural forms by CLDR category plus "plural"


def load_catalogs(directory: Path = I18N_DIR) -> dict[str, dict[str, Message]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))}


class Translator:
    def __init__(self, catalogs: dict[str, dict[str, Message]] | None = None, language: str = FIRST) -> None:
        self._catalogs = catalogs if catalogs is not None else load_catalogs()
        self.language = language

    @property
    def languages(self) -> tuple[str, ...]:
        """The picker's order: Japanese and やさしい日本語, then the others as in PICKER_ORDER, then any new file."""
        known = {code: n for n, code in enumerate(PICKER_ORDER)}
        return tuple(sorted(self._catalogs, key=lambda code: (known.get(code, len(known)), code)))

    def set_language(self, code: str) -> None:
        if code not in self._catalogs:
            raise KeyError(code)
        self.language = code

    def name_of(self, code: str) -> str:
        """A language's name in itself, for the picker."""
        name = self._catalogs[code].get("language.name", code)
        return name if isinstance(name, str) else code

    def has(self, key: str) -> bool:
        return key in self._catalogs[FIRST]

    def __call__(self, key: str, **values: object) -> str:
        language = self.language if self._catalogs[self.language].get(key) else FIRST
        message = self._catalogs[language].get(key, key)
        text = plural_form(language, message, values) if isinstance(message, dict) else message
        return text.format(**values) if values else text

    def yen(self, amount: int) -> str:
        return self("money.yen", amount=f"{amount:,}")


def plural_form(language: str, message: dict[str, str], values: dict[str, object]) -> str:
    """The form of ``message`` for the number in its ``plural`` placeholder, by the language's rules."""
    count = values.get(message["plural"], 0)
    category = _rules(language)(count if isinstance(count, (int, float)) else 0)
    return message.get(category) or message["other"]


@cache
def _rules(language: str):  # noqa: ANN202 - Babel's PluralRule is callable: number -> category
    return babel_locale(language).plural_form


def babel_locale(language: str) -> Locale:
    """The CLDR locale of a catalog's code; a private-use variant (``ja-x-easy``) is its language."""
    return Locale.parse(language.split("-x-")[0].replace("-", "_"))
