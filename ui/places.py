"""Municipality names as a resident of each language can read them: 七星市, 七星市（ななほしし）
for やさしい日本語, or 七星市 (Nanahoshi City)."""
from __future__ import annotations


def place_name(tr, catalog, code: str, name: str | None = None) -> str:
    """The name in kanji, with its reading or its Latin form where the language's readers may not
    read the kanji (its catalog says which: ``language.place_names`` is kanji, kana or latin)."""
    if code not in catalog:
        return name or code
    m = catalog.municipality(code)
    match tr("language.place_names"):
        case "kanji":
            return m.name
        case "kana":
            return f"{m.name}（{m.reading}）"
        case _:
            return f"{m.name} ({m.name_latin})"
