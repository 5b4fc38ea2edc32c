"""Every LUT format OpenColorIO reads works as a grade: ``workbench apply``, LUT1D/LUT3D, vs OCIO.

The files are written by OCIO itself (its Baker, or a GroupTransform written as CLF/CTF) from one
known transform, applied with ``workbench apply`` to a float EXR made from a real photo, and the
result compared with OCIO's own ``FileTransform`` processor on the same EXR (read back with
OpenImageIO).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import shared_path

from workbench.cli import main
from workbench.color.lutfile import OCIO_FILE_SUFFIXES
from workbench.errors import ParameterError
from workbench.interchange import lut_operator
from workbench.interchange.bake import write_clf
from workbench.io import read_image, write_exr
from workbench.ops import CDL, LUT1D, LUT3D, Pipeline, operator_from_dict

PHOTO = shared_path("photo", "skimage_coffee.png")

# A look with crosstalk (saturation, a matrix) and a per-channel one (for the 1D formats).
LOOK = ocio.GroupTransform([
    ocio.CDLTransform(slope=[1.1, 0.95, 0.9], offset=[0.01, 0.0, -0.02],
                      power=[1.1, 1.0, 0.9], sat=1.2),
    ocio.MatrixTransform(matrix=[0.9, 0.1, 0, 0, 0.05, 0.9, 0.05, 0, 0, 0.1, 0.9, 0,
                                 0, 0, 0, 1]),
])
CURVE = ocio.ExponentTransform(value=[1.3, 1.0, 0.8, 1.0])

BAKED_3D = [("flame", "3dl"), ("lustre", "3dl"), ("cinespace", "csp"), ("spi3d", "spi3d"),
            ("truelight", "cub"), ("iridas_itx", "itx")]


def bake(path: Path, fmt: str, transform: ocio.Transform, size: int = 17) -> Path:
    config = ocio.Config.CreateRaw()
    cs = ocio.ColorSpace(name="graded")
    cs.setTransform(transform, ocio.COLORSPACE_DIR_FROM_REFERENCE)
    config.addColorSpace(cs)
    baker = ocio.Baker()
    baker.setConfig(config)
    baker.setFormat(fmt)
    baker.setInputSpace("raw")
    baker.setTargetSpace("graded")
    if size:
        baker.setCubeSize(size)
    path.write_text(baker.bake())
    return path


def ocio_apply(path: Path, rgb: np.ndarray) -> np.ndarray:
    t = ocio.FileTransform(src=str(path), interpolation=ocio.INTERP_BEST)
    cpu = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    out = np.array(rgb, dtype=np.float32, order="C", copy=True)
    cpu.applyRGB(out)
    return out


@pytest.fixture(scope="module")
def plate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A float EXR of the photo, scaled to -0.05..1.1 (a LUT's domain and a little outside)."""
    rgb, _ = read_image(PHOTO)
    rgb = rgb[::4, ::4] * 1.15 - 0.05
    return write_exr(tmp_path_factory.mktemp("plate") / "coffee.exr",
                     np.ascontiguousarray(rgb, dtype=np.float32), half=False)


def read_back(path: Path) -> np.ndarray:
    buf = oiio.ImageBuf(str(path))
    assert not buf.has_error, buf.geterror()
    return buf.get_pixels(oiio.FLOAT)[..., :3]


def apply_cli(capsys: pytest.CaptureFixture[str], grade: Path, src: Path, out: Path,
              *extra: str) -> tuple[int, str]:
    code = main(["-q", "apply", "--grade", str(grade), "--in", str(src), "--out", str(out),
                 *extra])
    return code, capsys.readouterr().err


def test_every_ocio_format_is_a_grade_suffix() -> None:
    from workbench.commands.grades import grade_suffixes

    listed = {"." + ext.lower() for _, ext in ocio.FileTransform.getFormats()}
    assert listed <= set(grade_suffixes())
    for suffix in (".clf", ".ctf", ".3dl", ".spi1d", ".spi3d", ".spimtx", ".csp", ".cub",
                   ".itx", ".lut"):
        assert suffix in OCIO_FILE_SUFFIXES


@pytest.mark.parametrize("fmt, ext", BAKED_3D)
def test_apply_baked_3d_formats_equals_ocio(tmp_path: Path, plate: Path, fmt: str, ext: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lut = bake(tmp_path / f"look.{ext}", fmt, LOOK)
    out = tmp_path / "graded.exr"
    code, err = apply_cli(capsys, lut, plate, out)
    assert code == 0, err
    src = read_back(plate)
    expected = ocio_apply(lut, src)
    got = read_back(out)
    assert np.abs(expected - src).max() > 0.05  # the look does change the picture
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)
    assert type(lut_operator(lut)) is LUT3D


