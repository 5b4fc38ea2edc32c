"""`workbench composite|integrate|comp`: files written and read back with OpenImageIO, bad input
refused naming the file with nothing written, and composites journaled as proposals that only
render once accepted, recorded by the export.

Inputs are real: the alphamat plant with its matte, the rocket photo as the new background, a
frame of the walkway clip as a plate, the JPEG XL tulip with its synthetic alpha as an element.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest
import torch
from testkit import one_thread, sha256, shared_path  # noqa: F401  (one_thread: module fixture)

from workbench.cli import main
from workbench.color.convert import convert_array
from workbench.io import read_movie_frames
from workbench.matte.proposals import (
    CompositeOptions,
    load_composite,
    load_integration,
    run_composite,
)
from workbench.title import Title
from workbench.title.composites import add_comp_proposal, comp_proposals
from workbench.title.migrations import CATALOG_VERSION

HALF_EPS = 2.0 ** -11


def _write(path: Path, px: np.ndarray, fmt: str = "uint8") -> Path:
    spec = oiio.ImageSpec(px.shape[1], px.shape[0], px.shape[2], fmt)
    spec.attribute("oiio:UnassociatedAlpha", 1)  # RGBA colour is given straight
    out = oiio.ImageOutput.create(str(path))
    out.open(str(path), spec)
    out.write_image(np.ascontiguousarray(px, dtype=np.float32))
    out.close()
    return path


@pytest.fixture(scope="module")
def pictures() -> dict[str, np.ndarray]:
    """The real pictures, decoded once: rocket photo, walkway frame (500x500), tulip RGBA."""
    rocket = oiio.ImageBuf(str(shared_path("photo", "skimage_rocket.jpg"))).get_pixels(
        oiio.FLOAT)
    _, frame = next(iter(read_movie_frames(shared_path("video", "opencv_vtest.avi"), 30, 31)))
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    tulip = shared_path("keying", "jxl_wesaturate_tmshre_riaphotographs_alpha.png")
    return {"rocket": rocket, "walkway": frame[40:540, 200:700].astype(np.float32) / 255,
            "tulip": oiio.ImageBuf(str(tulip), 0, 0, config).get_pixels(oiio.FLOAT)}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, pictures: dict[str, np.ndarray]
            ) -> dict[str, Path]:
    """The inputs as files, written once; tests take copies (:func:`files`)."""
    keying = shared_path("keying")
    d = tmp_path_factory.mktemp("in")
    fg = Path(shutil.copy(keying / "opencv_alphamat_plant.jpg", d / "plant.jpg"))
    matte = Path(shutil.copy(keying / "opencv_alphamat_plant_matte.png", d / "plant_matte.png"))
    rocket, tulip = pictures["rocket"], pictures["tulip"]
    return {"fg": fg, "matte": matte, "bg": _write(d / "rocket.png", rocket[:333, :500]),
            "plate": _write(d / "walkway.png", pictures["walkway"]),
            "element": _write(d / "tulip.png", tulip),
            "rocket_small": _write(d / "rocket_small.png", rocket[:300, :500]),
            "rgb_matte": _write(d / "rgb_matte.png", rocket[:333, :500]),
            "element_no_alpha": _write(d / "tulip_rgb.png", tulip[..., :3])}


@pytest.fixture
def files(sources: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """This test's own copies of the inputs (a test may change one)."""
    d = tmp_path / "in"
    d.mkdir()
    return {k: Path(shutil.copy(p, d / p.name)) for k, p in sources.items()}


def _read(path: Path) -> np.ndarray:
    buf = oiio.ImageBuf(str(path))
    assert not buf.has_error, buf.geterror()
    return buf.get_pixels(oiio.FLOAT)


def _composite(files: dict[str, Path], out: Path, *extra: str) -> int:
    return main(["composite", "--fg", str(files["fg"]), "--matte", str(files["matte"]),
                 "--bg", str(files["bg"]), "--out", str(out), *extra])


