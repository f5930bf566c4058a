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
