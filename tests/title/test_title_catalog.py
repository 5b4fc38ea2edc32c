from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import DecisionError, TitleError
from workbench.io import probe_movie
from workbench.model import propose
from workbench.title import Title, decide, ingest, journal, latest_decision, shot_status


def test_catalog_holds_clips_shots_scenes_and_days(dailies: Path, title_dir: Path):
    with Title.create(title_dir, name="Tiny") as title:
        shots = ingest(title, [dailies / "street.mov", dailies / "face.mov"],
                       scene="7A", day="Day 02", progress=False)
        assert [s.name for s in shots] == ["street_001", "street_002", "face_001"]
        assert [(s.start_frame, s.end_frame) for s in shots] == [(0, 14), (14, 28), (0, 12)]
        assert {s.source for s in shots} == {"cut-detection", "whole-clip"}
        street = title.clip("street")
        assert street.kind == "movie" and (street.width, street.height) == (160, 68)
        assert street.frame_count == 28 and street.fps == 25
        assert street.day == "Day 02" and street.input_space == "Rec.709"
        assert len(street.sha256) == 64
        assert street.size_bytes == (dailies / "street.mov").stat().st_size
        assert [s.name for s in title.scenes()] == ["7A"]

    # Reopened from disk, the catalog is the same.
    with Title.open(title_dir) as again:
        assert [s.name for s in again.shots(scene="7A")] == ["street_001", "street_002", "face_001"]
        assert again.settings.name == "Tiny" and again.settings.working_space == "ACEScg"


def test_a_clip_name_is_ingested_once(dailies: Path, title_dir: Path):
    with Title.create(title_dir) as title:
        ingest(title, [dailies / "face.mov"], progress=False)
        with pytest.raises(TitleError, match="already in the title"):
            ingest(title, [dailies / "face.mov"], progress=False)
        assert len(title.shots()) == 1


def test_create_refuses_an_existing_title(title_dir: Path):
    Title.create(title_dir).close()
    with pytest.raises(TitleError, match="already a title"):
        Title.create(title_dir)


def test_proxies_are_made_cached_and_used(dailies: Path, title_dir: Path):
    with Title.create(title_dir) as title:
        ingest(title, [dailies / "street.mov"], proxy_width=64, progress=False)
        clip = title.clip("street")
        assert clip.proxy is not None and clip.proxy.parent == title.proxy_dir
        info = probe_movie(clip.proxy)
        assert info.width == 64 and info.frame_count == clip.frame_count
        assert len(propose(title, progress=False)) == 2


def test_journal_keeps_every_decision_and_the_latest_counts(dailies: Path, title_dir: Path):
    with Title.create(title_dir) as title:
        ingest(title, [dailies / "face.mov"], progress=False)
        shot = title.shot("face_001")
        assert shot_status(title, shot) == "new"
        with pytest.raises(DecisionError, match="no proposal yet"):
            decide(title, shot, "accept")
        propose(title, progress=False)
        assert shot_status(title, shot) == "proposed"
        decide(title, shot, "reject", note="too warm", by="ana")
        decide(title, shot, "adjust", strength=0.3, by="ben")
        entries = journal(title)
        assert [(e.verdict, e.decided_by, e.seq) for e in entries] == [
            ("reject", "ana", 1), ("adjust", "ben", 2)]
        assert latest_decision(title, shot).verdict == "adjust"
        assert shot_status(title, shot) == "adjusted"
        with pytest.raises(DecisionError, match="adjust needs --strength"):
            decide(title, shot, "adjust")
        with pytest.raises(DecisionError, match="verdict must be one of"):
            decide(title, shot, "maybe")


# The decisions table as catalogs made before a reject had no strength hold it.
_OLD_DECISIONS = """CREATE TABLE decisions (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
    shot_id INTEGER NOT NULL REFERENCES shots(id), proposal_id INTEGER REFERENCES proposals(id),
    verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'adjust', 'reject')),
    strength REAL NOT NULL, pipeline TEXT NOT NULL, model_version TEXT NOT NULL,
    active_area TEXT, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '');
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
"""


def test_an_older_journal_opens_and_its_reject_has_no_strength(dailies: Path, title_dir: Path):
    import sqlite3

    with Title.create(title_dir) as title:
        ingest(title, [dailies / "face.mov"], progress=False)
        propose(title, progress=False)
        kept = decide(title, title.shot("face_001"), "adjust", strength=0.4, by="ana")
        title.db.execute("INSERT INTO renders(decision_id, format, path, frames, rendered_at) "
                         "VALUES (?, 'exr', '/r/face_001', 12, 'then')", (kept.id,))
    db = sqlite3.connect(title_dir / "catalog.sqlite", isolation_level=None)
    table, trigger = _OLD_DECISIONS.split(";\n", 1)
    db.executescript("PRAGMA foreign_keys=OFF;" + table.replace("decisions (", "d0 (") + ";"
                     "INSERT INTO d0 SELECT * FROM decisions; DROP TABLE decisions;"
                     "ALTER TABLE d0 RENAME TO decisions;" + trigger
                     + "PRAGMA user_version=0;")  # as catalogs were before versions
    db.execute("INSERT INTO decisions SELECT 'old-reject', 2, shot_id, proposal_id, 'reject', 1.0,"
               " pipeline, model_version, active_area, 'ben', 'later', '' FROM decisions")
    db.close()

    with Title.open(title_dir) as title:
        shot = title.shot("face_001")
        assert [(e.verdict, e.strength, e.decided_by) for e in journal(title)] == [
            ("adjust", 0.4, "ana"), ("reject", None, "ben")]
        latest = decide(title, shot, "reject", by="cy")
        assert latest.strength is None and latest.seq == 3
        assert title.db.execute("SELECT strength FROM decisions WHERE id=?",
                                (latest.id,)).fetchone()[0] is None
        # The rebuilt journal is still append-only, and renders still point at their decision.
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            title.db.execute("UPDATE decisions SET note='x'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            title.db.execute("DELETE FROM decisions")
        assert title.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert title.db.execute("SELECT d.decided_by FROM renders r JOIN decisions d ON "
                                "d.id=r.decision_id").fetchall()[0][0] == "ana"