def test_composite_round_trips_through_exr_and_png(files, tmp_path: Path):
    exr, png = tmp_path / "comp.exr", tmp_path / "comp.png"
    assert _composite(files, exr, "--match", "none", "--light-wrap", "0.2") == 0
    assert _composite(files, png, "--match", "none", "--light-wrap", "0.2") == 0
    options = CompositeOptions(match=None, light_wrap=0.2)
    expected = run_composite(load_composite(files["fg"], files["matte"], files["bg"]),
                             options).image[0].permute(1, 2, 0).numpy()
    got = _read(exr)
    assert got.shape == (333, 500, 3)
    assert np.all(np.abs(got - expected) <= HALF_EPS * np.maximum(1.0, np.abs(expected)))
    display = np.clip(convert_array(np.ascontiguousarray(expected), "ACEScg", "sRGB"), 0, 1)
    assert np.abs(_read(png) - display).max() <= 1.0 / 255 + 1e-6
    # the sources were only read
    assert sha256(files["fg"]) == sha256(shared_path("keying", "opencv_alphamat_plant.jpg"))


@pytest.mark.parametrize(("case", "named"), [
    ("mismatched", "rocket_small.png"),
    ("rgb_matte", "rgb_matte.png"),
    ("nan", "plant_nan.exr"),
    ("missing", "nowhere.png"),
])
def test_bad_composite_input_names_the_file_and_writes_nothing(files, tmp_path, capsys, case,
                                                              named):
    args = dict(files)
    if case == "mismatched":
        args["bg"] = files["rocket_small"]
    elif case == "rgb_matte":
        args["matte"] = files["rgb_matte"]
    elif case == "nan":
        px = _read(files["fg"]).copy()
        px[10, 10, 1] = np.nan
        args["fg"] = _write(tmp_path / named, px, "half")
    else:
        args["bg"] = tmp_path / named
    out = tmp_path / "out" / "comp.exr"
    out.parent.mkdir()
    assert _composite(args, out, "--match", "none") == 2
    err = capsys.readouterr().err
    assert named in err, err
    assert list(out.parent.iterdir()) == []


def test_an_element_without_alpha_needs_a_matte(files, tmp_path, capsys):
    out = tmp_path / "int.exr"
    assert main(["integrate", "--element", str(files["element_no_alpha"]), "--plate",
                 str(files["plate"]), "--out", str(out)]) == 2
    assert "tulip_rgb.png: the element has no alpha channel" in capsys.readouterr().err
    assert not out.exists()


