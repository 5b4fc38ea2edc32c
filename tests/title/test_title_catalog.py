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
