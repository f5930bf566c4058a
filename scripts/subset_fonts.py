"""Make the UI's Chinese, Korean and Vietnamese fonts: faces of Noto Sans CJK cut down to the
characters the translation files use (a few hundred kilobytes instead of 18 MB each).

    .venv/bin/python scripts/subset_fonts.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

A developer tool, run after a translation changes: the source collection comes from Debian's
fonts-noto-cjk, fontTools from `pip install fonttools`; neither is needed to run or test the kiosk.
The fit test fails on any character a screen's font has no glyph for, which says when to run it.
Licence: SIL OFL 1.1 (assets/fonts/OFL-NotoSansCJK.txt); the subset is a modified version, and
"Noto" is not a reserved font name.
"""
from __future__ import annotations

import argparse
import json
import string
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "assets" / "i18n"
FONTS = ROOT / "assets" / "fonts"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACES = {  # output file: (face in the collection, the catalog it serves)
    "NotoSansCJKsc-Subset.otf": ("Noto Sans CJK SC", "zh-Hans"),
    "NotoSansCJKkr-Subset.otf": ("Noto Sans CJK KR", "ko"),
    "NotoSansCJKjp-Vietnamese-Subset.otf": ("Noto Sans CJK JP", "vi"),  # BIZ UD has no Vietnamese letters
}
ALWAYS = string.printable + "¥￥・、。「」（）〜–—…→›▶✓□−＋×"


def _texts(value) -> list[str]:
    return [v for k, v in value.items() if k != "plural"] if isinstance(value, dict) else [value]


def characters(language: str) -> set[str]:
    """Every character of one catalog, the language names of all of them (the picker), and ASCII."""
    chars = set(ALWAYS)
    for path in I18N.glob("*.json"):
        catalog = json.loads(path.read_text(encoding="utf-8"))
        names = [catalog.get("language.name", "")]
        texts = [t for v in catalog.values() for t in _texts(v)] if path.stem == language else names
        for text in texts:
            chars |= set(text)
    return {c for c in chars if c.isprintable()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args(argv)
    collection = TTCollection(str(args.source))
    for out, (face, language) in FACES.items():
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == face)
        options = subset.Options()
        options.name_IDs = ["*"]  # keep the copyright and licence names
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in characters(language)])
        subsetter.subset(font)
        font.save(str(FONTS / out))
        print(f"{out}: {len(characters(language))} characters, {(FONTS / out).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
