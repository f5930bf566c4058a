"""The core stays plain Python: importing it loads no Qt, pyscard or reportlab."""
import subprocess
import sys

FORBIDDEN = ("PySide6", "smartcard", "reportlab")


def test_importing_the_core_loads_no_gui_card_or_pdf_library():
    code = (
        "import sys, pkgutil, importlib, kiosk\n"
        "for m in pkgutil.walk_packages(kiosk.__path__, 'kiosk.'):\n"
        "    if m.name == 'kiosk.__main__': continue\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"kiosk imported {out.stdout.strip()}"


OUTSIDE = {"hardware", "printing", "ui", "center", "app"}


def test_the_core_names_no_adapter_package_not_even_lazily():
    """kiosk/ talks to devices, paper, screens and the center only through its ports: no import of
    those packages anywhere in it, at the top or inside a function (the composition root is app/)."""
    import ast
    from pathlib import Path

    core = Path(__file__).resolve().parents[1] / "kiosk"
    found = []
    for path in sorted(core.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [f"{path.relative_to(core.parent)}:{node.lineno} {n}" for n in names if n.split(".")[0] in OUTSIDE]
    assert not found, found
