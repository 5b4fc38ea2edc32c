"""`workbench export` of a title with 25, 29.97 drop-frame and 10 fps clips: a hand-off a conform
can trust, checked with OpenTimelineIO, OpenColorIO and the EDL text itself."""

from __future__ import annotations

import hashlib
import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import PyOpenColorIO as ocio
import pytest
from testkit import shared_path

from workbench.cli import main
from workbench.demo import sample_dir
from workbench.errors import WorkbenchError
from workbench.export import export_delivery
from workbench.io import read_movie_frames, write_prores
from workbench.model import propose
from workbench.render import render
from workbench.title import Title, decide, ingest

DATA = shared_path()
NTSC = Fraction(30000, 1001)
ALE = """Heading
FIELD_DELIM\tTABS
VIDEO_FORMAT\t1080
FPS\t25

Column
Name\tTape\tSource File\tScene

Data
street\tA007\tstreet.mov\t12 STREET
"""


def _frames(path: Path, start: int, stop: int, width: int | None = 160) -> list:
    return [f.astype("float32") / 255 for _, f in
            read_movie_frames(path, start, stop, max_width=width)]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A title of three real clips, every shot accepted, rendered to EXR and exported once."""
    root = tmp_path_factory.mktemp("handoff")
    dailies = root / "dailies"
    dailies.mkdir()
    write_prores(dailies / "street.mov", _frames(sample_dir() / "bikes.mp4", 16, 44),
                 Fraction(25), timecode="10:00:00:00")
    # Drop frame, two frames before the labels ;00 and ;01 of minute 1 are skipped.
    write_prores(dailies / "face.mov", _frames(sample_dir() / "carphone.mp4", 0, 12, None), NTSC,
                 timecode="00:00:59;28")
    # A 10 fps webcam: SMPTE timecode, so CMX 3600, has no such rate.
    write_prores(dailies / "crowd_walkway_10fps.mov",
                 _frames(DATA / "video" / "opencv_vtest.avi", 0, 10), Fraction(10))
    (dailies / "day1.ale").write_text(ALE)
    with Title.create(root / "title", name="Three rates") as title:
        ingest(title, [dailies / n for n in ("street.mov", "face.mov",
                                             "crowd_walkway_10fps.mov")],
               ale=dailies / "day1.ale", progress=False)
        for proposal in propose(title, progress=False):
            decide(title, title.shot(proposal.shot), "accept", by="tester")
        render(title, root / "renders", "exr", progress=False)
    out = root / "handoff"
    assert main(["export", str(root / "title"), "--out", str(out)]) == 0
    return root, out


def _events(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line[:3].isdigit()]


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_title_with_a_10fps_clip_still_exports(exported: tuple[Path, Path], capsys) -> None:
    root, out = exported
    with Title.open(root / "title") as title:
        shots = {s.name: s for s in title.shots()}
        crowd = [n for n, s in shots.items() if s.clip.name == "crowd_walkway_10fps"]
    assert crowd and len(shots) >= 4
    # luts/ holds the baked .cube of any grade that is more than a CDL (a learned match).
    assert {p.name for p in out.iterdir()} - {"luts"} == {
        "grades", "looks.ocio", "report.html", "timeline.otio", "timeline_25.edl",
        "timeline_29.97.edl"}
    assert sorted(p.stem for p in (out / "grades").glob("*.cc")) == sorted(shots)
    # The OTIO timeline carries every shot, the 10 fps one at its own rate.
    clips = {c.name: c for c in otio.adapters.read_from_file(str(out / "timeline.otio"))
             .find_clips()}
    assert sorted(clips) == sorted(shots)
    assert {clips[n].source_range.duration.rate for n in crowd} == {10}
    # The report says which shots no EDL carries, and why.
    report = (out / "report.html").read_text()
    assert all(f"<b>{n}</b>: 10 fps: a CMX 3600 EDL counts in SMPTE timecode" in report
               for n in crowd)
    # So does the command, on stderr.
    assert main(["export", str(root / "title"), "--out", str(root / "again")]) == 0
    err = capsys.readouterr().err
    assert [line.split(":")[0] for line in err.splitlines()] == crowd
    assert "in timeline.otio but in no EDL, 10 fps" in err


def test_drop_frame_edl_records_from_the_hour_with_source_timecode(
        exported: tuple[Path, Path]) -> None:
    _, out = exported
    text = (out / "timeline_29.97.edl").read_text()
    assert text.splitlines()[:2] == ["TITLE: Three rates", "FCM: DROP FRAME"]
    [event] = _events(text)
    # 12 frames from the source's 00:00:59;28: ;28 ;29, then minute 1 starts at ;02.
    assert event[1:] == ["face", "V", "C", "00:00:59;28", "00:01:00;12",
                         "01:00:00;00", "01:00:00;12"]
    assert "* FROM CLIP NAME:  face" in text.splitlines()


def test_edl_reels_are_the_sources(exported: tuple[Path, Path]) -> None:
    root, out = exported
    text = (out / "timeline_25.edl").read_text()
    assert text.splitlines()[1] == "FCM: NON-DROP FRAME"
    events = _events(text)
    assert {e[1] for e in events} == {"A007"}  # the ALE's Tape of street.mov
    # Source timecodes from the source's own 10:00:00:00, record from 01:00:00:00 on.
    with Title.open(root / "title") as title:
        street = sorted((s for s in title.shots() if s.clip.name == "street"),
                        key=lambda s: s.start_frame)
    assert len(events) == len(street) >= 2
    record = 0
    for event, shot in zip(events, street, strict=True):
        assert event[-4] == f"10:00:{shot.start_frame // 25:02d}:{shot.start_frame % 25:02d}"
        assert event[-2] == f"01:00:{record // 25:02d}:{record % 25:02d}"
        record += shot.frame_count
    back = otio.adapters.read_from_file(str(out / "timeline_25.edl"), adapter_name="cmx_3600",
                                        rate=25)
    assert {(c.name, c.metadata["cmx_3600"]["reel"]) for c in back.find_clips()} == {
        ("street", "A007")}
    ntsc = otio.adapters.read_from_file(str(out / "timeline_29.97.edl"),
                                        adapter_name="cmx_3600", rate=float(NTSC))
    assert [(c.name, c.metadata["cmx_3600"]["reel"]) for c in ntsc.find_clips()] == [
        ("face", "face")]


def test_looks_config_names_the_renders_acescg(exported: tuple[Path, Path]) -> None:
    root, out = exported
    config = ocio.Config.CreateFromFile(str(out / "looks.ocio"))
    config.validate()
    renders = sorted((root / "renders").rglob("*.exr"))
    assert renders
    assert {config.getColorSpaceFromFilepath(str(p))[0] for p in renders} == {"ACEScg"}
    grades = sorted((out / "grades").glob("*.cc"))
    assert {config.getColorSpaceFromFilepath(str(p))[0] for p in grades} == {"ACEScct"}


def test_a_failure_midway_leaves_the_previous_export(exported: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    root, first = exported
    # A copy of the title whose face.mov is then cut short: the export gets as far as the
    # report, which reads the source, and fails there.
    title_copy = tmp_path / "title"
    shutil.copytree(root / "title", title_copy)
    out = tmp_path / "handoff"
    shutil.copytree(first, out)
    (out / "notes.txt").write_text("the conform's own notes")
    before = _tree(out)
    source = root / "dailies" / "face.mov"
    kept = source.read_bytes()
    try:
        source.write_bytes(kept[: len(kept) // 3])
        with (Title.open(title_copy) as title,
              pytest.raises(WorkbenchError, match=r"face\.mov: not a readable movie") as exc):
            export_delivery(title, out)
        # Midway: grades, looks, timeline and EDLs were written before the report failed.
        assert any(entry.name == "write_report" for entry in exc.traceback)
    finally:
        source.write_bytes(kept)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handoff", "title"]  # no leftovers

    # Once the source is whole again the export goes through and keeps what is not its own.
    with Title.open(title_copy) as title:
        done = export_delivery(title, out)
    assert (out / "notes.txt").read_text() == "the conform's own notes"
    assert done.edls == [out / "timeline_25.edl", out / "timeline_29.97.edl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handoff", "title"]
