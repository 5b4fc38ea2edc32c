"""OCIO configs with the title's looks, reloaded by OpenColorIO and applied via LookTransform."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from workbench.errors import ColourSpaceError, ParameterError
from workbench.interchange.ocio_looks import LUT_FOLDER, write_looks_config
from workbench.ops.cdl import CDLValues, apply_cdl

WARM = CDLValues((1.12, 1.0, 0.91), (0.012, -0.004, -0.02), (0.95, 1.0, 1.08), 1.15)
COOL = CDLValues((0.94, 1.0, 1.07), (-0.01, 0.0, 0.015), (1.03, 1.0, 0.96), 0.8)

RGB = np.ascontiguousarray(np.concatenate([
    np.random.default_rng(3).uniform(-0.02, 4.0, (200, 3)),
    [[0.0, 0.0, 0.0], [0.18, 0.18, 0.18], [1.0, 0.5, 0.25], [8.0, 2.0, 0.01]],
]).astype(np.float32))


def _cube(path: Path, size: int = 9) -> Path:
    """A 3D .cube with a smooth, non-trivial function (R fastest, as the format requires)."""
    axis = np.linspace(0.0, 1.0, size)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    out = np.stack([0.9 * r + 0.1 * g**2, g**1.1, 0.05 + 0.9 * b * (0.8 + 0.2 * r)], axis=-1)
    rows = "\n".join(" ".join(f"{v:.6f}" for v in px) for px in out.reshape(-1, 3))
    path.write_text(f"LUT_3D_SIZE {size}\n{rows}\n")
    return path


def _apply(config: ocio.Config, transform: ocio.Transform, rgb: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(rgb.copy())
    # Lossless: the default optimisation uses fast pow/log approximations (~1e-4 relative).
    proc = config.getProcessor(transform).getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)
    proc.applyRGB(out)
    return out


def _convert(config: ocio.Config, src: str, dst: str, rgb: np.ndarray) -> np.ndarray:
    return _apply(config, ocio.ColorSpaceTransform(src=src, dst=dst), rgb)


def _via_look(path: Path, look: str) -> np.ndarray:
    config = ocio.Config.CreateFromFile(str(path))
    return _apply(config, ocio.LookTransform(src="ACEScg", dst="ACEScg", looks=look), RGB)


def test_cdl_and_cube_looks(tmp_path: Path) -> None:
    lut_src = _cube(tmp_path / "source_show_lut.cube")
    out = tmp_path / "delivery"
    out.mkdir()
    path = write_looks_config(out / "title.ocio",
                              {"warm": WARM, "cool": COOL, "show lut": lut_src})
    assert sorted(p.name for p in out.iterdir()) == [LUT_FOLDER, "title.ocio"]
    assert (out / LUT_FOLDER / "source_show_lut.cube").read_bytes() == lut_src.read_bytes()
    text = path.read_text()
    assert "search_path: luts" in text and str(tmp_path) not in text  # relative only

    config = ocio.Config.CreateFromFile(str(path))
    config.validate()
    names = list(config.getLookNames())
    assert {"warm", "cool", "show lut"} <= set(names)
    assert "ACES 1.3 Reference Gamut Compression" in names  # the built-in config is all there
    assert config.getLook("warm").getProcessSpace() == "ACEScct"

    cct = _convert(config, "ACEScg", "ACEScct", RGB)
    for name, values in (("warm", WARM), ("cool", COOL)):
        img = torch.from_numpy(np.ascontiguousarray(cct.T)).reshape(1, 3, -1, 1)
        graded = apply_cdl(img, values.slope, values.offset, values.power, values.saturation)
        graded_np = np.ascontiguousarray(graded.reshape(3, -1).T.numpy())
        expected = _convert(config, "ACEScct", "ACEScg", graded_np)
        np.testing.assert_allclose(_via_look(path, name), expected, atol=1e-5, rtol=1e-5)
        # The same through OCIO's own CDLTransform.
        cdl = ocio.CDLTransform(slope=list(values.slope), offset=list(values.offset),
                                power=list(values.power), sat=values.saturation)
        by_ocio = _convert(config, "ACEScct", "ACEScg", _apply(config, cdl, cct))
        np.testing.assert_allclose(_via_look(path, name), by_ocio, atol=1e-5, rtol=1e-5)

    lut = ocio.FileTransform(src=str(lut_src), interpolation=ocio.INTERP_BEST)
    expected = _convert(config, "ACEScct", "ACEScg", _apply(config, lut, cct))
    np.testing.assert_allclose(_via_look(path, "show lut"), expected, atol=1e-5, rtol=1e-5)
    assert not np.allclose(expected, RGB, atol=1e-3)  # the LUT really does something

    # The folder moves whole: the LUT is found relative to the config.
    moved = shutil.copytree(out, tmp_path / "moved")
    lut_src.unlink()
    shutil.rmtree(out)
    np.testing.assert_allclose(_via_look(moved / "title.ocio", "show lut"), expected, atol=1e-6)


def test_other_process_space(tmp_path: Path) -> None:
    path = write_looks_config(tmp_path / "lin.ocio", {"warm": WARM}, process_space="ACEScg")
    config = ocio.Config.CreateFromFile(str(path))
    assert config.getLook("warm").getProcessSpace() == "ACEScg"
    cdl = ocio.CDLTransform(slope=list(WARM.slope), offset=list(WARM.offset),
                            power=list(WARM.power), sat=WARM.saturation)
    np.testing.assert_allclose(_via_look(path, "warm"), _apply(config, cdl, RGB), atol=1e-5)


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="no looks"):
        write_looks_config(tmp_path / "a.ocio", {})
    with pytest.raises(ParameterError, match="must not contain ','"):
        write_looks_config(tmp_path / "a.ocio", {"a,b": WARM})
    with pytest.raises(ParameterError, match="already exists"):
        write_looks_config(tmp_path / "a.ocio", {"ACES 1.3 Reference Gamut Compression": WARM})
    with pytest.raises(ParameterError, match="does not exist"):
        write_looks_config(tmp_path / "a.ocio", {"x": tmp_path / "missing.cube"})
    bad = tmp_path / "bad.cube"
    bad.write_text("LUT_3D_SIZE 2\n0 0 0\n")
    with pytest.raises(ParameterError, match="cannot read"):
        write_looks_config(tmp_path / "a.ocio", {"x": bad})
    with pytest.raises(ParameterError, match="finite"):
        write_looks_config(tmp_path / "a.ocio", {"x": CDLValues(slope=(1.0, float("inf"), 1.0))})
    with pytest.raises(ColourSpaceError):
        write_looks_config(tmp_path / "a.ocio", {"x": WARM}, process_space="nope")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.cube"]


def test_file_rules_say_what_the_delivered_files_are(tmp_path: Path) -> None:
    # The studio config's own rules call every .exr ACES2065-1: a host would read the workbench's
    # ACEScg renders through the wrong primaries.
    studio = ocio.Config.CreateFromFile("ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6")
    assert studio.getColorSpaceFromFilepath("/renders/sh010/sh010.1001.exr")[0] == "ACES2065-1"

    lut = _cube(tmp_path / "sh020.cube")
    path = write_looks_config(tmp_path / "looks.ocio", {"sh010": WARM, "sh020": lut})
    config = ocio.Config.CreateFromFile(str(path))
    config.validate()
    expect = {
        "/show/renders/sh010/sh010.1001.exr": "ACEScg",
        "renders/sh010/SH010.1001.EXR": "ACEScg",
        "/show/renders/sh010/sh010.1001.png": "Rec.1886 Rec.709 - Display",
        "/show/renders/sh010.mov": "Rec.1886 Rec.709 - Display",
        "/show/grades/sh020.cube": "ACEScct",
        "/show/grades/sh010.cc": "ACEScct",
        "/show/reference/still.tif": "sRGB Encoded Rec.709 (sRGB)",
    }
    assert {p: config.getColorSpaceFromFilepath(p)[0] for p in expect} == expect
    assert not config.filepathOnlyMatchesDefaultRule("/show/renders/sh010/sh010.1001.exr")

    # Another delivery space is what its PNG/ProRes files say.
    srgb = write_looks_config(tmp_path / "srgb.ocio", {"sh010": WARM}, display_space="sRGB")
    config = ocio.Config.CreateFromFile(str(srgb))
    assert config.getColorSpaceFromFilepath("/r/sh010.mov")[0] == "sRGB Encoded Rec.709 (sRGB)"
    assert config.getColorSpaceFromFilepath("/r/sh010/sh010.0001.exr")[0] == "ACEScg"