def test_per_channel_formats_equal_ocio_and_load_as_lut1d(
        tmp_path: Path, plate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = read_back(plate)
    spi1d = bake(tmp_path / "curve.spi1d", "spi1d", CURVE, size=0)
    spimtx = tmp_path / "gain.spimtx"
    spimtx.write_text("1.2 0 0 0.01\n0 0.9 0 0\n0 0 1.05 -0.02\n")
    for lut in (spi1d, spimtx):
        assert type(lut_operator(lut)) is LUT1D
        out = tmp_path / f"{lut.stem}.exr"
        code, err = apply_cli(capsys, lut, plate, out)
        assert code == 0, err
        expected = ocio_apply(lut, src)
        assert np.abs(expected - src).max() > 0.02
        np.testing.assert_allclose(read_back(out), expected, rtol=0, atol=2e-6)


@pytest.mark.parametrize("fmt, ext", [("Academy/ASC Common LUT Format", "clf"),
                                      ("Color Transform Format", "ctf")])
def test_clf_and_ctf_with_matrix_cdl_and_lut3d(tmp_path: Path, plate: Path, fmt: str, ext: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(3)
    grid = np.linspace(0, 1, 5, dtype=np.float32)
    r, g, b = np.meshgrid(grid, grid, grid, indexing="ij")
    table = np.stack([r, g, b], -1) + rng.normal(0, 0.02, (5, 5, 5, 3)).astype(np.float32)
    lut3d = ocio.Lut3DTransform(gridSize=5)
    lut3d.setData(np.ascontiguousarray(table, np.float32).ravel())
    lut3d.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    group = ocio.GroupTransform([*LOOK, lut3d])
    path = tmp_path / f"look.{ext}"
    path.write_text(group.write(formatName=fmt, config=ocio.Config.CreateRaw()))
    out = tmp_path / "graded.exr"
    code, err = apply_cli(capsys, path, plate, out)
    assert code == 0, err
    np.testing.assert_allclose(read_back(out), ocio_apply(path, read_back(plate)),
                               rtol=0, atol=2e-6)


def test_the_clf_bake_writes_reads_back(tmp_path: Path, plate: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = Pipeline([CDL(slope_r=1.15, offset_b=-0.02, power_g=0.9, saturation=1.1)])
    clf = write_clf(tmp_path / "look.clf", pipeline, size=17)
    op = lut_operator(clf, space="ACEScct")
    assert type(op) is LUT3D
    out = tmp_path / "graded.exr"
    code, err = apply_cli(capsys, clf, plate, out)
    assert code == 0, err
    np.testing.assert_allclose(read_back(out), ocio_apply(clf, read_back(plate)),
                               rtol=0, atol=2e-6)


def test_operator_contract_for_an_ocio_file(tmp_path: Path) -> None:
    lut = bake(tmp_path / "look.3dl", "flame", LOOK)
    op = lut_operator(lut, LUT3D, strength=0.4)
    data = op.to_dict()
    assert len(data["sha256"]) == 64 and data["params"]["path"] == str(lut)
    back = operator_from_dict(data)
    assert back == op and isinstance(back, LUT3D)
    img = torch.rand(2, 3, 8, 8) * 1.2 - 0.1
    assert torch.equal(lut_operator(lut, LUT3D, strength=0.0).forward(img), img)
    full = torch.from_numpy(ocio_apply(lut, img.permute(0, 2, 3, 1).numpy())).permute(0, 3, 1, 2)
    torch.testing.assert_close(op.forward(img), img + 0.4 * (full - img), rtol=0, atol=1e-6)
    before = img.clone()
    lut_operator(lut, LUT3D).forward(img.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2))
    assert torch.equal(img, before)  # OCIO works in place; the input is never written
    with pytest.raises(ParameterError, match=r"look\.3dl: a 3D LUT, LUT1D takes 1D; use LUT3D"):
        lut_operator(lut, LUT1D)


def test_a_file_ocio_refuses_is_one_line_and_writes_nothing(
        tmp_path: Path, plate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # OCIO's Houdini baker writes a 'Type RGB' file its own reader refuses.
    bad = bake(tmp_path / "look.lut", "houdini", CURVE, size=0)
    out = tmp_path / "graded.exr"
    code, err = apply_cli(capsys, bad, plate, out)
    assert code == 2
    line, = err.strip().splitlines()
    assert "look.lut: OpenColorIO cannot read it:" in line
    assert "Unsupported Houdini LUT type" in line
    assert not out.exists()
    garbage = tmp_path / "broken.spi3d"
    garbage.write_text("SPILUT 1.0\n3 3\n2 2 2\n0 0 0 oops\n")
    code, err = apply_cli(capsys, garbage, plate, out)
    assert code == 2 and "broken.spi3d: OpenColorIO cannot read it:" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
