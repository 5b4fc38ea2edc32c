"""The catalog's schema versions: reading ``user_version`` and upgrading, in place or in memory.

Each step of :data:`MIGRATIONS` turns a catalog at one version into the next inside one
transaction, so a catalog is at one version or the next, never between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from workbench.errors import TitleError

__all__ = ["CATALOG_VERSION", "MIGRATIONS", "catalog_version", "upgrade_catalog",
           "upgraded_copy"]

CATALOG_VERSION = 3
"""The catalog's ``PRAGMA user_version`` as this workbench writes it. 0 is a catalog made
before versions were recorded; :data:`MIGRATIONS` bring each version to the next."""


def catalog_version(db: sqlite3.Connection, path: Path) -> int:
    """The catalog's ``user_version``; one newer than :data:`CATALOG_VERSION` is refused."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > CATALOG_VERSION:
        raise TitleError(f"{path}: catalog version {version} was written by a newer workbench "
                         f"(this one reads up to {CATALOG_VERSION}); upgrade workbench to open "
                         f"it")
    return version


def upgrade_catalog(db: sqlite3.Connection, path: Path) -> None:
    """Bring the catalog at ``path`` to :data:`CATALOG_VERSION`, or make a new one.

    Every step runs in one ``BEGIN IMMEDIATE`` transaction with the new ``user_version``, so a
    catalog is at one version or the next, never between; a second workbench opening the same
    old catalog waits, then finds it already upgraded. Then ``schema.sql`` (all ``IF NOT
    EXISTS``) adds what a new catalog has.
    """
    schema = resources.files("workbench.title").joinpath("schema.sql").read_text()
    if catalog_version(db, path) < CATALOG_VERSION:
        db.execute("PRAGMA foreign_keys=OFF")  # tables are rebuilt under rows that refer to them
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                _migrate(db, path)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.execute("PRAGMA foreign_keys=ON")
    db.executescript(schema)


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Run the steps from the locked catalog's version on; refuse one that breaks references."""
    version = catalog_version(db, path)  # again, now that the catalog is locked
    tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
    if tables.fetchone()[0]:  # else a new catalog: schema.sql makes it current
        before = len(db.execute("PRAGMA foreign_key_check").fetchall())
        for step in range(version, CATALOG_VERSION):
            MIGRATIONS[step](db)
        after = len(db.execute("PRAGMA foreign_key_check").fetchall())
        if after > before:
            raise TitleError(f"{path}: upgrading the catalog from version {version} "
                             f"would break {after - before} references; nothing "
                             f"was changed")
    db.execute(f"PRAGMA user_version={CATALOG_VERSION}")


def upgraded_copy(db: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """An older catalog opened read-only, upgraded in memory: the file is never written.

    A read-only title (an archive, ``mode=ro``) cannot be upgraded in place, so its catalog is
    copied into memory (catalogs are kilobytes to a few megabytes) and the migrations run on
    the copy; readers then see the current schema. Nothing they do is kept: the copy is
    ``query_only`` like any read-only catalog.
    """
    mem = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.backup(mem)
    finally:
        db.close()
    mem.row_factory = sqlite3.Row
    mem.execute("PRAGMA foreign_keys=ON")
    upgrade_catalog(mem, path)
    mem.execute("PRAGMA query_only=ON")
    return mem


# Version 1's journal, frozen here: the migration must keep making exactly this table even
# after schema.sql moves on (a later change is a later migration).
_V1_DECISIONS = """CREATE TABLE decisions_v1 (
    id            TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL UNIQUE,
    shot_id       INTEGER NOT NULL REFERENCES shots(id),
    proposal_id   INTEGER REFERENCES proposals(id),
    verdict       TEXT NOT NULL CHECK (verdict IN ('accept', 'adjust', 'reject')),
    strength      REAL,
    pipeline      TEXT NOT NULL,
    model_version TEXT NOT NULL,
    active_area   TEXT,
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
)"""
_V1_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions\n"
    "BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions\n"
    "BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END",
)


def _v0_nullable_reject_strength(db: sqlite3.Connection) -> None:
    """Version 0 → 1: a reject has no strength.

    Catalogs made before a reject had no strength hold ``decisions.strength REAL NOT NULL``;
    the table is rebuilt nullable (SQLite cannot drop a NOT NULL in place), with its rows, ids
    and append-only triggers. Readers show a reject without strength either way.
    """
    cols = {r[1]: r for r in db.execute("PRAGMA table_info(decisions)")}
    if "strength" not in cols or not cols["strength"][3]:  # no journal yet, or nullable already
        return
    names = ", ".join(cols)
    db.execute(_V1_DECISIONS)
    db.execute(f"INSERT INTO decisions_v1({names}) SELECT {names} FROM decisions")
    db.execute("DROP TABLE decisions")  # its triggers go with it
    db.execute("ALTER TABLE decisions_v1 RENAME TO decisions")
    for trigger in _V1_TRIGGERS:
        db.execute(trigger)


# Version 2's composite journal, frozen here like version 1's decisions.
_V2_COMPOSITES = (
    """CREATE TABLE comp_proposals (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('composite', 'integrate')),
    sources     TEXT NOT NULL,
    matte_model TEXT NOT NULL,
    params      TEXT NOT NULL,
    output      TEXT NOT NULL,
    strength    REAL NOT NULL,
    summary     TEXT NOT NULL,
    report      TEXT,
    created_at  TEXT NOT NULL
)""",
    """CREATE TABLE comp_decisions (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    proposal_id INTEGER NOT NULL REFERENCES comp_proposals(id),
    verdict     TEXT NOT NULL CHECK (verdict IN ('accept', 'adjust', 'reject')),
    strength    REAL,
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
)""",
    "CREATE TRIGGER comp_decisions_no_update BEFORE UPDATE ON comp_decisions\n"
    "BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END",
    "CREATE TRIGGER comp_decisions_no_delete BEFORE DELETE ON comp_decisions\n"
    "BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END",
    """CREATE TABLE comp_renders (
    id          INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES comp_decisions(id),
    path        TEXT NOT NULL,
    frames      INTEGER NOT NULL,
    rendered_at TEXT NOT NULL
)""",
)


def _v1_composite_journal(db: sqlite3.Connection) -> None:
    """Version 1 → 2: composites and integrations are journaled like grades.

    Adds their proposals, their append-only decisions and their renders; nothing existing
    changes, so a version-1 catalog keeps every row.
    """
    for statement in _V2_COMPOSITES:  # IF NOT EXISTS: a catalog re-labelled older keeps its rows
        db.execute(statement.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
                   .replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1))


def _v2_proposal_details(db: sqlite3.Connection) -> None:
    """Version 2 → 3: a proposal records what made it (``proposals.details``, JSON or NULL).

    A nullable column added in place: every existing proposal keeps its row, with no details.
    """
    cols = {r[1] for r in db.execute("PRAGMA table_info(proposals)")}
    if "details" not in cols:
        db.execute("ALTER TABLE proposals ADD COLUMN details TEXT")


#: ``{version: step}``: ``step(db)`` turns a catalog at ``version`` into ``version + 1``, inside
#: the caller's transaction (it must not commit).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _v0_nullable_reject_strength,
    1: _v1_composite_journal,
    2: _v2_proposal_details,
}
