"""Ingest with the lab's paperwork: an ALE names scenes and days, an EDL gives the shots."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import TitleError
from workbench.title import Title, ingest

ALE = """Heading
FIELD_DELIM\tTABS
VIDEO_FORMAT\t1080
FPS\t25

Column
Name\tTracks\tStart\tEnd\tTape\tScene\tTake\tCamera\tShoot Date

Data
street\tV\t00:00:00:00\t00:00:01:03\tA001\t42B\t3\tA\t2026-03-05
face\tV\t00:00:00:00\t00:00:00:11\tB001\t43\t1\tB\t2026-03-06
"""

EDL = """TITLE: street cut
FCM: NON-DROP FRAME

001  street   V     C        00:00:00:00 00:00:00:12 01:00:00:00 01:00:00:12
* FROM CLIP NAME: street.mov

002  street   V     C        00:00:00:14 00:00:01:03 01:00:00:12 01:00:01:01
* FROM CLIP NAME: street.mov
"""


def test_ale_gives_scene_day_and_camera(dailies: Path, title_dir: Path, tmp_path: Path):
    ale = tmp_path / "day5.ale"
    ale.write_text(ALE)
    with Title.create(title_dir) as title:
        ingest(title, [dailies / "street.mov", dailies / "face.mov"], ale=ale, progress=False)
        street, face = title.clip("street"), title.clip("face")
        assert title.shot("street_001").scene == "42B" and title.shot("face_001").scene == "43"
        assert (street.day, face.day) == ("2026-03-05", "2026-03-06")
        assert street.metadata["ale"]["Camera"] == "A" and street.metadata["ale"]["Take"] == "3"


def test_edl_events_become_the_shots(dailies: Path, title_dir: Path, tmp_path: Path):
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL)
    with Title.create(title_dir) as title:
        shots = ingest(title, [dailies / "street.mov"], edl=edl, progress=False)
        # The EDL leaves frames 12-13 out of the cut; cut detection is not used.
        assert [(s.start_frame, s.end_frame, s.source) for s in shots] == [
            (0, 12, "edl"), (14, 28, "edl")]


def test_a_broken_edl_is_named(dailies: Path, title_dir: Path, tmp_path: Path):
    edl = tmp_path / "bad.edl"
    edl.write_text(EDL.replace("01:00:01:01", "01:00:00:31"))
    with Title.create(title_dir) as title:
        with pytest.raises(TitleError, match=r"bad\.edl"):
            ingest(title, [dailies / "street.mov"], edl=edl, progress=False)
        assert title.shots() == []


def test_edl_source_timecode_counts_from_the_clip_start(tmp_path: Path):
    """A camera file that starts at 14:03:10:00 is cut by its own timecode, as an editor did."""
    from fractions import Fraction

    import numpy as np

    from workbench.demo import sample_dir
    from workbench.io import read_movie_frames, write_prores

    frames = [f.astype(np.float32) / 255 for _, f in
              read_movie_frames(sample_dir() / "bikes.mp4", 16, 44, max_width=160)]
    movie = tmp_path / "street.mov"
    write_prores(movie, frames, Fraction(25), timecode="14:03:10:00")
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL.replace("00:00:00:00 00:00:00:12", "14:03:10:00 14:03:10:12")
                      .replace("00:00:00:14 00:00:01:03", "14:03:10:14 14:03:11:03"))
    with Title.create(tmp_path / "title") as title:
        shots = ingest(title, [movie], edl=edl, progress=False)
        assert [(s.start_frame, s.end_frame) for s in shots] == [(0, 12), (14, 28)]
