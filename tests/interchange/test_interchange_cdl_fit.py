"""The CDL closest to a grade in ΔE2000: it recovers a CDL, keeps the ASC limits, says how close."""

from __future__ import annotations

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import one_thread  # noqa: F401  (autouse fixture)

from workbench.errors import ParameterError, ShapeError
from workbench.interchange import CubeLUT
from workbench.interchange.cdl_fit import CDL_P95_LIMIT, cdl_from_lut, fit_cdl_to_grade
from workbench.ops import apply_cube

ACESCCT = (0.0, 1.25)


def ocio_cdl_lut(slope, offset, power, sat, size: int = 33) -> CubeLUT:
    """A 3D LUT over ACEScct's domain holding OpenColorIO's own CDL (no clamp)."""
    cdl = ocio.CDLTransform(slope=slope, offset=offset, power=power, sat=sat)
    cdl.setStyle(ocio.CDL_NO_CLAMP)
    proc = ocio.Config.CreateRaw().getProcessor(cdl).getDefaultCPUProcessor()
    axis = np.linspace(*ACESCCT, size)
    lattice = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), -1).astype(np.float32)
    table = np.ascontiguousarray(lattice.reshape(-1, 3))
    proc.applyRGB(table)
    return CubeLUT(title="cdl", table=table.reshape(size, size, size, 3).astype(np.float64),
                   domain=np.array([[ACESCCT[0]] * 3, [ACESCCT[1]] * 3]))


def test_the_cdl_of_a_baked_cdl_is_that_cdl_power_and_saturation_too():
    slope, offset, power, sat = (1.1, 1.0, 0.9), (0.02, 0.0, -0.01), (1.08, 1.0, 0.93), 1.2
    fit = cdl_from_lut(ocio_cdl_lut(slope, offset, power, sat))
    assert np.allclose(fit.values.slope, slope, atol=0.01)
    assert np.allclose(fit.values.offset, offset, atol=0.005)
    assert np.allclose(fit.values.power, power, atol=0.01)
    assert abs(fit.values.saturation - sat) < 0.01
    assert fit.carries_grade() and fit.worst_p95 < 0.3
    assert set(fit.errors) == {"pixels", "skin", "neutrals"}
    assert all(e.colours > 20 for e in fit.errors.values())


def test_a_grade_no_cdl_can_hold_keeps_the_asc_limits_and_says_so():
    def invert(img: torch.Tensor) -> torch.Tensor:  # a negative: slope would have to be < 0
        return 0.9 - img

    fit = fit_cdl_to_grade(invert, "ACEScct", ACESCCT)
    v = fit.values
    assert min(v.slope) >= 0 and min(v.power) > 0 and v.saturation >= 0
    assert all(np.isfinite([*v.slope, *v.offset, *v.power, v.saturation]))
    assert not fit.carries_grade() and fit.worst_p95 > CDL_P95_LIMIT
    assert fit.to_dict()["carries_grade"] is False


def test_the_reported_error_is_the_cdl_against_the_grade():
    lut = ocio_cdl_lut((1.2, 1.0, 0.85), (0.0, 0.01, 0.02), (1.0, 1.1, 1.0), 0.8)
    rng = np.random.default_rng(0)
    pixels = torch.from_numpy(rng.uniform(0.2, 0.6, (500, 3)).astype(np.float32))

    def bent(img: torch.Tensor) -> torch.Tensor:  # the CDL plus a hue twist it cannot hold
        out = apply_cube(img, lut)
        return out + 0.03 * torch.sin(6 * img[:, [1, 2, 0]])

    fit = fit_cdl_to_grade(bent, "ACEScct", ACESCCT, pixels, pixels_label="shot pixels")
    from workbench.color import delta_e_2000
    from workbench.ops import apply_cdl

    img = pixels.double().t().reshape(1, 3, -1, 1).contiguous()  # float64: eager, no compile
    v = fit.values
    de = delta_e_2000(apply_cdl(img, v.slope, v.offset, v.power, v.saturation), bent(img),
                      "ACEScct").flatten().double()
    assert fit.errors["pixels"].mean == pytest.approx(float(de.mean()), rel=1e-3)
    assert fit.errors["pixels"].p95 == pytest.approx(float(de.quantile(0.95)), rel=0.02)
    assert fit.describe().startswith("dE2000 vs the grade: shot pixels mean ")


def test_bad_colours_are_refused():
    with pytest.raises(ShapeError, match="pixels"):
        fit_cdl_to_grade(lambda x: x, "ACEScct", ACESCCT, torch.zeros(4, 2))
    with pytest.raises(ParameterError, match="NaN"):
        fit_cdl_to_grade(lambda x: x, "ACEScct", ACESCCT, torch.full((4, 3), float("nan")))
    with pytest.raises(ShapeError, match="counts"):
        fit_cdl_to_grade(lambda x: x, "ACEScct", ACESCCT, torch.zeros(4, 3), torch.ones(3))
