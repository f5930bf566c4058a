"""docs/certificates/: the first sheet of every sample certificate, front (``<kind>.png``) and back
(``<kind>-back.png``, when the config prints two-sided), as the eye sees the paper.

    .venv/bin/python scripts/render_certificates.py [OUT_DIR]

Issues the samples through the real center and renderer (printing.samples), rasterises each first
page at 600 dpi (the tint's own resolution: printing/security/tint.py), blurs it and shrinks it
with area averaging to about 60 dpi. Rendering the PDF directly at a low resolution would not do: the
latent 「複写」 is balanced for 600 dpi dots, and a coarse rasteriser shows it where paper does not.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DPI = 600
WIDTH = 497  # pixels: the README's thumbnails
BLUR = 4.0  # Gaussian sigma at 600 dpi, under a thumbnail pixel: no dot pattern left to alias


def main(argv: list[str]) -> int:
    from kiosk.config import load_config
    from printing.samples import write_samples

    out = Path(argv[0]) if argv else ROOT / "docs" / "certificates"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-doc-certificates-") as scratch:
        config = load_config()
        sides = ("", "-back") if config.printing.two_sided else ("",)  # a back follows its front
        for pdf in write_samples(config, Path(scratch)):
            for page, side in enumerate(sides, start=1):
                _thumbnail(pdf, page, Path(scratch), out / f"{pdf.stem}{side}.png")
                print(out / f"{pdf.stem}{side}.png")
    return 0


def _thumbnail(pdf: Path, page: int, scratch: Path, out: Path) -> None:
    stem = scratch / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-f", str(page), "-l", str(page), "-png", "-singlefile",
                    str(pdf), str(stem)], check=True)
    with Image.open(stem.with_suffix(".png")) as raster:
        height = round(raster.height * WIDTH / raster.width)
        # blurred first, as the eye blurs the dots, or the shrinking beats against the 9-pixel cells
        smooth = raster.filter(ImageFilter.GaussianBlur(BLUR))
        smooth.resize((WIDTH, height), Image.Resampling.BOX).save(out, optimize=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
