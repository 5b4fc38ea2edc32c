"""The kornia set for every operator: CDL, Exposure, Saturation, WhiteBalance."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pytest
import torch
from opchecks import (
    SHAPES,
    assert_batch_equals_separate,
    assert_close_to_identity,
    assert_gradcheck,
    assert_not_clamped,
    assert_parameter_raises,
    assert_special_values_kept,
    assert_strength_monotone,
    operator_factory,
    out_of_range_image,
    random_image,
    special_values_image,
)

from workbench.errors import ParameterError, ShapeError
from workbench.ops import (
    CDL,
    Exposure,
    Operator,
    Saturation,
    WhiteBalance,
    apply_cdl,
    apply_exposure,
    apply_saturation,
    apply_white_balance,
    white_balance_matrix,
)

# A non-trivial setting of each operator, and a second one for batch tests.
OPS: dict[str, dict[str, Any]] = {
    "CDL": dict(slope_r=1.2, slope_g=0.9, slope_b=1.1, offset_r=-0.05, offset_g=0.02,
                offset_b=0.01, power_r=0.8, power_g=1.3, power_b=1.1, saturation=1.3),
    "Exposure": dict(stops=1.5),
    "Saturation": dict(saturation=1.6),
    "WhiteBalance": dict(source_kelvin=3200.0, target_kelvin=6500.0, tint=4.0),
}
CLASSES: dict[str, type[Operator]] = {
    "CDL": CDL, "Exposure": Exposure, "Saturation": Saturation, "WhiteBalance": WhiteBalance,
}
make = operator_factory(CLASSES, OPS)
# Values in [-0.5, 3]: negatives and over-range, as scene-linear or log data has.
wide_image = partial(random_image, scale=3.5, offset=-0.5)


# -- smoke and shapes -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_functions_output_shape(shape: tuple[int, ...]) -> None:
    img = wide_image(shape)
    assert apply_cdl(img, 1.1, 0.01, 0.9, 1.2).shape == shape
    assert apply_cdl(img, 1.1, 0.01, 0.9, 1.2, clamp=True).shape == shape
    assert apply_exposure(img, 0.5).shape == shape
    assert apply_saturation(img, 0.5).shape == shape
    assert apply_white_balance(img, white_balance_matrix(3200.0, 6500.0)).shape == shape


# -- identity at strength 0 -----------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_neutral_parameters_are_identity(name: str) -> None:
    assert_close_to_identity(CLASSES[name](), wide_image())


def test_functions_at_neutral_are_identity() -> None:
    img = wide_image()
    assert torch.equal(apply_exposure(img, 0.0), img)
    torch.testing.assert_close(apply_saturation(img, 1.0), img, atol=1e-6, rtol=0)
    torch.testing.assert_close(apply_cdl(img), img, atol=1e-6, rtol=0)
    torch.testing.assert_close(apply_white_balance(img, white_balance_matrix(5000.0, 5000.0)),
                               img, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", list(OPS))
def test_strength_is_monotone_blend(name: str) -> None:
    """Half strength lands strictly between identity and the full correction (mean change)."""
    assert_strength_monotone(make(name), make(name, strength=0.5),
                             wide_image().clamp(0.05, 1.0))


# -- function equals class -------------------------------------------------------------------

def test_cdl_function_equals_class() -> None:
    img = wide_image()
    v = OPS["CDL"]
    expected = apply_cdl(img, (v["slope_r"], v["slope_g"], v["slope_b"]),
                         (v["offset_r"], v["offset_g"], v["offset_b"]),
                         (v["power_r"], v["power_g"], v["power_b"]), v["saturation"])
    torch.testing.assert_close(CDL(**v).forward(img), expected, atol=1e-7, rtol=1e-6)
    cdl = CDL(**v)
    vals = cdl.values()
    torch.testing.assert_close(cdl.forward(img),
                               apply_cdl(img, vals.slope, vals.offset, vals.power, vals.saturation),
                               atol=1e-7, rtol=1e-6)


def test_exposure_function_equals_class() -> None:
    img = wide_image()
    torch.testing.assert_close(Exposure(stops=1.5).forward(img), apply_exposure(img, 1.5),
                               atol=0, rtol=0)
    torch.testing.assert_close(Exposure(stops=-2.0, strength=0.25).forward(img),
                               apply_exposure(img, -0.5), atol=0, rtol=0)


def test_saturation_function_equals_class() -> None:
    img = wide_image()
    torch.testing.assert_close(Saturation(saturation=1.6).forward(img),
                               apply_saturation(img, 1.6), atol=1e-7, rtol=1e-6)
    torch.testing.assert_close(Saturation(saturation=0.0, strength=0.5).forward(img),
                               apply_saturation(img, 0.5), atol=1e-7, rtol=1e-6)


def test_white_balance_function_equals_class() -> None:
    img = wide_image()
    m = white_balance_matrix(3200.0, 6500.0, 4.0, 0.0)
    torch.testing.assert_close(make("WhiteBalance").forward(img), apply_white_balance(img, m),
                               atol=1e-6, rtol=1e-6)


def test_white_balance_neutralises_source_grey() -> None:
    """What maps to neutral grey under the 3200→6500 K matrix is a warm colour."""
    m = white_balance_matrix(3200.0, 6500.0)
    back = torch.linalg.inv(torch.as_tensor(m))
    warm = back @ torch.tensor([0.18, 0.18, 0.18], dtype=torch.float64)
    assert warm[0] > warm[2]  # 3200 K light is warm (red > blue)
    out = apply_white_balance(warm.reshape(1, 3, 1, 1), m).flatten()
    torch.testing.assert_close(out, torch.full((3,), 0.18, dtype=torch.float64))


# -- per-sample parameters -------------------------------------------------------------------

_batch_equals_separate = partial(assert_batch_equals_separate, atol=1e-7, rtol=1e-6)


def test_exposure_per_sample() -> None:
    _batch_equals_separate(apply_exposure, wide_image(), torch.tensor([1.0, -0.5]), [1.0, -0.5])


def test_saturation_per_sample() -> None:
    _batch_equals_separate(apply_saturation, wide_image(), torch.tensor([0.3, 1.8]), [0.3, 1.8])


def test_white_balance_per_sample() -> None:
    a, b = white_balance_matrix(3200.0, 6500.0), white_balance_matrix(9000.0, 5000.0, 10.0)
    batched = torch.stack([torch.as_tensor(a), torch.as_tensor(b)])
    _batch_equals_separate(apply_white_balance, wide_image(), batched, [a, b])


def test_cdl_per_sample() -> None:
    img = wide_image()
    slope = torch.tensor([[1.2, 0.9, 1.1], [0.8, 1.0, 1.3]])
    offset = torch.tensor([-0.02, 0.05])          # (B,): one value for every channel
    power = torch.tensor([[0.9, 1.1, 1.0], [1.2, 0.8, 1.05]])
    sat = torch.tensor([1.3, 0.6])
    out = apply_cdl(img, slope, offset, power, sat)
    for i in range(2):
        one = apply_cdl(img[i:i + 1], tuple(slope[i].tolist()), float(offset[i]),
                        tuple(power[i].tolist()), float(sat[i]))
        torch.testing.assert_close(out[i:i + 1], one, atol=1e-6, rtol=1e-6)
    assert not torch.allclose(out[1:2], apply_cdl(img[1:2], tuple(slope[0].tolist()),
                                                  float(offset[0]), tuple(power[0].tolist()),
                                                  float(sat[0])))


def test_per_sample_wrong_length_raises() -> None:
    img = wide_image((2, 3, 2, 2))
    with pytest.raises(ShapeError, match=r"Exposure\.stops"):
        apply_exposure(img, torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ShapeError, match=r"CDL\.slope"):
        apply_cdl(img, slope=torch.ones(4, 3))
    with pytest.raises(ShapeError, match=r"Saturation\.saturation"):
        apply_saturation(img, torch.ones(2, 2))


# -- gradcheck -------------------------------------------------------------------------------

def _pos(shape: tuple[int, ...] = (2, 3, 3, 2), seed: int = 1) -> torch.Tensor:
    return random_image(shape, seed, 0.9, 0.1, torch.float64, requires_grad=True)


def test_gradcheck_cdl() -> None:
    img = _pos()
    slope = torch.tensor([1.2, 0.9, 1.1], dtype=torch.float64, requires_grad=True)
    offset = torch.tensor([0.02, -0.01, 0.03], dtype=torch.float64, requires_grad=True)
    power = torch.tensor([0.8, 1.3, 1.1], dtype=torch.float64, requires_grad=True)
    sat = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    assert_gradcheck(apply_cdl, img, slope, offset, power, sat)


def test_gradcheck_exposure() -> None:
    stops = torch.tensor([0.7, -1.2], dtype=torch.float64, requires_grad=True)
    assert_gradcheck(apply_exposure, _pos(), stops)


def test_gradcheck_saturation() -> None:
    sat = torch.tensor([0.4, 1.7], dtype=torch.float64, requires_grad=True)
    assert_gradcheck(apply_saturation, _pos(), sat)


def test_gradcheck_white_balance() -> None:
    m = torch.as_tensor(white_balance_matrix(3200.0, 6500.0)).clone().requires_grad_()
    assert_gradcheck(apply_white_balance, _pos(), m)


# -- special values --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_no_crash_on_special_values(name: str) -> None:
    img = special_values_image()
    # Pixels that were finite (-1, 0, 1) stay finite; NaN stays NaN.
    assert_special_values_kept(make(name).forward(img), img)


def test_functions_no_crash_on_special_values() -> None:
    img = special_values_image()
    for out in (apply_cdl(img, 1.1, 0.01, 0.9, 1.2), apply_cdl(img, 1.1, 0.01, 0.9, 1.2, True),
                apply_exposure(img, 1.0), apply_saturation(img, 1.4),
                apply_white_balance(img, white_balance_matrix(3200.0, 6500.0))):
        assert out.shape == img.shape
        assert torch.isfinite(out[..., :3]).all()


# -- bad input -------------------------------------------------------------------------------

def test_functions_bad_image_raises() -> None:
    bad = torch.zeros(3, 4, 4)
    with pytest.raises(ShapeError, match=r"apply_cdl"):
        apply_cdl(bad)
    with pytest.raises(ShapeError, match=r"apply_exposure"):
        apply_exposure(bad, 1.0)
    with pytest.raises(ShapeError, match=r"apply_saturation"):
        apply_saturation(bad, 1.0)
    with pytest.raises(ShapeError, match=r"apply_white_balance"):
        apply_white_balance(bad, white_balance_matrix(3200.0, 6500.0))
    with pytest.raises(ShapeError):
        apply_exposure(bad.numpy(), 1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("cls", "kwargs", "named"), [
    (CDL, dict(slope_r=-0.2), "CDL.slope_r"),
    (CDL, dict(power_b=0.0), "CDL.power_b"),
    (CDL, dict(offset_g=1.5), "CDL.offset_g"),
    (CDL, dict(saturation=4.5), "CDL.saturation"),
    (CDL, dict(strength=1.2), "CDL.strength"),
    (Exposure, dict(stops=11.0), "Exposure.stops"),
    (Exposure, dict(strength=-0.1), "Exposure.strength"),
    (Saturation, dict(saturation=-1.0), "Saturation.saturation"),
    (WhiteBalance, dict(source_kelvin=1000.0), "WhiteBalance.source_kelvin"),
    (WhiteBalance, dict(tint=60.0), "WhiteBalance.tint"),
    (CDL, dict(slope_g=math.inf), "CDL.slope_g"),       # no upper bound, still must be finite
    (CDL, dict(offset_r=math.nan), "CDL.offset_r"),
    (CDL, dict(strength=math.nan), "CDL.strength"),
    (Exposure, dict(stops=-math.inf), "Exposure.stops"),
])
def test_out_of_bounds_parameter_raises(cls: type[Operator], kwargs: dict[str, float],
                                        named: str) -> None:
    assert_parameter_raises(cls, kwargs, named)


def test_wrong_type_parameter_raises() -> None:
    with pytest.raises(ParameterError, match=r"Exposure"):
        Exposure(stops="two")


# -- inverses --------------------------------------------------------------------------------

@pytest.mark.parametrize("stops", [0.5, 1.0, 2.7, -3.3])
def test_exposure_inverse(stops: float) -> None:
    img = wide_image()
    back = Exposure(stops=-stops).forward(Exposure(stops=stops).forward(img))
    torch.testing.assert_close(back, img, atol=1e-6, rtol=0)


def test_exposure_one_stop_doubles() -> None:
    img = wide_image()
    torch.testing.assert_close(Exposure(stops=1.0).forward(img), img * 2, atol=0, rtol=0)


def test_white_balance_inverse() -> None:
    img = wide_image()
    there = WhiteBalance(source_kelvin=3200.0, target_kelvin=6500.0).forward(img)
    assert not torch.allclose(there, img, atol=1e-2)
    back = WhiteBalance(source_kelvin=6500.0, target_kelvin=3200.0).forward(there)
    torch.testing.assert_close(back, img, atol=1e-4, rtol=0)


def test_saturation_inverse() -> None:
    img = wide_image()
    back = apply_saturation(apply_saturation(img, 2.0), 0.5)
    torch.testing.assert_close(back, img, atol=1e-5, rtol=0)


def test_saturation_zero_is_grey_and_keeps_luminance() -> None:
    from workbench.ops.saturation import ACESCG_LUMA

    img = wide_image()
    grey = apply_saturation(img, 0.0)
    torch.testing.assert_close(grey[:, 0], grey[:, 1])
    torch.testing.assert_close(grey[:, 1], grey[:, 2])
    w = torch.tensor(ACESCG_LUMA).reshape(1, 3, 1, 1)
    torch.testing.assert_close((grey * w).sum(1), (img * w).sum(1), atol=1e-6, rtol=1e-6)


# -- no clamping -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_values_outside_unit_range_not_clamped(name: str) -> None:
    assert_not_clamped(make(name))


def test_cdl_clamp_mode_clamps() -> None:
    img = out_of_range_image()
    out = apply_cdl(img, 1.1, 0.0, 1.0, 1.2, clamp=True)
    assert out.min() >= 0 and out.max() <= 1
    assert torch.equal(out[..., 0], torch.zeros(1, 3, 1))
    assert torch.equal(out[..., 1], torch.ones(1, 3, 1))
