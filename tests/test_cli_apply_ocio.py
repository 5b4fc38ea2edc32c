"""`workbench apply` on OpenColorIO alone: the same pixels as the torch operators and as OCIO.

A CDL, a ``.cube`` and an OCIO LUT file on real photos (a PNG, and a scene-linear EXR decoded
from it), at strengths 0, 0.35 and 1, with and without ``--colorspace``; a sequence written on
threads keeps every frame, in order, and stops at a bad frame without writing later ones.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import shared_path

from workbench.cli import main
from workbench.color import convert_array
from workbench.commands.grades import load_grade
from workbench.interchange import write_cc
from workbench.interchange.cube import write_cube
from workbench.io import read_image, write_exr, write_png16
from workbench.ops import CDLValues, CubeLUT

PHOTO = shared_path("photo", "skimage_astronaut.png")
LOOK = CDLValues(slope=(1.2, 1.0, 0.9), offset=(0.02, 0.0, -0.01), power=(1.1, 1.0, 0.95),
                 saturation=0.9)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main(["-q", "apply", *map(str, args)])
    return code, capsys.readouterr().err


def photo_srgb() -> np.ndarray:
    """A (96, 128, 3) crop of a real photo, sRGB-encoded float32 in [0, 1]."""
    return (cv2.imread(str(PHOTO), cv2.IMREAD_COLOR)[100:196, 150:278, ::-1] / 255.0
            ).astype(np.float32)


def torch_path(grade: Path, strength: float, rgb: np.ndarray, enc: str,
               space: str | None) -> np.ndarray:
    """What the torch operators make of ``rgb``: into ``space``, graded, back to ``enc``."""
    fn, _ = load_grade(grade, None, strength)
    x = rgb if space is None else convert_array(rgb, enc, space)
    y = fn(torch.from_numpy(x).permute(2, 0, 1)[None].contiguous(), space or enc)
    out = y[0].permute(1, 2, 0).contiguous().numpy()
    return out if space is None else convert_array(out, space, enc)


@pytest.fixture
def grades(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    grid = np.linspace(0, 1, 17)
    r, g, b = np.meshgrid(grid, grid, grid, indexing="ij")
    table = (np.stack([r ** 1.1, g * 0.95 + 0.02, b ** 0.9], -1)
             + rng.normal(0, 0.01, (17, 17, 17, 3)))
    lut3d = ocio.Lut3DTransform(gridSize=17)
    lut3d.setData(np.ascontiguousarray(table, np.float32).ravel())
    lut3d.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    clf = tmp_path / "look.clf"
    clf.write_text(ocio.GroupTransform([lut3d]).write(formatName="Academy/ASC Common LUT Format",
                                                      config=ocio.Config.CreateRaw()))
    return {"cc": write_cc(tmp_path / "look.cc", LOOK, "look"),
            "cube": write_cube(tmp_path / "look.cube", CubeLUT(table=table)),
            "clf": clf}


@pytest.mark.parametrize("kind", ["cc", "cube", "clf"])
@pytest.mark.parametrize("strength", [0.0, 0.35, 1.0])
@pytest.mark.parametrize("fmt, space", [("png", None), ("exr", None), ("exr", "ACEScct")])
def test_ocio_path_equals_torch_path(capsys, tmp_path: Path, grades: dict[str, Path], kind: str,
                                     strength: float, fmt: str, space: str | None):
    srgb = photo_srgb()
    if fmt == "png":
        src, enc = write_png16(tmp_path / "in.png", srgb), "sRGB"
    else:  # the photo decoded to scene-linear ACEScg, x4 so values pass 1
        src = write_exr(tmp_path / "in.exr", convert_array(srgb, "sRGB", "ACEScg") * 4.0)
        enc = "ACEScg"
    rgb, _ = read_image(src)
    out = tmp_path / f"out.{fmt}"
    extra = ["--colorspace", space] if space else []
    code, err = run(capsys, "--grade", grades[kind], "--in", src, "--out", out,
                    "--strength", str(strength), *extra)
    assert code == 0, err
    got, _ = read_image(out)
    if strength == 0.0:
        np.testing.assert_array_equal(got, rgb)  # bit-exact identity
        return
    expected = torch_path(grades[kind], strength, rgb, enc, space)
    assert np.abs(expected - rgb).max() > 0.01  # the grade does change the picture
    # EXR out is half float, PNG 16-bit in [0, 1]: the file's own rounding, nothing more.
    if fmt == "png":
        expected = np.clip(expected, 0.0, 1.0)
    atol = 1.01 / 65535 if fmt == "png" else 2e-3 * max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-3 if fmt == "exr" else 0, atol=atol)


def test_full_strength_clf_equals_ocio_processor(capsys, tmp_path: Path,
                                                 grades: dict[str, Path]):
    src = write_exr(tmp_path / "in.exr", convert_array(photo_srgb(), "sRGB", "ACEScg"),
                    half=False)
    rgb, _ = read_image(src)
    out = tmp_path / "out.exr"
    code, err = run(capsys, "--grade", grades["clf"], "--in", src, "--out", out)
    assert code == 0, err
    cpu = ocio.Config.CreateRaw().getProcessor(
        ocio.FileTransform(src=str(grades["clf"]), interpolation=ocio.INTERP_BEST)
    ).getDefaultCPUProcessor()
    expected = rgb.copy()
    cpu.applyRGB(expected.reshape(-1, 3))
    np.testing.assert_array_equal(read_image(out)[0], expected)


def test_sequence_on_threads_keeps_order_and_stops_at_a_bad_frame(capsys, tmp_path: Path,
                                                                  grades: dict[str, Path]):
    lin = convert_array(photo_srgb(), "sRGB", "ACEScg")
    plates = tmp_path / "plates"
    plates.mkdir()
    for n in range(1001, 1009):
        write_exr(plates / f"plate.{n}.exr", lin * (n - 1000) / 4)
    out = tmp_path / "graded"
    code, err = run(capsys, "--grade", grades["cc"], "--in", plates / "plate.####.exr",
                    "--out", out / "g.####.exr")
    assert code == 0, err
    written = sorted(out.iterdir())
    assert [p.name for p in written] == [f"g.{n}.exr" for n in range(1001, 1009)]
    means = [float(read_image(p)[0].mean()) for p in written]
    assert means == sorted(means)  # frame n holds source frame n

    frame = plates / "plate.1004.exr"
    frame.write_bytes(frame.read_bytes()[:200])  # a truncated frame mid-sequence
    out2 = tmp_path / "graded2"
    code, err = run(capsys, "--grade", grades["cc"], "--in", plates / "plate.####.exr",
                    "--out", out2 / "g.####.exr")
    assert code == 2
    assert "plate.1004.exr" in err and len(err.strip().splitlines()) == 1, err
    names = sorted(p.name for p in out2.iterdir())
    assert names == ["g.1001.exr", "g.1002.exr", "g.1003.exr"], names
