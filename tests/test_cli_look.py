"""`workbench look fit|apply|export` end to end on real photos in PNG and EXR folders."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import sha256

from workbench.cli import main
from workbench.color import convert_array
from workbench.interchange import read_cc
from workbench.io import read_image, write_exr, write_png16

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PHOTOS = {"astronaut.png": "photo/skimage_astronaut.png",
          "whale.png": "pairs/opencv_rubberwhale1.png",
          "coffee.png": "photo/skimage_coffee.png"}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["-q", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def photo(rel: str, width: int = 96) -> np.ndarray:
    bgr = cv2.imread(str(DATA / rel), cv2.IMREAD_COLOR)
    assert bgr is not None, f"{DATA / rel} is needed by these tests"
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)


def warm(rgb: np.ndarray) -> np.ndarray:
    """A warm, lifted look on sRGB-encoded values."""
    return np.clip(0.04 + 0.92 * rgb ** np.array([0.9, 1.0, 1.15], np.float32), 0, 1)


def grade_linear(rgb: np.ndarray) -> np.ndarray:
    """A look on scene-linear ACEScg: warmer and a stop up, done in ACEScct."""
    cct = convert_array(rgb, "ACEScg", "ACEScct")
    return convert_array(cct * np.float32(1.05) + np.array([0.03, 0.0, -0.02], np.float32),
                         "ACEScct", "ACEScg")


@pytest.fixture
def png_pairs(tmp_path: Path) -> tuple[Path, Path, Path]:
    before, after, held = tmp_path / "before", tmp_path / "after", tmp_path / "held"
    for d in (before, after, held):
        d.mkdir()
    for name, rel in PHOTOS.items():
        rgb = photo(rel)
        if name == "coffee.png":
            write_png16(held / name, rgb)
            write_png16(tmp_path / "coffee_truth.png", warm(rgb))
        else:
            write_png16(before / name, rgb)
            write_png16(after / name, warm(rgb))
    return before, after, held


def test_png_fit_apply_export(capsys, png_pairs, tmp_path: Path):
    before, after, held = png_pairs
    model = tmp_path / "look"
    code, out, err = run(capsys, "look", "fit", "--before", before, "--after", after,
                         "--out", model, "--steps", "120", "--seed", "1")
    assert code == 0, err
    assert "sRGB" in out and "2 pair(s)" in out
    assert sorted(p.name for p in model.iterdir()) == ["look.json", "model.safetensors"]

    sources = {p.name: sha256(p) for p in held.iterdir()}
    graded = tmp_path / "graded"
    code, out, err = run(capsys, "look", "apply", model, "--in", held, "--out", graded)
    assert code == 0, err
    assert {p.name: sha256(p) for p in held.iterdir()} == sources
    rgb, info = read_image(graded / "coffee.png")
    assert info.format == "uint16"
    truth, _ = read_image(tmp_path / "coffee_truth.png")
    source, _ = read_image(held / "coffee.png")
    assert np.abs(rgb - truth).mean() < np.abs(source - truth).mean() / 5

    code, _, err = run(capsys, "look", "apply", model, "--in", held, "--out", tmp_path / "zero",
                       "--strength", "0")
    assert code == 0, err
    assert np.array_equal(read_image(tmp_path / "zero" / "coffee.png")[0], source)

    cube, cc = tmp_path / "look.cube", tmp_path / "look.cc"
    code, out, err = run(capsys, "look", "export", model, "--cube", cube, "--cdl", cc,
                         "--for", held / "coffee.png")
    assert code == 0, err
    assert "sRGB-encoded" in cube.read_text()
    proc = ocio.Config.CreateRaw().getProcessor(
        ocio.FileTransform(src=str(cube), interpolation=ocio.INTERP_LINEAR)
    ).getDefaultCPUProcessor()
    via_cube = source.copy()
    proc.applyRGB(via_cube)
    assert np.abs(via_cube - rgb).max() < 0.01
    _, values = read_cc(cc)
    assert values.slope[0] > 0 and not values.is_identity()


def test_exr_fit_and_apply_stay_linear(capsys, tmp_path: Path):
    before, after, held = tmp_path / "b", tmp_path / "a", tmp_path / "h"
    for d in (before, after, held):
        d.mkdir()
    for name, rel in PHOTOS.items():
        linear = convert_array(photo(rel), "sRGB", "ACEScg")
        stem = Path(name).stem + ".exr"
        if name == "coffee.png":
            write_exr(held / stem, linear, half=False)
            truth = grade_linear(linear)
        else:
            write_exr(before / stem, linear, half=False)
            write_exr(after / stem, grade_linear(linear), half=False)
    model = tmp_path / "look"
    code, out, err = run(capsys, "look", "fit", "--before", before, "--after", after,
                         "--out", model, "--steps", "120")
    assert code == 0, err
    assert "ACEScct" in out
    code, _, err = run(capsys, "look", "apply", model, "--in", held, "--out", tmp_path / "out")
    assert code == 0, err
    rgb, info = read_image(tmp_path / "out" / "coffee.exr")
    assert info.file_format == "openexr"
    source, _ = read_image(held / "coffee.exr")
    assert np.abs(rgb - truth).mean() < np.abs(source - truth).mean() / 4


def test_errors_name_the_files(capsys, png_pairs, tmp_path: Path):
    before, after, held = png_pairs
    os.rename(after / "whale.png", after / "whale2.png")
    code, _, err = run(capsys, "look", "fit", "--before", before, "--after", after,
                       "--out", tmp_path / "m")
    assert code == 2
    assert "whale.png" in err and "whale2.png" in err
    assert not (tmp_path / "m").exists()

    os.rename(after / "whale2.png", after / "whale.png")
    write_png16(after / "whale.png", np.zeros((10, 12, 3), np.float32))
    code, _, err = run(capsys, "look", "fit", "--before", before, "--after", after,
                       "--out", tmp_path / "m")
    assert code == 2
    assert str(before / "whale.png") in err and str(after / "whale.png") in err

    code, _, err = run(capsys, "look", "apply", tmp_path / "nothing", "--in", held,
                       "--out", tmp_path / "o")
    assert code == 2 and "look.json" in err

    code, _, err = run(capsys, "look", "apply", tmp_path / "nothing", "--in", held,
                       "--out", held)
    assert code == 2 and "never written" in err


def test_nan_in_an_exr_is_named(capsys, tmp_path: Path):
    before, after = tmp_path / "b", tmp_path / "a"
    before.mkdir()
    after.mkdir()
    rgb = np.full((8, 8, 3), 0.18, np.float32)
    write_exr(before / "x.exr", rgb, half=False)
    rgb[2, 3, 1] = np.nan
    # write_exr refuses NaN, so the bad file is written the way a broken renderer would.
    import OpenImageIO as oiio

    out = oiio.ImageOutput.create(str(after / "x.exr"))
    out.open(str(after / "x.exr"), oiio.ImageSpec(8, 8, 3, "float"))
    out.write_image(rgb)
    out.close()
    code, _, err = run(capsys, "look", "fit", "--before", before, "--after", after,
                       "--out", tmp_path / "m")
    assert code == 2 and "x.exr" in err and "NaN" in err
