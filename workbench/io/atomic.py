"""Atomic writes: a file appears complete under its final name, or not at all.

Every writer in :mod:`workbench.io` writes to a temporary file in the destination directory and
renames it onto the final path with :func:`os.replace` (atomic on POSIX and Windows within one
file system). A writer that fails midway leaves neither a partial file nor its temporary behind,
and an existing file at the destination is untouched until the new one is complete.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.errors import MediaError

__all__ = ["atomic_dir", "atomic_path", "atomic_write_bytes", "atomic_write_text"]


def _temp_sibling(path: Path) -> Path:
    """Return ``dir/.stem.tmp-XXXXXXXX.suffix``: hidden, unique, real suffix kept last."""
    token = secrets.token_hex(4)
    return path.with_name(f".{path.stem}.tmp-{token}{path.suffix}")


def _fsync(path: Path) -> None:
    """Flush ``path`` to disk (best effort: some file systems refuse fsync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` when the block succeeds.

    The temporary name is ``.<stem>.tmp-<random><suffix>`` in the same directory (e.g.
    ``.shot.tmp-ab12cd34.exr`` for ``shot.exr``), so encoders that choose a format by extension
    still see the real one. On success the temporary is flushed and renamed onto ``path`` with
    :func:`os.replace`; if the block raises, the temporary is deleted and the exception propagates,
    leaving any previous file at ``path`` unchanged.

    Parameters
    ----------
    path
        Final destination. Its directory must exist.

    Yields
    ------
    Path
        Where the block must write the complete file.

    Raises
    ------
    MediaError
        If the directory does not exist, or the block wrote nothing to the temporary path.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "note.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (d / "note.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('done', ['note.txt'])
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise MediaError(f"{path.name}: directory {path.parent} does not exist")
    tmp = _temp_sibling(path)
    try:
        yield tmp
        if not tmp.exists():
            raise MediaError(f"{path.name}: the writer produced no file")
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`) and return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`) and return the path."""
    return atomic_write_bytes(path, text.encode(encoding))


@contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a hidden temporary folder beside ``path``; it becomes ``path`` when the block succeeds.

    For outputs made of many files (a shot's frames): the folder appears whole under its final
    name, or not at all. A previous folder at ``path`` is replaced only once the new one is
    complete; if the block raises, the temporary folder is removed and ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}")
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.old-{secrets.token_hex(4)}")
        os.replace(path, old)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
