"""Opening a title's SQLite catalog: read-write (upgraded in place) or read-only (never written).

A title on read-only storage (an archive, a share, ``chmod -R a-w``) is found here
(:func:`unwritable`) and opened so that nothing in it changes.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from workbench.errors import TitleError
from workbench.title.migrations import (
    CATALOG_VERSION,
    catalog_version,
    upgrade_catalog,
    upgraded_copy,
)

__all__ = ["CATALOG_FILE", "connect", "connect_read_only", "unwritable"]

CATALOG_FILE = "catalog.sqlite"


def connect(root: Path) -> sqlite3.Connection:
    """The catalog of title ``root``, opened read-write in WAL mode and upgraded."""
    db = sqlite3.connect(root / CATALOG_FILE, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    try:
        upgrade_catalog(db, root / CATALOG_FILE)
    except BaseException:
        db.close()
        raise
    return db


def connect_read_only(root: Path) -> sqlite3.Connection:
    """The catalog opened so that nothing is written, even on read-only media.

    SQLite's ``mode=ro`` still creates ``-wal``/``-shm`` beside a WAL catalog (right for a
    title others are writing). A title nobody can write, whose ``-wal`` holds nothing left
    to read, is opened ``immutable=1``, which needs neither and leaves the folder as it is.
    """
    path = root / CATALOG_FILE
    wal = path.with_name(path.name + "-wal")
    folder_writable = os.access(root, os.W_OK)
    frozen = unwritable(root) is not None and not wal.exists()
    query = "immutable=1" if frozen else "mode=ro"
    try:
        db = sqlite3.connect(f"{path.as_uri()}?{query}", uri=True, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA query_only=ON")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        why = ("; its -wal file holds changes not yet folded into the catalog: open the "
               "title once with write access" if wal.exists() and not folder_writable
               else "")
        raise TitleError(f"{path}: cannot be read ({exc}){why}") from None
    try:
        version = catalog_version(db, path)
    except TitleError:
        db.close()
        raise
    return upgraded_copy(db, path) if version < CATALOG_VERSION else db


def unwritable(root: Path) -> Path | None:
    """The first part of title ``root`` that cannot be written, or ``None``.

    The catalog and its folder both need write access: SQLite keeps ``-wal``/``-shm`` files
    beside the catalog, and ``title.json`` is replaced by rename. ``os.access`` also answers
    for read-only mounts and immutable files, which hold even for root.
    """
    for path in (root / CATALOG_FILE, root):
        if not os.access(path, os.W_OK):
            return path
    return None
