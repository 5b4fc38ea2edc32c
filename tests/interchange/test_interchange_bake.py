"""Baking pipelines to .cube and CLF, checked against OpenColorIO's own FileTransform."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import param
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import shared_path

from workbench.color import convert_array, delta_e_2000
from workbench.errors import ParameterError
from workbench.interchange.bake import (
    DEFAULT_SHAPER_RANGE,
    acescct_curve,
    bake_cube,
    check_bakeable,
    write_clf,
)
from workbench.interchange.cube import read_cube, write_cube
from workbench.ops import CDL, Exposure, Operator, Pipeline, Saturation, WhiteBalance
from workbench.ops.base import UnknownOperator

PHOTOS = sorted(shared_path("photo").glob("*.png"))


def look() -> Pipeline:
    return Pipeline([
        Exposure(stops=0.4),
        WhiteBalance(source_kelvin=4800.0, target_kelvin=6500.0, tint=3.0),
        CDL(slope_r=1.08, slope_g=1.0, slope_b=0.93, offset_r=0.01, offset_g=0.0,
            offset_b=-0.015, power_r=1.05, power_g=1.0, power_b=0.97, saturation=1.1),
        Saturation(saturation=1.15),
    ])


def ocio_apply(lut_path: Path, rgb: np.ndarray) -> np.ndarray:
    """Apply a LUT file to ``(..., 3)`` values with OCIO's FileTransform, tetrahedral."""
    transform = ocio.FileTransform(src=str(lut_path), interpolation=ocio.INTERP_TETRAHEDRAL)
    cpu = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    cpu.applyRGB(out.reshape(-1, 3))
    return out


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].contiguous()


def test_baked_cube_matches_live_pipeline_on_photos(tmp_path: Path):
    pipeline = look()
    cube = write_cube(tmp_path / "look.cube", bake_cube(pipeline, 33, input_space="ACEScct"))
    errors = []
    for photo in PHOTOS:
        bgr = cv2.imread(str(photo), cv2.IMREAD_COLOR)
        srgb = bgr[..., ::-1].astype(np.float32) / 255.0
        if srgb.shape[1] > 1024:  # the 2268-wide flower: every other pixel is plenty
            srgb = srgb[::2, ::2]
        cct = convert_array(srgb, "sRGB", "ACEScct")
        baked = convert_array(ocio_apply(cube, cct), "ACEScct", "ACEScg")
        live = pipeline.apply(to_tensor(convert_array(cct, "ACEScct", "ACEScg")), "ACEScg")
        errors.append(delta_e_2000(to_tensor(baked), live).flatten())
    d_e = torch.cat(errors).double()
    mean, p95 = float(d_e.mean()), float(torch.quantile(d_e[::7], 0.95))
    print(f"baked 33^3 vs live: mean dE00 {mean:.4f}, p95 {p95:.4f}, max {float(d_e.max()):.3f}")
    assert mean < 0.2
    assert p95 < 0.5


def test_bake_is_exact_at_lattice_nodes():
    pipeline = look()
    lut = bake_cube(pipeline, 5, input_space="ACEScct")
    assert lut.kind == "3D" and lut.table is not None and lut.table.shape == (5, 5, 5, 3)
    node = np.array([[0.25, 0.5, 0.75]], np.float32)
    live = pipeline.apply(to_tensor(convert_array(node, "ACEScct", "ACEScg")[None]), "ACEScg")
    expected = convert_array(live[0].permute(1, 2, 0).numpy(), "ACEScg", "ACEScct")[0, 0]
    np.testing.assert_allclose(lut.table[1, 2, 3], expected, atol=1e-5)


def test_identity_pipeline_bakes_to_identity():
    lut = bake_cube(Pipeline([]), 9, input_space="ACEScct")
    g = np.linspace(0, 1, 9)
    assert lut.table is not None
    np.testing.assert_allclose(lut.table[:, 4, 4, 0], g, atol=2e-6)
    np.testing.assert_allclose(lut.table[4, :, 4, 1], g, atol=2e-6)


