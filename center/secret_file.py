"""A secret key in a file of its own: read it, or make it (random, mode 0600) the first time.

Made in a temporary file and linked into place, so a process that starts at the same moment as
another never reads a file the other has created but not yet written: it either finds no file
(and makes its own, losing the race to link) or the whole key.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def read_or_make(path: Path, *, size: int = 32, min_size: int = 32, what: str = "key", create: bool = True) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise
        data = _make(path, size)
    if len(data) < min_size:
        raise ValueError(f"{path}: a {what} of at least {min_size} bytes")
    return data


def _make(path: Path, size: int) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    data = os.urandom(size)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)  # atomic, and never over a key another process linked first
        except FileExistsError:
            return path.read_bytes()
        return data
    finally:
        temp.unlink(missing_ok=True)
