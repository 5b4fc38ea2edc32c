"""Atomic writes: a file appears complete under its final name, or not at all.

Every writer in :mod:`workbench.io` writes to a temporary file in the destination directory and
renames it onto the final path with :func:`os.replace` (atomic on POSIX and Windows within one
file system). A writer that fails midway leaves neither a partial file nor its temporary behind,
and an existing file at the destination is untouched until the new one is complete.

A process killed outright (``kill -9``, power loss) cannot clean up: its temporaries stay. Their
names carry the writing process's host and pid, and a temporary folder is ``flock``-ed while it
is written, so :func:`sweep_stale_temporaries` can tell a dead writer's leftovers from a live
writer's work in progress and remove only the former.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NamedTuple

from workbench.errors import MediaError

__all__ = [
    "atomic_dir",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "sweep_stale_temporaries",
]


class Swept(NamedTuple):
    """A temporary removed by :func:`sweep_stale_temporaries`."""

    path: Path
    folder: bool
    size_bytes: int

# ``.<name>.tmp-<host>-<pid>-<random>[suffix]`` (and ``.old-`` for a replaced folder being
# removed): only names of exactly this form are ever swept.
_OWNED = re.compile(
    r"^\..+\.(?:tmp|old)-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{8}(?:\.[^.]*)?$")


def _host_tag() -> str:
    """Eight hex digits naming this machine, so no host judges another host's pids."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _owned_tag(kind: str = "tmp") -> str:
    """``tmp-<host>-<pid>-<random>``: who writes the temporary, and a unique part."""
    return f"{kind}-{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}"


def _temp_sibling(path: Path) -> Path:
    """Return ``dir/.stem.tmp-HOST-PID-XXXXXXXX.suffix``: hidden, unique, real suffix kept last."""
    return path.with_name(f".{path.stem}.{_owned_tag()}{path.suffix}")


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
    tmp = path.with_name(f".{path.name}.{_owned_tag()}")
    tmp.mkdir(parents=True)
    # Held until the folder is in place: a sweep by another process sees it is being written.
    lock = os.open(tmp, os.O_RDONLY)
    try:
        with suppress(OSError):  # a file system without flock falls back to the pid check
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield tmp
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.{_owned_tag('old')}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        os.close(lock)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """True for a process that has exited but is not yet reaped: it writes nothing more.

    A writer killed with its parent waits as a zombie until init reaps it, and ``kill(pid, 0)``
    still succeeds on it meanwhile.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux), or it is gone already
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] == "Z"


def _is_stale(path: Path) -> bool:
    """True when ``path`` is a temporary of ours whose writer is gone."""
    found = _OWNED.match(path.name)
    if found is None or found["host"] != _host_tag() or _pid_alive(int(found["pid"])):
        return False
    if not path.is_dir() or path.is_symlink():
        return True
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a live writer (a reused pid) holds it
    except BlockingIOError:
        return False
    except OSError:
        return True  # no flock on this file system: the dead pid decides
    finally:
        os.close(fd)
    return True


def _size(path: Path) -> int:
    if not path.is_dir():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def sweep_stale_temporaries(folder: str | os.PathLike[str]) -> list[Swept]:
    """Remove what killed writers left in ``folder``; return what was removed.

    Only temporaries that :func:`atomic_path` and :func:`atomic_dir` name are considered, and
    only those whose writing process (on this host) is gone and whose folder nobody holds
    locked; another process's temporary in progress is never touched, nor any other file.

    Parameters
    ----------
    folder
        The output folder to sweep (not recursively). A missing folder holds nothing.

    Returns
    -------
    list[Swept]
        The removed files and folders, by name, with their sizes.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for entry in sorted(folder.iterdir()):
        if not entry.name.startswith(".") or not _is_stale(entry):
            continue
        is_folder = entry.is_dir() and not entry.is_symlink()
        size = _size(entry)
        if is_folder:
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        if not entry.exists():
            removed.append(Swept(entry, is_folder, size))
    return removed