def test_shaper_bake_keeps_highlights(tmp_path: Path):
    lut = bake_cube(Pipeline([Exposure(stops=1.0)]), 33, input_space="ACEScg", shaper="ACEScct")
    assert lut.kind == "shaper+3D" and lut.shaper is not None
    np.testing.assert_allclose(lut.shaper_domain, [[DEFAULT_SHAPER_RANGE[0]] * 3,
                                                   [DEFAULT_SHAPER_RANGE[1]] * 3])
    assert lut.shaper[0, 0] == 0.0 and lut.shaper[-1, 0] == 1.0
    path = write_cube(tmp_path / "linear.cube", lut)  # no TITLE: OCIO reads the Resolve form
    assert read_cube(path) .kind == "shaper+3D"
    x = np.array([[4.0, 4.0, 4.0], [0.18, 0.18, 0.18], [20.0, 1.0, 0.05], [100.0, 50.0, 2.0]],
                 np.float32)
    out = ocio_apply(path, x)
    np.testing.assert_allclose(out, 2 * x, rtol=0.02)
    assert out[0, 0] > 7.8  # highlights above 1 come back above 1, unclipped
    # A plain [0, 1] lattice clips them: the shaper is what keeps them.
    plain = write_cube(tmp_path / "plain.cube",
                       bake_cube(Pipeline([Exposure(stops=1.0)]), 17, input_space="ACEScg"))
    assert ocio_apply(plain, x[:1])[0, 0] == pytest.approx(2.0, rel=1e-4)


def test_shaper_curve_is_acescct():
    x = np.array([[-0.005, 0.0, 0.18, 1.0, 100.0]], np.float32).T.repeat(3, axis=1)
    np.testing.assert_allclose(acescct_curve(x), convert_array(x, "ACEScg", "ACEScct"), atol=2e-6)


class Blur(Operator):
    """A stand-in spatial operator (looks at neighbours)."""

    spatial = True
    radius = param.Number(1.0, bounds=(0.0, None))

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.avg_pool2d(img, 3, 1, 1)


class Grain(Operator):
    """Not spatial by attribute, but not on the allow-list either."""

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return img


@pytest.mark.parametrize("bad", [Blur(), Grain()])
def test_spatial_and_unknown_operators_are_refused(bad: Operator):
    with pytest.raises(ParameterError, match=type(bad).__name__):
        bake_cube(Pipeline([Exposure(stops=1.0), bad]))
    with pytest.raises(ParameterError, match="unknown schema"):
        check_bakeable(Pipeline([UnknownOperator({"schema": "Glow.3"})]))


def test_bad_arguments():
    with pytest.raises(ParameterError, match="size"):
        bake_cube(Pipeline([]), size=1)
    with pytest.raises(ParameterError, match="unknown shaper 'S-Log3'; known: ACEScct"):
        bake_cube(Pipeline([]), shaper="S-Log3")
    with pytest.raises(ParameterError, match="shaper_range"):
        bake_cube(Pipeline([]), shaper="ACEScct", shaper_range=(1.0, 0.0))


@pytest.mark.parametrize("shaper", [None, "ACEScct"])
def test_clf_read_back_by_ocio_equals_cube(tmp_path: Path, shaper: str | None):
    space = "ACEScg" if shaper else "ACEScct"
    lut = bake_cube(look(), 33, input_space=space, shaper=shaper)
    cube = write_cube(tmp_path / "look.cube", lut)
    clf = write_clf(tmp_path / "look.clf", lut)
    text = clf.read_text()
    assert "<ProcessList" in text and "<LUT3D" in text and ("<LUT1D" in text) == bool(shaper)
    assert not list(tmp_path.glob(".*"))  # nothing left over by the atomic write
    rng = np.random.default_rng(1)
    hi = 60.0 if shaper else 1.2
    x = rng.uniform(-0.05, hi, (4000, 3)).astype(np.float32)
    np.testing.assert_allclose(ocio_apply(clf, x), ocio_apply(cube, x), atol=1e-4, rtol=1e-5)


def test_clf_from_a_pipeline_names_its_space(tmp_path: Path):
    clf = write_clf(tmp_path / "look.clf", look(), size=17, input_space="ACEScct")
    text = clf.read_text()
    assert "<InputDescriptor>ACEScct</InputDescriptor>" in text
    cube = write_cube(tmp_path / "look.cube", bake_cube(look(), 17, input_space="ACEScct"))
    x = np.random.default_rng(2).uniform(0, 1, (1000, 3)).astype(np.float32)
    np.testing.assert_allclose(ocio_apply(clf, x), ocio_apply(cube, x), atol=1e-4, rtol=1e-5)
    with pytest.raises(ParameterError, match="expected a Pipeline or a CubeLUT"):
        write_clf(tmp_path / "x.clf", "look.cube")  # type: ignore[arg-type]


def test_real_spatial_operators_are_refused_and_curves_baked():
    lens = pytest.importorskip("workbench.ops.lens")
    with pytest.raises(ParameterError, match=r"operator 1 \(Blur\)"):
        bake_cube(Pipeline([Exposure(stops=1.0), lens.Blur()]))
    curves = pytest.importorskip("workbench.ops.curves")
    assert bake_cube(Pipeline([curves.Curves()]), 5).kind == "3D"
