"""A title on disk: its settings and its catalog of clips, shots, scenes and days.

Layout of a title directory::

    title.json        settings (TitleSettings)
    catalog.sqlite    catalog and decision journal (WAL mode)
    proxies/          cached proxy movies

A title on read-only storage (an archive, a share, ``chmod -R a-w``) opens read-only for the
commands that only read it; a command that writes says which path it cannot write. Opening the
SQLite file is :mod:`workbench.title.connection`, its schema versions
:mod:`workbench.title.migrations`, the values it hands out :mod:`workbench.title.records`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from workbench.errors import TitleError
from workbench.title.connection import CATALOG_FILE, connect, connect_read_only, unwritable
from workbench.title.records import Clip, Scene, Shot
from workbench.title.settings import SETTINGS_FILE, TitleSettings, now_iso

__all__ = ["OPEN_MODES", "OpenMode", "Title"]

OpenMode = Literal["rw", "ro", "auto"]
OPEN_MODES: tuple[OpenMode, ...] = ("rw", "ro", "auto")


class Title:
    """An open title directory. Use :meth:`create` for a new one, :meth:`open` otherwise."""

    def __init__(self, root: Path, settings: TitleSettings, db: sqlite3.Connection,
                 read_only: bool = False) -> None:
        self.root = root
        self.settings = settings
        self.db = db
        self.read_only = read_only
        """True when opened read-only: nothing may be recorded in the title."""

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, root: Path | str, name: str | None = None, **settings: Any) -> Title:
        """Make a new, empty title at ``root``; refuses a directory that already holds one."""
        root = Path(root).resolve()
        if (root / SETTINGS_FILE).exists():
            raise TitleError(f"{root}: already a title directory")
        if root.exists() and any(root.iterdir()):
            raise TitleError(f"{root}: directory is not empty; choose a new or empty directory")
        title_settings = TitleSettings(name=name or root.name, **settings)  # validate first
        root.mkdir(parents=True, exist_ok=True)
        (root / "proxies").mkdir(exist_ok=True)
        db = connect(root)
        title_settings.save(root)
        return cls(root, title_settings, db)

    @classmethod
    def open(cls, root: Path | str, mode: OpenMode = "rw") -> Title:
        """Open an existing title directory.

        Parameters
        ----------
        root
            The title directory.
        mode
            ``"rw"`` (commands that change the title: a read-only title is refused, naming the
            path that cannot be written), ``"ro"`` (commands that only read it: nothing in
            the title is written, not even SQLite's ``-wal``/``-shm`` files), or ``"auto"``
            (read-write when the title can be written, read-only otherwise; see
            :attr:`read_only`).
        """
        if mode not in OPEN_MODES:
            raise TitleError(f"open mode must be one of {', '.join(OPEN_MODES)}, got {mode!r}")
        root = Path(root).resolve()
        if not root.is_dir():
            raise TitleError(f"{root}: title directory does not exist")
        settings = TitleSettings.load(root)
        if not (root / CATALOG_FILE).is_file():
            raise TitleError(f"{root}: {CATALOG_FILE} is missing")
        locked = unwritable(root)
        if mode == "rw" and locked is not None:
            raise TitleError(f"{locked}: read-only, so this command cannot change title "
                             f"{settings.name!r} (status, log, render and export can read it)")
        if mode == "ro" or locked is not None:
            return cls(root, settings, connect_read_only(root), read_only=True)
        return cls(root, settings, connect(root))

    def close(self) -> None:
        """Close the catalog."""
        self.db.close()

    def __enter__(self) -> Title:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing block: an error leaves the catalog as it was.

        ``BEGIN IMMEDIATE`` takes the write lock at once, so two artists deciding at the same
        moment are serialised rather than colliding. Nested use joins the outer block.
        """
        if self.db.in_transaction:
            yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @property
    def proxy_dir(self) -> Path:
        """Where cached proxies live."""
        return self.root / "proxies"

    # -- scenes and days -----------------------------------------------------------------
    def scene_id(self, name: str) -> int:
        """The id of scene ``name``, created if new."""
        self.db.execute("INSERT OR IGNORE INTO scenes(name) VALUES (?)", (name,))
        return int(self.db.execute("SELECT id FROM scenes WHERE name=?", (name,)).fetchone()[0])

    def day_id(self, label: str | None) -> int | None:
        """The id of shooting day ``label``, created if new; ``None`` stays ``None``."""
        if label is None:
            return None
        self.db.execute("INSERT OR IGNORE INTO days(label) VALUES (?)", (label,))
        return int(self.db.execute("SELECT id FROM days WHERE label=?", (label,)).fetchone()[0])

    def scenes(self) -> list[Scene]:
        """Every scene, by name."""
        rows = self.db.execute("SELECT id, name, anchor_shot_id FROM scenes ORDER BY name")
        return [Scene(r["id"], r["name"], r["anchor_shot_id"]) for r in rows]

    def set_anchor(self, scene: str, shot: Shot) -> None:
        """Make ``shot`` the anchor the rest of ``scene`` is matched to."""
        if shot.scene != scene:
            raise TitleError(f"shot {shot.name} is in scene {shot.scene!r}, not {scene!r}")
        self.db.execute("UPDATE scenes SET anchor_shot_id=? WHERE name=?", (shot.id, scene))

    def anchor(self, scene: str) -> Shot | None:
        """The anchor shot of ``scene``, if one was chosen."""
        row = self.db.execute("SELECT anchor_shot_id FROM scenes WHERE name=?", (scene,)).fetchone()
        return self.shot(int(row[0])) if row and row[0] is not None else None

    # -- clips ---------------------------------------------------------------------------
    def add_clip(self, *, name: str, path: Path, sha256: str, size_bytes: int, kind: str,
                 width: int, height: int, fps: Fraction, frame_count: int, first_frame: int,
                 timecode: str | None, input_space: str, scene: str, day: str | None,
                 metadata: dict[str, Any]) -> Clip:
        """Catalogue a source file; its name must be new to the title."""
        if self.db.execute("SELECT 1 FROM clips WHERE name=?", (name,)).fetchone():
            raise TitleError(f"{path}: a clip named {name!r} is already in the title")
        cur = self.db.execute(
            "INSERT INTO clips(name, path, sha256, size_bytes, kind, width, height, fps,"
            " frame_count, first_frame, timecode, input_space, scene_id, day_id, metadata,"
            " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (name, str(path), sha256, size_bytes, kind, width, height, str(fps), frame_count,
             first_frame, timecode, input_space, self.scene_id(scene), self.day_id(day),
             json.dumps(metadata, sort_keys=True), now_iso()),
        )
        return self.clip(int(cur.lastrowid or 0))

    def relink(self, clip: Clip, path: Path) -> Clip:
        """Point ``clip`` at its media's new place; the content must be the same (SHA-256)."""
        from workbench.io import list_sequence
        from workbench.io.hashing import sha256_of

        path = Path(path).absolute()
        if not path.exists() and not ("#" in path.name or "%" in path.name):
            raise TitleError(f"{path}: does not exist")
        files = [p for _, p in list_sequence(path)] if clip.kind == "sequence" else [path]
        sha, _ = sha256_of(files)
        if sha != clip.sha256:
            raise TitleError(f"{path}: not the media of clip {clip.name} (sha256 differs from "
                             f"the one taken at ingest)")
        self.db.execute("UPDATE clips SET path=? WHERE id=?", (str(path), clip.id))
        return self.clip(clip.id)

    def has_clip(self, name: str) -> bool:
        """True if a clip called ``name`` is catalogued."""
        return self.db.execute("SELECT 1 FROM clips WHERE name=?", (name,)).fetchone() is not None

    def clip(self, key: int | str) -> Clip:
        """A clip by id or name."""
        col = "c.id" if isinstance(key, int) else "c.name"
        row = self.db.execute(
            "SELECT c.*, d.label AS day FROM clips c LEFT JOIN days d ON d.id=c.day_id "
            f"WHERE {col}=?", (key,)).fetchone()
        if row is None:
            raise TitleError(f"{self.root.name}: no clip {key!r}")
        return self._clip(row)

    def clips(self) -> list[Clip]:
        """Every clip, in ingest order."""
        rows = self.db.execute(
            "SELECT c.*, d.label AS day FROM clips c LEFT JOIN days d ON d.id=c.day_id "
            "ORDER BY c.id")
        return [self._clip(r) for r in rows]

    def _clip(self, r: sqlite3.Row) -> Clip:
        metadata = json.loads(r["metadata"])
        proxy = self.root / metadata["proxy"] if metadata.get("proxy") else None
        return Clip(r["id"], r["name"], Path(r["path"]), r["sha256"], r["size_bytes"], r["kind"],
                    r["width"], r["height"], Fraction(r["fps"]), r["frame_count"],
                    r["first_frame"], r["timecode"], r["input_space"], r["scene_id"], r["day"],
                    metadata, proxy if proxy and proxy.is_file() else None)

    # -- shots ---------------------------------------------------------------------------
    def add_shot(self, clip: Clip, name: str, start: int, end: int, source: str,
                 scene: str | None = None) -> Shot:
        """Catalogue frames ``[start, end)`` of ``clip`` as a shot."""
        if not 0 <= start < end <= clip.frame_count:
            raise TitleError(f"{clip.path.name}: shot {name} frames {start}-{end} are outside "
                             f"the clip's 0-{clip.frame_count}")
        scene_id = self.scene_id(scene) if scene else clip.scene_id
        cur = self.db.execute(
            "INSERT INTO shots(name, clip_id, scene_id, start_frame, end_frame, source) "
            "VALUES (?,?,?,?,?,?)", (name, clip.id, scene_id, start, end, source))
        return self.shot(int(cur.lastrowid or 0))

    def shot(self, key: int | str) -> Shot:
        """A shot by id or name; an unknown name lists a few that exist."""
        col = "s.id" if isinstance(key, int) else "s.name"
        row = self.db.execute(
            "SELECT s.*, sc.name AS scene FROM shots s JOIN scenes sc ON sc.id=s.scene_id "
            f"WHERE {col}=?", (key,)).fetchone()
        if row is None:
            names = [r[0] for r in self.db.execute("SELECT name FROM shots ORDER BY id LIMIT 6")]
            hint = (f"; shots include {', '.join(names)}" if names
                    else "; the title has no shots yet")
            raise TitleError(f"{self.root.name}: no shot {key!r}{hint}")
        return self._shot(row)

    def shots(self, scene: str | None = None) -> list[Shot]:
        """Every shot (of ``scene`` if given), in catalogue order."""
        sql = ("SELECT s.*, sc.name AS scene FROM shots s JOIN scenes sc ON sc.id=s.scene_id"
               + (" WHERE sc.name=?" if scene else "") + " ORDER BY s.id")
        return [self._shot(r) for r in self.db.execute(sql, (scene,) if scene else ())]

    def _shot(self, r: sqlite3.Row) -> Shot:
        return Shot(r["id"], r["name"], self.clip(int(r["clip_id"])), r["scene"],
                    r["start_frame"], r["end_frame"], r["source"])