def test_integrate_writes_now_or_proposes_and_renders_what_was_decided(files, tmp_path,
                                                                       capsys):
    out = tmp_path / "int.exr"
    args = ["integrate", "--element", str(files["element"]), "--plate", str(files["plate"]),
            "--match", "none", "--vignette", "-0.5"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "grain power per band" in printed and "element after" in printed
    got = _read(out)
    inputs = load_integration(files["element"], files["plate"])
    plate = inputs.plate.rgb[0].permute(1, 2, 0).numpy()
    solid = inputs.alpha[0, 0].numpy() > 0.99
    assert np.abs(got[solid] - plate[solid]).mean() > 0.01   # the element is there
    # proposed to a title: nothing written; adjusted to half strength, then rendered
    root = tmp_path / "title"
    Title.create(root).close()
    later = tmp_path / "int_title.exr"
    assert main([*args, "--out", str(later), "--title", str(root)]) == 0
    assert "proposed integration 1" in capsys.readouterr().out and not later.exists()
    with Title.open(root) as title:
        (p,) = comp_proposals(title)
        assert p.kind == "integrate" and p.report is not None
        assert p.matte_model == "the element's alpha channel"
        assert set(p.sources) == {"plate", "element"}
    assert main(["comp", "decide", str(root), "1", "adjust", "--strength", "0.5"]) == 0
    assert main(["comp", "render", str(root), "1"]) == 0
    half = 0.5 * (plate + got)
    assert np.all(np.abs(_read(later) - half) <= 2 * HALF_EPS * np.maximum(1.0, np.abs(half)))


def test_a_titled_composite_is_a_proposal_rendered_only_when_accepted(files, tmp_path, capsys):
    root = tmp_path / "title"
    Title.create(root).close()
    out = tmp_path / "delivery" / "comp.exr"
    out.parent.mkdir()
    assert _composite(files, out, "--title", str(root), "--matte-model", "keyer test") == 0
    assert "proposed composite 1" in capsys.readouterr().out
    assert not out.exists()                              # nothing rendered yet
    assert main(["comp", "render", str(root), "1"]) == 2
    assert "not decided yet" in capsys.readouterr().err
    with Title.open(root) as title:
        (p,) = comp_proposals(title)
        assert p.sources["background"]["sha256"] == sha256(files["bg"])
        assert p.sources["matte"]["sha256"] == sha256(files["matte"])
        assert p.matte_model == "keyer test" and p.params["fit"]["grade"] is not None
    assert main(["comp", "decide", str(root), "1", "accept"]) == 0
    assert main(["comp", "render", str(root)]) == 0
    # the render repeats the proposal: the stored grade (a pipeline) and fit, as fitted then
    fresh = run_composite(load_composite(files["fg"], files["matte"], files["bg"]),
                          CompositeOptions()).image[0].permute(1, 2, 0).numpy()
    assert np.abs(_read(out) - fresh).max() < 2e-3
    capsys.readouterr()
    assert main(["comp", "list", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["status"] == "rendered" and listed[0]["decision"]["verdict"] == "accept"
    # a rejected proposal does not render; a source changed since is refused
    assert main(["comp", "decide", str(root), "1", "reject"]) == 0
    assert main(["comp", "render", str(root), "1"]) == 2
    assert "is rejected" in capsys.readouterr().err
    assert main(["comp", "decide", str(root), "1", "adjust", "--strength", "0.5"]) == 0
    _write(files["bg"], _read(files["bg"]) * 0.5)
    assert main(["comp", "render", str(root), "1"]) == 2
    assert "rocket.png: the background of composite 1 changed" in capsys.readouterr().err
    with Title.open(root) as title, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        title.db.execute("UPDATE comp_decisions SET note='x'")


def test_the_export_records_accepted_composites_with_hashed_sources(files, tmp_path):
    from workbench.export import export_delivery
    from workbench.ops import CDL, Pipeline
    from workbench.render import render
    from workbench.title import add_proposal, decide, ingest

    root = tmp_path / "title"
    with Title.create(root) as title:
        ingest(title, [files["fg"]], progress=False)
        shot = title.shots()[0]
        add_proposal(title, shot, Pipeline([CDL(slope_r=1.1)]), model_version="test/1",
                     strength=1.0, confidence=1.0, summary="warmer")
        decide(title, shot, "accept")
        render(title, tmp_path / "renders", "exr", progress=False)
    out = tmp_path / "comp.exr"
    assert _composite(files, out, "--title", str(root), "--match", "none") == 0
    assert main(["comp", "decide", str(root), "1", "accept"]) == 0
    assert main(["comp", "render", str(root), "1"]) == 0
    with Title.open(root, "ro") as title:
        done = export_delivery(title, tmp_path / "handoff")
    meta = json.loads(done.timeline.read_text())["metadata"]["workbench"]["composites"]
    assert meta[0]["proposal"]["sources"]["background"]["sha256"] == sha256(files["bg"])
    assert meta[0]["decision"]["verdict"] == "accept"
    assert meta[0]["render"]["path"] == str(out.absolute())
    report = done.report.read_text()
    assert "Composites and integrations" in report and sha256(files["matte"])[:12] in report


def test_a_version_1_catalog_upgrades_to_journal_composites(tmp_path):
    root = tmp_path / "title"
    Title.create(root).close()
    db = sqlite3.connect(root / "catalog.sqlite")
    for table in ("comp_renders", "comp_decisions", "comp_proposals"):
        db.execute(f"DROP TABLE {table}")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Title.open(root) as title:
        assert title.db.execute("PRAGMA user_version").fetchone()[0] == CATALOG_VERSION >= 2
        p = add_comp_proposal(title, "composite", {}, matte_model="file", params={},
                              output=tmp_path / "x.exr", strength=1.0, summary="s")
        assert p.id == 1
    # and the oldest stored title (no user_version) walks both steps
    old = shutil.copytree(Path(__file__).parents[1] / "fixtures" / "schemas" / "workbench-0.1.0"
                          / "title", tmp_path / "old")
    with Title.open(old) as title:
        p = add_comp_proposal(title, "integrate", {}, matte_model="file", params={},
                              output=tmp_path / "y.exr", strength=1.0, summary="s")
        assert p.strength == 0.8   # the title's cap holds for composites too


def test_a_plate_sequence_gets_one_fit_and_every_frame_written(files, tmp_path, capsys):
    seq = tmp_path / "seq"
    seq.mkdir()
    px = _read(files["fg"])
    for n in (1001, 1002, 1003):
        _write(seq / f"plant.{n:04d}.png", px * (0.8 + 0.1 * (n - 1001)))
    out = tmp_path / "out" / "comp.####.exr"
    out.parent.mkdir()
    args = ["composite", "--fg", str(seq / "plant.####.png"), "--matte", str(files["matte"]),
            "--bg", str(files["bg"]), "--match", "none"]
    assert main([*args, "--out", str(out)]) == 0
    written = sorted(p.name for p in out.parent.iterdir())
    assert written == ["comp.1001.exr", "comp.1002.exr", "comp.1003.exr"]
    # the first frame, which the fit is measured on, is that still's composite
    single = tmp_path / "one.exr"
    assert main(["composite", "--fg", str(seq / "plant.1001.png"), "--matte",
                 str(files["matte"]), "--bg", str(files["bg"]), "--match", "none", "--out",
                 str(single)]) == 0
    assert np.array_equal(_read(out.parent / "comp.1001.exr"), _read(single))
    # a background sequence of the wrong length is refused before anything is written
    bgs = tmp_path / "bgs"
    bgs.mkdir()
    for n in (1, 2):
        shutil.copy(files["bg"], bgs / f"bg.{n:04d}.png")
    capsys.readouterr()
    fresh = tmp_path / "fresh" / "comp.####.exr"
    fresh.parent.mkdir()
    assert main([*args[:5], "--matte", str(files["matte"]), "--bg", str(bgs),
                 "--out", str(fresh)]) == 2
    assert "2 background frames for 3 plate frames" in capsys.readouterr().err
    assert list(fresh.parent.iterdir()) == []


def test_a_bad_frame_late_in_a_plate_sequence_leaves_no_frame_written(files, tmp_path, capsys):
    seq = tmp_path / "seq"
    seq.mkdir()
    px = _read(files["fg"])
    for n in (1, 2, 3):
        frame = px.copy()
        if n == 3:
            frame[5, 5, 0] = np.nan
        _write(seq / f"plant.{n:04d}.exr", frame, "half")
    out = tmp_path / "out"
    out.mkdir()
    kept = out / "comp.0001.exr"
    kept.write_bytes(b"an earlier render, kept as it was")
    capsys.readouterr()
    assert main(["composite", "--fg", str(seq / "plant.####.exr"), "--matte",
                 str(files["matte"]), "--bg", str(files["bg"]), "--match", "none",
                 "--out", str(out / "comp.####.exr")]) == 2
    assert "plant.0003.exr" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["comp.0001.exr"]
    assert kept.read_bytes() == b"an earlier render, kept as it was"


def test_a_movie_background_gives_each_plate_frame_its_own_frame(tmp_path, capsys):
    from workbench.matte.comp_files import Still

    movie = shared_path("video", "opencv_vtest.avi")            # 768x576
    frames = [f for _, f in read_movie_frames(movie, 0, 3, depth=32)]  # R'G'B' unclipped
    h, w = frames[0].shape[:2]
    seq = tmp_path / "seq"
    seq.mkdir()
    plate = np.ascontiguousarray(np.clip(frames[0][::-1], 0, 1))  # unlike the background
    for n in (1, 2, 3):
        _write(seq / f"plate.{n:04d}.png", plate)
    matte = np.zeros((h, w, 1), np.float32)
    matte[h // 4:3 * h // 4, w // 4:3 * w // 4] = 1.0
    matte_path = _write(tmp_path / "matte.png", matte, "uint16")
    out = tmp_path / "out" / "comp.####.exr"
    out.parent.mkdir()
    args = ["composite", "--fg", str(seq / "plate.####.png"), "--matte", str(matte_path),
            "--bg", str(movie), "--match", "none", "--no-defocus", "--light-wrap", "0"]
    assert main([*args, "--out", str(out)]) == 0
    written = sorted(out.parent.iterdir())
    assert [p.name for p in written] == ["comp.0001.exr", "comp.0002.exr", "comp.0003.exr"]
    for path, frame in zip(written, frames, strict=True):
        bg = Still(movie, torch.from_numpy(convert_array(frame, "Rec.709", "ACEScg"))
                   .permute(2, 0, 1)[None].contiguous(), None, "Rec.709")
        inputs = load_composite(seq / "plate.0001.png", matte_path, bg)
        expected = run_composite(inputs, CompositeOptions(match=None, defocus=False,
                                                          light_wrap=0.0))
        want = expected.image[0].permute(1, 2, 0).numpy()
        assert np.all(np.abs(_read(path) - want) <= HALF_EPS * np.maximum(1.0, np.abs(want)))
    assert not np.array_equal(_read(written[0]), _read(written[2]))  # the street moves on
