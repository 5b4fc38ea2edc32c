"""SHA-256 digests of files and bytes: the one place the workbench hashes what it reads.

A source's digest taken at ingest, a LUT file's digest, a model file's digest: all are
:func:`sha256_of` over the file's bytes, read in 1 MiB blocks so a movie is never held in
memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["sha256_bytes", "sha256_file", "sha256_of"]

_BLOCK = 1 << 20


def sha256_of(paths: Iterable[str | os.PathLike[str]]) -> tuple[str, int]:
    """SHA-256 over the bytes of ``paths`` in order (a sequence's frames), and their total size.

    Parameters
    ----------
    paths
        Files, read in the order given.

    Returns
    -------
    tuple
        ``(hex digest, total bytes)``.

    Raises
    ------
    OSError
        From the first file that cannot be read.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.bin"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_of([p])[0] == sha256_bytes(b"abc"), sha256_of([p])[1]
    (True, 3)
    """
    h = hashlib.sha256()
    total = 0
    for path in paths:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(_BLOCK), b""):
                h.update(block)
                total += len(block)
    return h.hexdigest(), total


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of one file's bytes; :class:`OSError` if it cannot be read."""
    return sha256_of([Path(path)])[0]


def sha256_bytes(data: bytes) -> str:
    """SHA-256 (hex) of ``data``."""
    return hashlib.sha256(data).hexdigest()
