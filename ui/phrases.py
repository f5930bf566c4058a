"""Japanese and Chinese wrap between phrases, not in the middle of a word.

Qt breaks CJK text after any character, so 「置く｜と始まります」 and 「ス｜マートフォン」 happen.
BudouX (Google's phrase segmenter, small models bundled, no dictionary) splits a sentence into
phrases; inside a phrase a WORD JOINER (U+2060) forbids a break, between phrases a ZERO WIDTH
SPACE (U+200B) allows one. Both are zero-width, and Qt's line breaker follows Unicode's rules
for them (UAX #14), so the text looks the same and only the break points change.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

import budoux

WORD_JOINER = "\u2060"
BREAK = "\u200b"
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")


@cache
def _japanese() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


@cache
def _chinese() -> budoux.Parser:
    return budoux.load_default_simplified_chinese_parser()


@lru_cache(maxsize=4096)  # every repaint (four a second) sets the same words again: parse them once
def phrased(text: str) -> str:
    """``text`` with its break opportunities only between phrases. Unchanged unless it is Japanese
    (it has kana) or Chinese (Han and no Latin words): a Latin sentence with a name in kanji
    already breaks at its spaces, and joining its letters would forbid that."""
    if _KANA.search(text):
        parser = _japanese()
    elif _HAN.search(text) and not _LATIN_WORD.search(text):
        parser = _chinese()
    else:
        return text
    return "\n".join(_line(parser, line) for line in text.split("\n"))


def _line(parser: budoux.Parser, line: str) -> str:
    return BREAK.join(_joined(phrase) for phrase in parser.parse(line))


def _joined(phrase: str) -> str:
    """The phrase's characters held together; a space inside it (やさしい日本語 spaces its words) stays a break."""
    out = []
    for n, char in enumerate(phrase):
        if n and not char.isspace() and not phrase[n - 1].isspace():
            out.append(WORD_JOINER)
        out.append(char)
    return "".join(out)


def plain(text: str) -> str:
    """What a reader sees: the phrasing marks taken out."""
    return text.replace(WORD_JOINER, "").replace(BREAK, "")
