"""The `workbench` command end to end on a tiny real title, and every bad-input case."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import opentimelineio as otio
import PyOpenColorIO as ocio
import pytest
from testkit import sha256

from workbench.cli import main
from workbench.io import read_image, write_exr


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["-q", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def proposed(capsys, dailies: Path, title_dir: Path) -> Path:
    assert run(capsys, "init", title_dir, "--name", "Tiny")[0] == 0
    code, out, _ = run(capsys, "ingest", title_dir, dailies / "street.mov", dailies / "face.mov")
    assert code == 0, out
    assert "3 shot(s) in 2 scene(s)" in out
    assert run(capsys, "propose", title_dir)[0] == 0
    return title_dir


def test_whole_path(capsys, dailies: Path, title_dir: Path, tmp_path: Path):
    before = {p.name: sha256(p) for p in dailies.iterdir()}
    title = title_dir
    assert run(capsys, "init", title, "--name", "Tiny")[0] == 0
    assert run(capsys, "ingest", title, dailies / "street.mov", dailies / "face.mov")[0] == 0
    assert run(capsys, "propose", title)[0] == 0
    # Source media is never written to, from the first step on.
    assert {p.name: sha256(p) for p in dailies.iterdir()} == before

    code, out, _ = run(capsys, "status", title)
    assert code == 0 and "street_001" in out and "street_002" in out and "face_001" in out

    assert run(capsys, "decide", title, "street_001", "accept", "--by", "ana")[0] == 0
    assert run(capsys, "decide", title, "street_002", "adjust", "--strength", "0.5",
               "--note", "half way", "--by", "ana")[0] == 0
    code, out, _ = run(capsys, "decide", title, "face_001", "reject", "--by", "ben")
    assert code == 0 and out.startswith("reject face_001 by ben (decision ")
    assert "strength" not in out

    code, out, _ = run(capsys, "log", title, "--json")
    log = json.loads(out)
    # A reject applies nothing: it has no strength to journal.
    assert [(e["shot"], e["verdict"], e["strength"], e["decided_by"]) for e in log] == [
        ("street_001", "accept", 1.0, "ana"), ("street_002", "adjust", 0.5, "ana"),
        ("face_001", "reject", None, "ben")]
    _, text, _ = run(capsys, "log", title)
    assert [line.split("strength ")[1].split()[0] for line in text.splitlines()] == [
        "1", "0.5", "-"]
    assert all(e["model_version"].startswith("classical-match/") for e in log)
    assert log[1]["note"] == "half way"

    renders = tmp_path / "renders"
    code, out, _ = run(capsys, "render", title, "--out", renders)
    assert code == 0 and "rendered 2 shot(s)" in out
    assert not (renders / "face_001").exists(), "a rejected shot was rendered"
    exrs = sorted((renders / "street_002").glob("*.exr"))
    assert len(exrs) == 14  # frames 14..27 of street.mov
    _, info = read_image(exrs[0])
    assert info.format == "half"
    assert info.metadata["workbench:decision"] == log[1]["id"]
    assert info.metadata["workbench:shot"] == "street_002"
    assert info.metadata["workbench:model_version"] == log[1]["model_version"]

    out_dir = tmp_path / "delivery"
    assert run(capsys, "export", title, "--out", out_dir)[0] == 0
    # The grade file is read by OpenColorIO and holds the CDL at the decided strength.
    cc = ocio.CDLTransform.CreateFromFile(str(out_dir / "grades" / "street_002.cc"), "")
    slope = cc.getSlope()
    log_slope = log[1]["pipeline"]["operators"][0]["params"]["slope_r"]
    assert slope[0] == pytest.approx(1 + 0.5 * (log_slope - 1), abs=1e-5)
    timeline = otio.adapters.read_from_file(str(out_dir / "timeline.otio"))
    clips = list(timeline.find_clips())
    assert [c.name for c in clips] == ["street_001", "street_002"]
    assert clips[1].metadata["workbench"]["decision_id"] == log[1]["id"]
    report = (out_dir / "report.html").read_text()
    assert log[0]["id"] in report and "data:image/jpeg;base64," in report

    # The EXR is what OpenColorIO makes of the source with the exported grade: decode, source
    # encoding -> ACEScct, the .cc, -> ACEScg.
    from workbench.title import Title, read_shot_frames

    with Title.open(title) as t:
        shot = t.shot("street_002")
        source = next(read_shot_frames(shot))[1]
    config = ocio.Config.CreateFromFile("ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6")
    group = ocio.GroupTransform([
        ocio.ColorSpaceTransform("Rec.1886 Rec.709 - Display", "ACEScct"),
        ocio.FileTransform(str(out_dir / "grades" / "street_002.cc"),
                           interpolation=ocio.INTERP_LINEAR),
        ocio.ColorSpaceTransform("ACEScct", "ACEScg")])
    expected = np.ascontiguousarray(source, dtype=np.float32)
    config.getProcessor(group).getOptimizedCPUProcessor(
        ocio.OPTIMIZATION_LOSSLESS).applyRGB(expected)
    rendered, _ = read_image(exrs[0])
    assert np.abs(rendered - expected).max() < 2e-3 * max(1.0, float(np.abs(expected).max()))

    # ... nor by deciding, rendering and exporting.
    assert {p.name: sha256(p) for p in dailies.iterdir()} == before


def test_render_refuses_when_nothing_is_accepted(capsys, proposed: Path, tmp_path: Path):
    code, _, err = run(capsys, "render", proposed, "--out", tmp_path / "r")
    assert code == 2
    assert "nothing to render" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not any((tmp_path / "r").rglob("*.exr"))


def test_render_refuses_a_rejected_shot(capsys, proposed: Path, tmp_path: Path):
    run(capsys, "decide", proposed, "street_001", "accept")
    run(capsys, "decide", proposed, "face_001", "reject")
    code, _, err = run(capsys, "render", proposed, "--out", tmp_path / "r", "--shot", "face_001")
    assert code == 2 and "face_001 (rejected)" in err
    # A later decision supersedes an earlier one: reject, then accept, renders.
    run(capsys, "decide", proposed, "face_001", "accept")
    assert run(capsys, "render", proposed, "--out", tmp_path / "r", "--shot", "face_001")[0] == 0


def test_render_prores_and_png(capsys, proposed: Path, tmp_path: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    assert run(capsys, "render", proposed, "--out", tmp_path / "mov", "--format", "prores")[0] == 0
    with av.open(str(tmp_path / "mov" / "face_001.mov")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "prores" and s.codec_context.profile == "HQ"
        assert sum(1 for _ in c.decode(s)) == 12
    assert run(capsys, "render", proposed, "--out", tmp_path / "png", "--format", "png")[0] == 0
    pngs = sorted((tmp_path / "png" / "face_001").glob("*.png"))
    rgb, info = read_image(pngs[0])
    assert len(pngs) == 12 and info.format == "uint16"
    # face_001 is its scene's anchor: its grade is the identity, so the Rec.709 PNG
    # reproduces the source frame (8-bit video decoded, 16-bit written).
    with av.open(str(proposed.parent / "dailies" / "face.mov")) as c:
        src = next(c.decode(video=0)).to_ndarray(format="rgb48le").astype(np.float32) / 65535
    assert np.abs(rgb - src).mean() < 2 / 255


def test_strength_cap_is_enforced(capsys, dailies: Path, title_dir: Path):
    run(capsys, "init", title_dir, "--strength-cap", "0.6")
    run(capsys, "ingest", title_dir, dailies / "face.mov")
    run(capsys, "propose", title_dir)
    code, _, err = run(capsys, "decide", title_dir, "face_001", "adjust", "--strength", "0.9")
    assert code == 2 and "[0, 0.6]" in err


def test_journal_is_append_only(capsys, proposed: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    db = sqlite3.connect(proposed / "catalog.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE decisions SET verdict='reject'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM decisions")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- bad input: one line naming the file (and frame), non-zero exit, nothing half-written ----

def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("workbench: error: ") and "Traceback" not in err
    return lines[0]


def test_missing_source(capsys, title_dir: Path, tmp_path: Path):
    run(capsys, "init", title_dir)
    code, _, err = run(capsys, "ingest", title_dir, tmp_path / "nope.mov")
    assert code == 2 and "nope.mov: does not exist" in _one_line_error(err)


def test_unreadable_and_truncated_movies(capsys, title_dir: Path, dailies: Path, tmp_path: Path):
    run(capsys, "init", title_dir)
    garbage = tmp_path / "garbage.mov"
    garbage.write_bytes(b"not a movie" * 100)
    code, _, err = run(capsys, "ingest", title_dir, garbage)
    assert code == 2 and "garbage.mov" in _one_line_error(err)

    data = (dailies / "street.mov").read_bytes()
    cut = tmp_path / "cut.mov"
    cut.write_bytes(data[: len(data) // 2])
    code, _, err = run(capsys, "ingest", title_dir, cut)
    line = _one_line_error(err)
    assert code == 2 and "cut.mov" in line
    # Nothing was catalogued from the failed ingest.
    code, out, _ = run(capsys, "status", title_dir)
    assert out.strip() == ""


def test_truncated_movie_names_the_frame(capsys, title_dir: Path, tmp_path: Path):
    # A faststart movie (index first) cut short decodes until its data runs out.
    from workbench.demo import sample_dir

    src = av.open(str(sample_dir() / "carphone.mp4"))
    fast = tmp_path / "fast.mp4"
    with av.open(str(fast), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    src.close()
    data = fast.read_bytes()
    fast.write_bytes(data[: int(len(data) * 0.6)])
    run(capsys, "init", title_dir)
    code, _, err = run(capsys, "ingest", title_dir, fast)
    line = _one_line_error(err)
    assert code == 2 and "fast.mp4 frame " in line and "header says 120 frames" in line


def test_unknown_colour_space(capsys, title_dir: Path, dailies: Path):
    run(capsys, "init", title_dir)
    code, _, err = run(capsys, "ingest", title_dir, dailies / "face.mov", "--colorspace", "LogC9")
    line = _one_line_error(err)
    assert code == 2 and "LogC9" in line and "ACEScct" in line


def test_nan_pixels_and_mismatched_sizes(capsys, title_dir: Path, tmp_path: Path):
    run(capsys, "init", title_dir)
    seq = tmp_path / "plate"
    seq.mkdir()
    good = np.full((8, 12, 3), 0.18, np.float32)
    bad = good.copy()
    bad[2, 3, 1] = np.nan
    write_exr(seq / "plate.1001.exr", good)
    # The workbench refuses to write NaN, so the damaged frame is written with OIIO directly.
    import OpenImageIO as oiio

    out = oiio.ImageOutput.create(str(seq / "plate.1002.exr"))
    out.open(str(seq / "plate.1002.exr"), oiio.ImageSpec(12, 8, 3, "half"))
    out.write_image(bad)
    out.close()
    code, _, err = run(capsys, "ingest", title_dir, seq)
    line = _one_line_error(err)
    assert code == 2 and "plate.1002.exr frame 1002: NaN" in line

    seq2 = tmp_path / "plate2"
    seq2.mkdir()
    write_exr(seq2 / "plate2.1001.exr", good)
    write_exr(seq2 / "plate2.1002.exr", np.zeros((10, 12, 3), np.float32))
    code, _, err = run(capsys, "ingest", title_dir, seq2)
    line = _one_line_error(err)
    assert code == 2 and "plate2.1002.exr" in line and "does not match" in line


def test_not_a_title(capsys, tmp_path: Path):
    code, _, err = run(capsys, "propose", tmp_path)
    assert code == 2 and "not a title directory" in _one_line_error(err)


def test_unknown_shot(capsys, proposed: Path):
    code, _, err = run(capsys, "decide", proposed, "street_099", "accept")
    assert code == 2 and "no shot 'street_099'" in _one_line_error(err)


def test_debug_shows_the_traceback(tmp_path: Path):
    cmd = [sys.executable, "-m", "workbench.cli", "propose", str(tmp_path)]
    plain = subprocess.run(cmd, capture_output=True, text=True)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    debug = subprocess.run([*cmd[:3], "--debug", *cmd[3:]], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_help_is_instant():
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "workbench.cli", "--help"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "demo" in out.stdout
    assert "torch" not in out.stderr, "`workbench --help` must not import torch"


@pytest.mark.parametrize("cap", ["-1", "0", "5", "nan"])
def test_init_refuses_a_bad_strength_cap(capsys, title_dir: Path, cap: str):
    code, _, err = run(capsys, "init", title_dir, "--strength-cap", cap)
    assert code == 2 and "strength_cap must be in (0, 1]" in _one_line_error(err)
    assert not (title_dir / "title.json").exists()


def test_decide_names_the_proposal_it_judges(capsys, proposed: Path):
    code, out, _ = run(capsys, "status", proposed)
    pid = next(w for w in out.split() if w.startswith("p") and w[1:].isdigit())
    code, _, err = run(capsys, "decide", proposed, "face_001", "accept", "--proposal", pid[1:])
    assert code == 2 and "is for shot street_001, not face_001" in _one_line_error(err)
    assert run(capsys, "decide", proposed, "street_001", "accept", "--proposal", pid[1:])[0] == 0


def test_render_into_a_file_is_refused(capsys, proposed: Path, tmp_path: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    target = tmp_path / "a-file"
    target.write_text("keep")
    code, _, err = run(capsys, "render", proposed, "--out", target)
    assert code == 2 and "a-file: is a file" in _one_line_error(err)
    assert target.read_text() == "keep"


def test_concurrent_decisions_are_all_journaled(capsys, proposed: Path):
    """Two artists deciding at the same moment: every decision lands, in one order."""
    import threading

    from workbench.title import Title, decide, journal

    def artist(name: str) -> None:
        with Title.open(proposed) as title:
            shot = title.shot("face_001")
            for _ in range(15):
                decide(title, shot, "accept", by=name)

    threads = [threading.Thread(target=artist, args=(n,)) for n in ("ana", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Title.open(proposed) as title:
        entries = journal(title)
    assert len(entries) == 30
    assert [e.seq for e in entries] == list(range(1, 31))


# -- what a post house runs into: second review ---------------------------------------------

def test_relative_out_paths_survive_export_from_elsewhere(capsys, proposed: Path, tmp_path: Path,
                                                          monkeypatch):
    run(capsys, "decide", proposed, "face_001", "accept")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "render", proposed, "--out", "renders")[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = run(capsys, "export", proposed, "--out", "handoff")
    assert code == 0, err
    import opentimelineio as otio

    timeline = otio.adapters.read_from_file(str(elsewhere / "handoff" / "timeline.otio"))
    clip = timeline.find_clips()[0]
    first = clip.media_reference.target_url_for_image_number(0)
    assert Path(first.removeprefix("file://")).is_file()


def test_export_refuses_an_accepted_shot_not_rendered(capsys, proposed: Path, tmp_path: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    run(capsys, "render", proposed, "--out", tmp_path / "r")
    run(capsys, "decide", proposed, "face_001", "adjust", "--strength", "0.5")  # newer decision
    code, _, err = run(capsys, "export", proposed, "--out", tmp_path / "x")
    assert code == 2 and "accepted but not rendered" in _one_line_error(err)
    assert "face_001" in err and not (tmp_path / "x" / "timeline.otio").exists()


def test_a_rejected_shot_leaves_the_handoff(capsys, proposed: Path, tmp_path: Path):
    for shot in ("face_001", "street_001"):
        run(capsys, "decide", proposed, shot, "accept")
    run(capsys, "render", proposed, "--out", tmp_path / "r")
    run(capsys, "export", proposed, "--out", tmp_path / "x")
    assert (tmp_path / "x" / "grades" / "face_001.cc").exists()
    run(capsys, "decide", proposed, "face_001", "reject")
    assert run(capsys, "export", proposed, "--out", tmp_path / "x")[0] == 0
    assert sorted(p.name for p in (tmp_path / "x" / "grades").iterdir()) == ["street_001.cc"]


def test_render_never_replaces_another_format(capsys, proposed: Path, tmp_path: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    run(capsys, "render", proposed, "--out", tmp_path / "r")
    code, _, err = run(capsys, "render", proposed, "--out", tmp_path / "r", "--format", "png")
    assert code == 2 and "holds exr frames" in _one_line_error(err)
    assert len(list((tmp_path / "r" / "face_001").glob("*.exr"))) == 12


def test_a_moved_source_is_relinked(capsys, proposed: Path, dailies: Path, tmp_path: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    moved = tmp_path / "moved"
    moved.mkdir()
    (dailies / "face.mov").rename(moved / "face.mov")
    code, _, err = run(capsys, "render", proposed, "--out", tmp_path / "r")
    assert code == 2 and "workbench relink" in _one_line_error(err)
    code, _, err = run(capsys, "relink", proposed, "face", dailies / "street.mov")
    assert code == 2 and "sha256 differs" in _one_line_error(err)
    assert run(capsys, "relink", proposed, "face", moved / "face.mov")[0] == 0
    assert run(capsys, "render", proposed, "--out", tmp_path / "r")[0] == 0


def test_render_refuses_the_folder_of_a_sequence(capsys, title_dir: Path, tmp_path: Path):
    seq = tmp_path / "plate"
    seq.mkdir()
    for n in (1001, 1002):
        write_exr(seq / f"plate.{n}.exr", np.full((8, 12, 3), 0.18, np.float32))
    run(capsys, "init", title_dir)
    run(capsys, "ingest", title_dir, seq)
    run(capsys, "propose", title_dir)
    run(capsys, "decide", title_dir, "plate_001", "accept")
    for out in (seq, seq / "renders"):
        code, _, err = run(capsys, "render", title_dir, "--out", out)
        assert code == 2 and "holds the source media of plate" in _one_line_error(err)
    assert sorted(p.name for p in seq.iterdir()) == ["plate.1001.exr", "plate.1002.exr"]


def test_one_frame_of_a_broken_sequence_is_not_a_still(capsys, title_dir: Path, tmp_path: Path):
    for n in (1001, 1002, 1004):
        write_exr(tmp_path / f"gap.{n}.exr", np.full((8, 12, 3), 0.18, np.float32))
    run(capsys, "init", title_dir)
    code, _, err = run(capsys, "ingest", title_dir, tmp_path / "gap.1001.exr")
    assert code == 2 and "1003" in _one_line_error(err)


def test_fps_of_a_sequence(capsys, title_dir: Path, tmp_path: Path):
    for n in (1, 2):
        write_exr(tmp_path / f"s.{n:04d}.exr", np.full((8, 12, 3), 0.18, np.float32))
    run(capsys, "init", title_dir)
    with pytest.raises(SystemExit):
        main(["ingest", str(title_dir), str(tmp_path / "s.####.exr"), "--fps", "0"])
    assert "frame rate must be positive" in capsys.readouterr().err
    assert run(capsys, "ingest", title_dir, tmp_path / "s.####.exr", "--fps", "23.976")[0] == 0
    from fractions import Fraction

    from workbench.title import Title

    with Title.open(title_dir) as title:
        assert title.clip("s").fps == Fraction(24000, 1001)


def test_a_failed_init_can_be_retried(capsys, title_dir: Path):
    assert run(capsys, "init", title_dir, "--strength-cap", "2")[0] == 2
    assert run(capsys, "init", title_dir)[0] == 0


def test_an_ale_that_names_no_clip(capsys, title_dir: Path, dailies: Path, tmp_path: Path):
    ale = tmp_path / "other.ale"
    ale.write_text("Heading\nFIELD_DELIM\tTABS\nFPS\t25\n\nColumn\nName\tScene\n\nData\n"
                   "A001C009\t12\n")
    run(capsys, "init", title_dir)
    code, _, err = run(capsys, "ingest", title_dir, dailies / "face.mov", "--ale", ale)
    assert code == 2 and "no clip in it matches" in _one_line_error(err)


def test_status_says_when_a_newer_proposal_waits(capsys, proposed: Path):
    run(capsys, "decide", proposed, "face_001", "accept")
    run(capsys, "propose", proposed)
    _, out, _ = run(capsys, "status", proposed)
    line = next(x for x in out.splitlines() if x.startswith("face_001"))
    assert "accepted" in line and "is newer" in line


def test_status_shows_the_shooting_day(capsys, dailies: Path, title_dir: Path):
    run(capsys, "init", title_dir)
    run(capsys, "ingest", title_dir, dailies / "street.mov", "--day", "Day 03")
    run(capsys, "ingest", title_dir, dailies / "face.mov", "--day", "2024-05-17")
    code, out, _ = run(capsys, "status", title_dir)
    days = {line.split()[0]: line.split()[2:4] for line in out.splitlines()}
    assert code == 0 and days == {"street_001": ["Day", "03"], "street_002": ["Day", "03"],
                                  "face_001": ["2024-05-17", "12"]}
