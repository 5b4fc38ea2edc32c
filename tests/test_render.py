"""Renders keep the source's timecode, frame numbers and pixels where the grade is the identity."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from testkit import letterboxed_title, sha256

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
    header = read_image(first)[1].metadata
    assert header["smpte:TimeCode"] == "01:00:00:14"   # the standard EXR timeCode attribute
    red = [float(v) for v in header["chromaticities"].split()[:2]]
    assert red == pytest.approx([0.713, 0.293], abs=1e-6)   # ACEScg (AP1) primaries
    assert header["FramesPerSecond"] == "25/1"


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
    # The source as a render reads it: float, super-whites and sub-blacks kept.
    _, frame = next((i, f) for i, f in read_movie_frames(src, 5, 6, depth=32))
    expected = convert_array(frame, "Rec.709", "ACEScg")
    assert info.metadata["workbench:colorspace"] == "ACEScg"
    assert np.abs(rgb - expected).max() < 2e-3  # half-float precision


def test_letterbox_bars_stay_as_shot(tmp_path: Path):
    """A grade's offset must not lift the letterbox: bars are restored after grading."""
    from workbench.color import convert_array

    movie, area = letterboxed_title(tmp_path)
    with Title.open(tmp_path / "title") as title:
        exr = render(title, tmp_path / "exr", "exr", progress=False)[0]
    rgb, _ = read_image(sorted(exr.path.glob("*.exr"))[0])
    decoded = next(read_movie_frames(movie, 0, 1))[1].astype(np.float32) / 255
    source = convert_array(decoded, "Rec.709", "ACEScg")
    top, bottom = area["top"], area["bottom"]
    bars = np.concatenate([rgb[:top], rgb[bottom:]])
    source_bars = np.concatenate([source[:top], source[bottom:]])
    assert np.abs(bars - source_bars).max() < 1e-3   # as shot (half precision)
    assert (rgb[top:bottom] - source[top:bottom]).mean() > 0.01   # the picture was lifted


def _street(tmp_path: Path, fps: Fraction, timecode: str | None) -> Path:
    """32 frames of the sample street edit, a cut at frame 16."""
    frames = [f.astype(np.float32) / 255 for _, f in
              read_movie_frames(sample_dir() / "bikes.mp4", 14, 46, max_width=160)]
    movie = tmp_path / "A001C003.mov"
    write_prores(movie, frames, fps, timecode=timecode)
    return movie


def test_ntsc_timecode_keeps_its_counting(tmp_path: Path):
    """29.97 non-drop stays non-drop and drop frame stays drop frame in the delivery."""
    for timecode, second_shot in (("01:00:00:00", "01:00:00:16"), ("00:59:59;28", "01:00:00;14")):
        root = tmp_path / timecode.replace(":", "").replace(";", "d")
        root.mkdir()
        movie = _street(root, Fraction(30000, 1001), timecode)
        with Title.create(root / "title") as title:
            ingest(title, [movie], progress=False)
            propose(title, progress=False)
            decide(title, title.shot("A001C003_002"), "accept")
            mov = render(title, root / "mov", "prores", progress=False)[0]
        assert probe_movie(mov.path).timecode == second_shot


def test_a_failed_render_keeps_the_previous_delivery(tmp_path: Path, monkeypatch):
    import workbench.render as render_module

    movie = _street(tmp_path, Fraction(25), None)
    with Title.create(tmp_path / "title") as title:
        ingest(title, [movie], progress=False)
        propose(title, progress=False)
        decide(title, title.shot("A001C003_001"), "accept")
        first = render(title, tmp_path / "out", "exr", progress=False)[0]
        before = {p.name: sha256(p) for p in first.path.iterdir()}
        decide(title, title.shot("A001C003_001"), "adjust", strength=0.5)  # a new grade
        calls = []

        def failing_write(path, rgb, metadata=None, **kwargs):
            calls.append(path)
            if len(calls) == 4:
                raise OSError(28, "No space left on device", str(path))
            return render_module.__dict__["_real_write_exr"](path, rgb, metadata, **kwargs)

        monkeypatch.setitem(render_module.__dict__, "_real_write_exr", render_module.write_exr)
        monkeypatch.setattr(render_module, "write_exr", failing_write)
        with pytest.raises(OSError):
            render(title, tmp_path / "out", "exr", progress=False)
    assert {p.name: sha256(p) for p in first.path.iterdir()} == before   # untouched
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["A001C003_001"]  # no temp left


def test_render_refuses_a_sequence_changed_since_ingest(tmp_path: Path):
    from workbench.errors import MediaError
    from workbench.io import write_exr

    seq = tmp_path / "plate"
    seq.mkdir()
    for n in range(1001, 1004):
        write_exr(seq / f"plate.{n}.exr", np.full((8, 12, 3), 0.18 * (n - 1000), np.float32))
    with Title.create(tmp_path / "title") as title:
        shots = ingest(title, [seq / "plate.####.exr"], progress=False)
        assert [s.name for s in shots] == ["plate_001"]
        clip = title.clip("plate")
        assert (clip.kind, clip.first_frame, clip.frame_count) == ("sequence", 1001, 3)
        propose(title, progress=False)
        decide(title, shots[0], "accept")
        write_exr(seq / "plate.1002.exr", np.full((8, 12, 3), 0.5, np.float32))  # re-delivered
        with pytest.raises(MediaError, match="changed since ingest"):
            render(title, tmp_path / "out", "exr", progress=False)
    assert not (tmp_path / "out" / "plate_001").exists()


def test_otio_range_of_a_prores_delivery_is_its_timecode(tmp_path: Path):
    import opentimelineio as otio

    from workbench.export import delivery_timeline
    from workbench.interchange import write_timeline
    from workbench.render import delivered_renders

    movie = _street(tmp_path, Fraction(25), "10:00:00:00")
    with Title.create(tmp_path / "title") as title:
        ingest(title, [movie], progress=False)
        propose(title, progress=False)
        decide(title, title.shot("A001C003_002"), "accept")
        render(title, tmp_path / "mov", "prores", progress=False)
        write_timeline(tmp_path / "t.otio", delivery_timeline("t", delivered_renders(title)))
    clip = otio.adapters.read_from_file(str(tmp_path / "t.otio")).find_clips()[0]
    ref = clip.media_reference
    assert isinstance(ref, otio.schema.ExternalReference)
    assert otio.opentime.to_timecode(ref.available_range.start_time, 25) == "10:00:00:16"
    assert clip.source_range.duration.to_frames() == 16


def test_ten_bit_sources_are_graded_at_ten_bits(tmp_path: Path):
    """A 10-bit ProRes ramp keeps its 10-bit steps through ingest and render (no 8-bit banding)."""
    ramp = np.tile(np.linspace(0, 1, 1024, dtype=np.float32)[None, :, None], (16, 1, 3))
    movie = tmp_path / "ramp.mov"
    write_prores(movie, [ramp] * 3, Fraction(24))
    with Title.create(tmp_path / "title") as title:
        ingest(title, [movie], progress=False)
        assert title.clip("ramp").metadata["source_tags"]["bits_per_component"] == 10
        propose(title, progress=False)
        decide(title, title.shot("ramp_001"), "accept")
        exr = render(title, tmp_path / "exr", "exr", progress=False)[0]
    rgb, _ = read_image(sorted(exr.path.glob("*.exr"))[0])
    assert len(np.unique(rgb[8, :, 1])) > 600   # 8 bits would give at most 256
