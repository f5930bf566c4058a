"""Two center processes starting together with one key file get the same key, never a half-made one."""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from center.secret_file import read_or_make


def _read(path: str) -> bytes:
    return read_or_make(Path(path))


def test_processes_racing_to_make_a_key_all_read_the_same_whole_key(tmp_path):
    for round_ in range(20):
        path = tmp_path / f"token-{round_}.key"
        with ProcessPoolExecutor(4) as pool:
            keys = list(pool.map(_read, [str(path)] * 8))
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_short_key_is_refused(tmp_path):
    path = tmp_path / "short.key"
    path.write_bytes(b"x" * 8)
    with pytest.raises(ValueError, match="token key of at least 32 bytes"):
        read_or_make(path, what="token key")
