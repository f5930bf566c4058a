"""The catalog as the center serves it: the municipality files and a version naming their content."""
from __future__ import annotations

import hashlib
from pathlib import Path

from kiosk.ports.center import CatalogSnapshot


def snapshot_of(directory: Path) -> CatalogSnapshot:
    files = tuple((path.name, path.read_bytes()) for path in sorted(directory.glob("*.toml")))
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return CatalogSnapshot(digest.hexdigest()[:16], files)


def write_snapshot(snapshot: CatalogSnapshot, directory: Path) -> None:
    """Replace the cached files with the snapshot's (the kiosk's copy of the center's catalog)."""
    directory.mkdir(parents=True, exist_ok=True)
    names = {name for name, _ in snapshot.files}
    for stale in directory.glob("*.toml"):
        if stale.name not in names:
            stale.unlink()
    for name, data in snapshot.files:
        if "/" in name or name.startswith("."):
            raise ValueError(f"catalog file name {name!r}")
        temp = directory / f".{name}.new"
        temp.write_bytes(data)
        temp.replace(directory / name)
