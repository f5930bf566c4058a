"""Render every kiosk screen state, in every language, at every panel size, to PNG under docs/screens/.

    .venv/bin/python scripts/render_screens.py [--out docs/screens] [--languages ja,en] [--sizes 1280x1024,1080x1920]
                                               [--large-text] [--only order,payment]

Writes ``<out>/<language>/<width>x<height>/<nn>-<state>.png``. The states are those of ui/gallery.py
(the same ones the fit test measures): sessions run once through the real flow on the simulated
devices (offscreen Qt, a ManualClock), then each view is shown again on a kiosk of each size, in
each language. ``--large-text`` adds the 大きな文字 mode as ``<nn>-<state>-large.png`` where the
window has one; ``--only`` keeps the states whose name contains one of the words given.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication

from ui import gallery
from ui.i18n import Translator

ROOT = Path(__file__).resolve().parent.parent


def size_arg(words: str) -> tuple[tuple[int, int], ...]:
    sizes = []
    for word in words.split(","):
        match = re.fullmatch(r"\s*(\d+)x(\d+)\s*", word)
        if not match:
            raise argparse.ArgumentTypeError(f"a size is WIDTHxHEIGHT, not {word!r}")
        sizes.append((int(match[1]), int(match[2])))
    return tuple(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    parser.add_argument("--languages", help="comma-separated language codes (default: every translation file)")
    parser.add_argument("--sizes", type=size_arg, default=gallery.SIZES,
                        help="comma-separated WIDTHxHEIGHT (default: " + ",".join(f"{w}x{h}" for w, h in gallery.SIZES) + ")")
    parser.add_argument("--large-text", action="store_true", help="also the 大きな文字 mode, where the window has one")
    parser.add_argument("--only", help="comma-separated words: only the states whose name contains one")
    parser.add_argument("--palette", type=int, metavar="COLOURS",
                        help="save with at most COLOURS colours (docs/screens uses 32: a third of the bytes, "
                             "the same look, since the theme has few colours)")
    args = parser.parse_args(argv)

    known = Translator().languages
    languages = tuple(code.strip() for code in args.languages.split(",")) if args.languages else known
    unknown = [code for code in languages if code not in known]
    if unknown:
        parser.error(f"no translation for {', '.join(unknown)} (there are: {', '.join(known)})")

    _app = QApplication.instance() or QApplication([])  # kept alive for the widgets
    started = time.monotonic()
    count = 0
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        states = gallery.capture(work)
        if args.only:
            words = [w.strip() for w in args.only.split(",") if w.strip()]
            states = tuple(s for s in states if any(w in s.name for w in words))
        numbers = {s.name: n for n, s in enumerate(states, 1)}
        for size in args.sizes:
            shell = gallery.display_shell(work, size)
            try:
                sizes = gallery.text_sizes(shell) if args.large_text else (False,)
                for language in languages:
                    folder = args.out / language / f"{size[0]}x{size[1]}"
                    if folder.exists() and not args.only:
                        shutil.rmtree(folder)  # states renamed or gone leave no stale pictures
                    folder.mkdir(parents=True, exist_ok=True)
                    for large in sizes:
                        for state in gallery.walk(shell, states, language, large):
                            suffix = "-large" if large else ""
                            path = folder / f"{numbers[state.name]:02d}-{state.name}{suffix}.png"
                            shell.window.grab().save(str(path))
                            if args.palette:
                                _reduce(path, args.palette)
                            count += 1
            finally:
                shell.close()
    print(f"{count} screens in {args.out} ({time.monotonic() - started:.1f} s)")
    return 0


def _reduce(path: Path, colours: int) -> None:
    from PIL import Image

    with Image.open(path) as picture:
        reduced = picture.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                                                  dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
