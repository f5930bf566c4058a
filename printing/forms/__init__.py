"""The forms: how each certificate kind is laid out on the sheet, one module per form family.

``shape_for(kind, form)`` is a function of the kind (``CertificateKind.value``, which every
page's signed code carries as ``kind``) and of the form's version, which the page signs on its
first layout line (``#F``, printing.paginate): the renderer and the verifier's redrawing
(printing.redraw) both ask it, so a page is drawn again in the shape it was printed in. A page
signed without that line was printed before the kinds had forms of their own, as the plain
table, and is drawn again as one. A change to a form that moves anything on the sheet is a
new form version here, the old one kept for the paper printed under it.
"""
from __future__ import annotations

from printing.forms.base import Shape
from printing.forms.table import TABLE

FORM = "1"  # the forms this renderer prints
_SHAPES: dict[str, Shape] = {}


def shape_for(kind: str, form: str | None = FORM) -> Shape:
    """The shape of the kind's form (the plain table for a kind without one); ``form`` None:
    a page printed before forms, the plain table. Raises ValueError for a form version this
    renderer does not know."""
    if form is None:
        return TABLE
    if form != FORM:
        raise ValueError(f"form version {form!r} is unknown to this renderer")
    return _SHAPES.get(kind, TABLE)


def _register() -> None:
    from printing.forms.cells import FUHYO, JUMINHYO
    from printing.forms.inkan import INKAN
    from printing.forms.koseki import KOSEKI
    from printing.forms.tax import TAX_FORM

    _SHAPES.update({"koseki_zenbu": KOSEKI, "koseki_kojin": KOSEKI, "juminhyo": JUMINHYO, "juminhyo_kisai": JUMINHYO,
                    "tax_shotoku": TAX_FORM, "tax_hikazei": TAX_FORM, "inkan": INKAN, "fuhyo": FUHYO})
    for shape in set(_SHAPES.values()):
        shape.form = FORM


_register()
