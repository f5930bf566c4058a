"""Every word on screen comes from a translation file: assets/i18n/<language>.json, keyed by message id.

Adding a language is adding a file (zh.json, ko.json...) with the same keys as ja.json; the
language picker lists every file it finds. A key missing in a language falls back to Japanese.
Values are ``str.format`` templates: ``{amount}``, ``{seconds}``...
"""
from __future__ import annotations

import json
from pathlib import Path

from kiosk.config import ASSETS

I18N_DIR = ASSETS / "i18n"
FIRST = "ja"  # the kiosk starts and returns to Japanese


def load_catalogs(directory: Path = I18N_DIR) -> dict[str, dict[str, str]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))}


class Translator:
    def __init__(self, catalogs: dict[str, dict[str, str]] | None = None, language: str = FIRST) -> None:
        self._catalogs = catalogs if catalogs is not None else load_catalogs()
        self.language = language

    @property
    def languages(self) -> tuple[str, ...]:
        """Japanese first, then the others in file-name order."""
        return tuple(sorted(self._catalogs, key=lambda code: (code != FIRST, code)))

    def set_language(self, code: str) -> None:
        if code not in self._catalogs:
            raise KeyError(code)
        self.language = code

    def name_of(self, code: str) -> str:
        """A language's name in itself, for the picker."""
        return self._catalogs[code].get("language.name", code)

    def has(self, key: str) -> bool:
        return key in self._catalogs[FIRST]

    def __call__(self, key: str, **values: object) -> str:
        text = self._catalogs[self.language].get(key) or self._catalogs[FIRST].get(key, key)
        return text.format(**values) if values else text

    def yen(self, amount: int) -> str:
        return self("money.yen", amount=f"{amount:,}")
