"""`workbench look fit|apply|export` end to end on real photos in PNG and EXR folders."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import one_thread, sha256, shared_path  # noqa: F401  (one_thread: autouse fixture)

from workbench.cli import main
from workbench.color import convert_array
from workbench.interchange import read_cc
from workbench.io import read_image, write_exr, write_png16

DATA = shared_path()
PHOTOS = {"astronaut.png": "photo/skimage_astronaut.png",
          "whale.png": "pairs/opencv_rubberwhale1.png",
          "coffee.png": "photo/skimage_coffee.png"}


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

    # The look is a CDL in ACEScct: the exported one is that CDL, and says it carries the look.
    cc = tmp_path / "look.cc"
    code, _, err = run(capsys, "look", "export", model, "--cdl", cc)
    assert code == 0, err
    _, values = read_cc(cc)
    assert np.allclose(values.slope, 1.05, atol=0.03)
    assert np.allclose(values.offset, (0.03, 0.0, -0.02), atol=0.015)
    assert np.allclose(values.power, 1.0, atol=0.05) and abs(values.saturation - 1) < 0.05
    assert reported(cc.read_text(), "training pixels")[1] < 1.0
    assert "warning" not in err


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


# -- the CDL export: fitted by ΔE2000, and it says how good it is ---------------------------

HELD_OUT = {"coffee.exr": "photo/skimage_coffee.png", "rocket.exr": "photo/skimage_rocket.jpg",
            "tulips.exr": "photo/jxl_wesaturate_tmshre_riaphotographs_srgb8.png"}
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def teal_orange(rgb: np.ndarray) -> np.ndarray:
    """A look on scene-linear ACEScg that is more than a CDL: teal shadows, orange highlights,
    warmer and a touch more contrast, done in ACEScct."""
    cct = convert_array(rgb, "ACEScg", "ACEScct")
    luma = np.clip((cct @ _LUMA)[..., None], 0, 1)
    teal, orange = np.array([-0.06, 0.01, 0.07], np.float32), np.array([0.07, 0.01, -0.06],
                                                                        np.float32)
    graded = 0.45 + 1.08 * (cct - 0.45) + (1 - luma) ** 2 * teal + luma ** 2 * orange
    return convert_array(graded.astype(np.float32), "ACEScct", "ACEScg")


def exr_folders(tmp_path: Path, look) -> tuple[Path, Path, Path]:
    before, after, held = tmp_path / "b", tmp_path / "a", tmp_path / "h"
    for d in (before, after, held):
        d.mkdir()
    for name, rel in PHOTOS.items():
        if name != "coffee.png":
            linear = convert_array(photo(rel), "sRGB", "ACEScg")
            write_exr(before / (Path(name).stem + ".exr"), linear, half=False)
            write_exr(after / (Path(name).stem + ".exr"), look(linear), half=False)
    for name, rel in HELD_OUT.items():
        write_exr(held / name, convert_array(photo(rel, 128), "sRGB", "ACEScg"), half=False)
    return before, after, held


def through_acescct(images: list[np.ndarray], cdl: ocio.CDLTransform) -> list[np.ndarray]:
    """ACEScg images through ``cdl`` applied in ACEScct, by OpenColorIO and its ACES config."""
    from workbench.color import get_config, resolve_space

    config = get_config()
    cg, cct = resolve_space("ACEScg"), resolve_space("ACEScct")
    group = ocio.GroupTransform([ocio.ColorSpaceTransform(cg, cct), cdl,
                                 ocio.ColorSpaceTransform(cct, cg)])
    proc = config.getProcessor(group).getDefaultCPUProcessor()
    out = []
    for rgb in images:
        rgb = np.ascontiguousarray(rgb, dtype=np.float32).copy()
        proc.applyRGB(rgb)
        out.append(rgb)
    return out


def mean_de(a: list[np.ndarray], b: list[np.ndarray]) -> list[float]:
    from workbench.color import mean_delta_e_2000

    def t(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).permute(2, 0, 1)[None]
    return [mean_delta_e_2000(t(x), t(y), "ACEScg") for x, y in zip(a, b, strict=True)]


def least_squares_cdl(x_cct: torch.Tensor, y_cct: torch.Tensor) -> ocio.CDLTransform:
    """The plain least-squares CDL taking ``(N, 3)`` ACEScct ``x`` to ``y`` (L-BFGS on MSE)."""
    from workbench.ops import apply_cdl

    x4, y4 = x_cct.t().reshape(1, 3, -1, 1), y_cct.t().reshape(1, 3, -1, 1)
    p = [torch.zeros(3, requires_grad=True) for _ in range(3)] + [torch.zeros(1,
                                                                              requires_grad=True)]
    opt = torch.optim.LBFGS(p, max_iter=100, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        out = apply_cdl(x4, p[0].exp(), p[1], p[2].exp(), p[3].exp()[0])
        loss = (out - y4).square().mean()
        loss.backward()
        return loss

    opt.step(closure)
    s, o, pw, sat = (v.detach().double() for v in (p[0].exp(), p[1], p[2].exp(), p[3].exp()))
    return ocio.CDLTransform(slope=s.tolist(), offset=o.tolist(), power=pw.tolist(),
                             sat=float(sat[0]))


def reported(text: str, what: str) -> tuple[float, float]:
    import re

    m = re.search(rf"{what} mean ([0-9.]+) p95 ([0-9.]+)", text)
    assert m, f"no '{what}' figures in {text!r}"
    return float(m.group(1)), float(m.group(2))


def test_cdl_export_is_fitted_to_the_look_and_says_how_close(capsys, tmp_path: Path):
    before, after, held = exr_folders(tmp_path, teal_orange)
    model = tmp_path / "look"
    code, _, err = run(capsys, "look", "fit", "--before", before, "--after", after,
                       "--out", model, "--steps", "120")
    assert code == 0, err
    for src, dst in ((held, tmp_path / "held_look"), (before, tmp_path / "train_look")):
        code, _, err = run(capsys, "look", "apply", model, "--in", src, "--out", dst)
        assert code == 0, err
    cc = tmp_path / "look.cc"
    code, out, err = run(capsys, "look", "export", model, "--cdl", cc)
    assert code == 0, err
    assert "wrote" in out and "CDL in ACEScct" in out
    description = cc.read_text()

    def images(folder: Path) -> list[np.ndarray]:
        return [read_image(p)[0] for p in sorted(folder.iterdir())]

    held_in, held_model = images(held), images(tmp_path / "held_look")
    ours = mean_de(through_acescct(held_in, ocio.CDLTransform.CreateFromFile(str(cc), "look")),
                   held_model)

    # What a plain least-squares CDL in ACEScct gets: on the training pixels (the fair
    # rival), and on a 17^3 grid over the look's domain (what this export used to write).
    from workbench.color import convert_array as conv
    from workbench.model.look import LookModel

    train_in, train_model = images(before), images(tmp_path / "train_look")
    x = torch.from_numpy(np.concatenate([conv(i, "ACEScg", "ACEScct").reshape(-1, 3)
                                         for i in train_in]))
    y = torch.from_numpy(np.concatenate([conv(i, "ACEScg", "ACEScct").reshape(-1, 3)
                                         for i in train_model]))
    lsq = mean_de(through_acescct(held_in, least_squares_cdl(x, y)), held_model)
    axis = torch.linspace(0.0, 1.25, 17)
    grid = torch.stack(torch.meshgrid(axis, axis, axis, indexing="ij"), -1).reshape(-1, 3)
    look = LookModel.load(model)
    with torch.no_grad():
        graded = look.apply(grid.t().reshape(1, 3, -1, 1))[0, :, :, 0].t()
    old = mean_de(through_acescct(held_in, least_squares_cdl(grid, graded)), held_model)
    print(f"held-out mean dE2000 vs the model: ours {np.round(ours, 2)}, least-squares on the "
          f"training pixels {np.round(lsq, 2)}, on the grid {np.round(old, 2)}")
    assert np.mean(ours) < np.mean(lsq) and np.mean(ours) < 0.5 * np.mean(old)
    assert all(o < q for o, q in zip(ours, old, strict=True))

    # The figure in the .cc (and on stderr) is what the CDL does to the training pixels.
    assert "look.cc: dE2000 vs the grade: training pixels mean" in err
    mean, p95 = reported(description, "training pixels")
    train_de = mean_de(through_acescct(train_in, ocio.CDLTransform.CreateFromFile(str(cc),
                                                                                  "look")),
                       train_model)
    n = [i.shape[0] * i.shape[1] for i in train_in]
    measured = float(np.average(train_de, weights=n))
    assert abs(mean - measured) < 0.1 + 0.1 * measured, (mean, measured)
    assert reported(description, "skin")[0] > 0 and reported(description, "neutrals")[0] > 0
    # Split toning is more than a CDL can hold, and the export says so.
    assert p95 > 2.0 and "a CDL cannot carry this look" in err and ".cube" in err
