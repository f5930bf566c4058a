"""The demo registry's 印影: each resident with a registered seal gets a picture of its
impression, as a real registry holds the scan of the impression brought at registration.

The demo has no seals to scan, so the picture is drawn (printing.impression): from the seal's
characters and a *recipe* fixed by the resident's reference and registration number, so the
same resident always gets the same impression and two residents never share one. The recipe
is worked out when the demo file is read (cheap); the picture is drawn once, when the registry
is stored (center.storage.registry.load_demo, at provisioning), and kept in the database as a
1-bit PNG. The center hands that PNG out in the 印鑑登録証明書's document; the renderer prints
it and signs the recipe, from which the verifier draws the same picture again.
"""
from __future__ import annotations

import hashlib

RECIPE_VERSION = "1"  # printing.impression draws this version


def demo_recipe(resident_ref: str, registration_number: str) -> str:
    """``1.<12 hex digits>``: the generator's version and a seed from who registered what."""
    seed = hashlib.blake2b(f"{resident_ref}\0{registration_number}".encode(), digest_size=6).hexdigest()
    return f"{RECIPE_VERSION}.{seed}"


def draw_impression(characters: str, recipe: str) -> bytes:
    """The picture (1-bit PNG) of a demo seal; imports the drawing (Pillow, numpy) only when asked."""
    from printing.impression import impression_png

    png: bytes = impression_png(characters, recipe)
    return png
