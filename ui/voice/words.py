"""The spoken words: ``voice.*`` messages of the translation files, in the language they will be spoken in.

Like the screen's translator, a message missing in the chosen language falls back to Japanese,
but here the fallback also says which language the text is in, so the right voice speaks it
(Japanese text through an English voice would be noise). Values are only numbers the kiosk
itself knows (amounts, counts, tries): never a name or anything else personal.
"""
from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ui.i18n import FIRST, Message, load_catalogs, plural_form

PREFIX = "voice."


@dataclass(frozen=True)
class Line:
    """One thing to say: a ``voice.*`` message id and the numbers it needs."""

    key: str
    values: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, key: str, **values: int) -> "Line":
        return cls(key, tuple(sorted(values.items())))


class Words:
    def __init__(self, catalogs: Mapping[str, Mapping[str, Message]] | None = None) -> None:
        self._catalogs = catalogs if catalogs is not None else load_catalogs()

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._catalogs, key=lambda code: (code != FIRST, code)))

    def say(self, language: str, line: Line) -> tuple[str, str]:
        """(the language the text is in, the text) of ``line`` for a resident using ``language``."""
        spoken = language if self._catalogs.get(language, {}).get(line.key) else FIRST
        message = self._catalogs[spoken][line.key]
        values = dict(line.values)
        text = plural_form(spoken, message, values) if isinstance(message, dict) else message
        return spoken, text.format(**values)

    def fixed(self) -> Iterator[tuple[str, str, str]]:
        """(language, key, text) of every ``voice.*`` message that has no placeholder, in every language:
        what ``python -m ui.voice.build`` synthesizes ahead."""
        for language in self.languages:
            for key, message in self._catalogs[language].items():
                if key.startswith(PREFIX) and isinstance(message, str) and not _has_fields(message):
                    yield language, key, message


def _has_fields(template: str) -> bool:
    return any(name is not None for _, name, _, _ in string.Formatter().parse(template))
