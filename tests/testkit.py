"""Helpers test modules import by name (``from testkit import sha256``).

Not in ``conftest.py``: several folders have their own ``conftest`` module, and which one
``import conftest`` finds depends on the order pytest loaded them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex: to show a source was not written to."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
