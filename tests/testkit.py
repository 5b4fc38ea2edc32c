"""Helpers test modules import by name (``from testkit import sha256``).

Not in ``conftest.py``: several folders have their own ``conftest`` module, and which one
``import conftest`` finds depends on the order pytest loaded them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Real footage and photos beside the clone, ``../shared/data`` (listed in its MANIFEST.md).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A file or folder in ``../shared/data`` that exists, for module level and parametrisation.

    Tests take the ``shared_data`` fixture instead. A missing one fails loudly, never skips:
    the suite always runs on this data, so its absence is a broken checkout.

    Raises
    ------
    FileNotFoundError
        The path is missing; the message names it.
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; the tests read real footage and photos from "
                                f"../shared/data beside the clone (see its MANIFEST.md)")
    return path


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex: to show a source was not written to."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread for the module, restored after it: on a shared 2-core machine two
    threads mostly wait for each other. A module opts in with ``from testkit import one_thread``.
    """
    import torch  # here, so modules that never touch torch do not pay for importing it

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
