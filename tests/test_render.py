"""Renders keep the source's timecode, frame numbers and pixels where the grade is the identity."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from workbench.demo import sample_dir
from workbench.io import probe_movie, read_image, read_movie_frames, write_prores
from workbench.model import propose
from workbench.render import render
from workbench.title import Title, decide, ingest


def test_timecode_follows_the_shot(tmp_path: Path):
    frames = [f.astype(np.float32) / 255 for _, f in
              read_movie_frames(sample_dir() / "bikes.mp4", 16, 44, max_width=160)]
    movie = tmp_path / "A001C003.mov"
    write_prores(movie, frames, Fraction(25), timecode="01:00:00:00")
    with Title.create(tmp_path / "title") as title:
        ingest(title, [movie], progress=False)
        assert title.clip("A001C003").timecode == "01:00:00:00"
        propose(title, progress=False)
        decide(title, title.shot("A001C003_002"), "accept")
        mov = render(title, tmp_path / "mov", "prores", progress=False)[0]
        exr = render(title, tmp_path / "exr", "exr", progress=False)[0]
    assert probe_movie(mov.path).timecode == "01:00:00:14"
    first = sorted(exr.path.glob("*.exr"))[0]
    assert first.name == "A001C003_002.0014.exr"
    assert read_image(first)[1].metadata["workbench:timecode"] == "01:00:00:14"


def test_identity_grade_round_trips_the_pixels(tmp_path: Path):
    """An anchor shot (identity grade) rendered to EXR holds the source converted to ACEScg."""
    from workbench.color import convert_array

    src = sample_dir() / "carphone.mp4"
    with Title.create(tmp_path / "title") as title:
        ingest(title, [src], progress=False)
        propose(title, progress=False)
        decide(title, title.shot("carphone_001"), "accept")
        exr = render(title, tmp_path / "exr", "exr", progress=False)[0]
    rgb, info = read_image(sorted(exr.path.glob("*.exr"))[5])
    _, frame = next((i, f) for i, f in read_movie_frames(src, 5, 6))
    expected = convert_array(frame.astype(np.float32) / 255, "Rec.709", "ACEScg")
    assert info.metadata["workbench:colorspace"] == "ACEScg"
    assert np.abs(rgb - expected).max() < 2e-3  # half-float precision


def test_letterbox_bars_stay_as_shot(tmp_path: Path):
    """A grade's offset must not lift the letterbox: bars are restored after grading."""
    from workbench.color import convert_array
    from workbench.model import MODEL_VERSION
    from workbench.ops import CDL, Pipeline
    from workbench.title import add_proposal

    frames = [f.astype(np.float32) / 255 for _, f in
              read_movie_frames(sample_dir() / "livesession.mp4", 340, 365)]
    movie = tmp_path / "live.mov"
    write_prores(movie, frames, Fraction(24))
    with Title.create(tmp_path / "title") as title:
        ingest(title, [movie], progress=False)
        propose(title, progress=False)  # finds the picture area of the clip
        area = title.clip("live").metadata["active_area"]
        assert area["top"] > 10 and area["bottom"] < 134   # 176x144, letterboxed
        shot = title.shot("live_001")
        lift = CDL(offset_r=0.1, offset_g=0.1, offset_b=0.1)   # lifts black a lot
        add_proposal(title, shot, Pipeline([lift]), model_version=MODEL_VERSION, strength=1.0,
                     confidence=1.0, summary="test: a strong lift")
        decide(title, shot, "accept")
        exr = render(title, tmp_path / "exr", "exr", progress=False)[0]
    rgb, _ = read_image(sorted(exr.path.glob("*.exr"))[0])
    decoded = next(read_movie_frames(movie, 0, 1))[1].astype(np.float32) / 255
    source = convert_array(decoded, "Rec.709", "ACEScg")
    top, bottom = area["top"], area["bottom"]
    bars = np.concatenate([rgb[:top], rgb[bottom:]])
    source_bars = np.concatenate([source[:top], source[bottom:]])
    assert np.abs(bars - source_bars).max() < 1e-3   # as shot (half precision)
    assert (rgb[top:bottom] - source[top:bottom]).mean() > 0.01   # the picture was lifted
