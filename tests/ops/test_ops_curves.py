"""The kornia set for Curves, HueVsHue, HueVsSat, LumVsSat; the HSL qualifier on real pixels."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import cv2
import numpy as np
import pytest
import torch
from opchecks import (
    SHAPES,
    assert_batch_equals_separate,
    assert_gradcheck,
    assert_parameter_raises,
    assert_parameters_declared,
    assert_special_values_kept,
    assert_strength_monotone,
    assert_unknown_parameter_raises,
    grad_param,
    operator_factory,
    random_image,
    special_values_image,
)
from testkit import shared_path

from workbench.color import convert, convert_array
from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import OPERATORS, Operator
from workbench.ops.curves import (
    CURVE_X,
    Curves,
    acescct_luma,
    apply_curves,
    evaluate_curve,
    identity_points,
)
from workbench.ops.exposure import Exposure
from workbench.ops.hue_curves import (
    HueVsHue,
    HueVsSat,
    LumVsSat,
    apply_hue_vs_hue,
    apply_hue_vs_sat,
    apply_lum_vs_sat,
    hue_weights,
    opponent,
)
from workbench.ops.qualifier import HSLQualifier, hsl_qualifier, qualify
from workbench.ops.saturation import Saturation

PHOTOS = shared_path("photo")
S_CURVE = [[0.0, 0.0], [0.25, 0.2], [0.5, 0.5], [0.75, 0.82], [1.0, 1.0]]

OPS: dict[str, dict[str, Any]] = {
    "Curves": dict(r_1=0.3, r_3=0.7, g_2=0.55, b_4=1.1, luma_1=0.2, luma_3=0.8),
    "HueVsHue": dict(red=20.0, yellow=-10.0, blue=15.0),
    "HueVsSat": dict(red=1.5, green=0.5, cyan=1.2, magenta=0.0),
    "LumVsSat": dict(sat_0=0.5, sat_1=0.8, sat_3=1.4, sat_4=2.0),
}
CLASSES: dict[str, type[Operator]] = {
    "Curves": Curves, "HueVsHue": HueVsHue, "HueVsSat": HueVsSat, "LumVsSat": LumVsSat,
}


make = operator_factory(CLASSES, OPS)
# ACEScct-ish values in [-0.2, 1.3]: below black and above ACEScct 1.0.
wide_image = partial(random_image, scale=1.5, offset=-0.2)


def patch(rgb: Any, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.as_tensor(np.asarray(rgb), dtype=dtype).reshape(1, 3, 1, 1)


# -- smoke, declarations, shapes -------------------------------------------------------------

def test_registered() -> None:
    for name, cls in CLASSES.items():
        assert OPERATORS[name] is cls
    assert "HSLQualifier" not in OPERATORS


@pytest.mark.parametrize("cls", [*CLASSES.values(), HSLQualifier])
def test_parameters_declare_themselves(cls: Any) -> None:
    assert_parameters_declared(cls)


@pytest.mark.parametrize("shape", SHAPES)
def test_functions_output_shape(shape: tuple[int, ...]) -> None:
    img = wide_image(shape)
    assert apply_curves(img, S_CURVE, S_CURVE, None, S_CURVE).shape == shape
    assert apply_hue_vs_hue(img, [10, 0, 0, 0, 0, 0]).shape == shape
    assert apply_hue_vs_sat(img, [1.2] * 6).shape == shape
    assert apply_lum_vs_sat(img, [1.2] * 5).shape == shape
    assert hsl_qualifier(img).shape == (shape[0], 1, *shape[2:])


# -- identity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("strength", [1.0, 0.37])
def test_default_parameters_are_bit_exact_identity(name: str, strength: float) -> None:
    img = torch.cat([wide_image(), wide_image(seed=3) * 40 - 10])  # far outside [0, 1] too
    out = CLASSES[name](strength=strength).forward(img)
    assert torch.equal(out, img) and out is not img


def test_identity_functions_are_bit_exact() -> None:
    img = wide_image().double() * 10
    ident = identity_points()
    assert torch.equal(apply_curves(img, ident, ident, ident, ident), img)
    assert torch.equal(apply_curves(img), img) and apply_curves(img) is not img
    odd = torch.tensor([[-0.3, -0.3], [0.1, 0.1], [0.9, 0.9], [2.0, 2.0]])  # uneven spacing
    assert torch.equal(apply_curves(img, odd, odd, odd, odd), img)
    assert torch.equal(apply_hue_vs_hue(img, [0.0] * 6), img)
    assert torch.equal(apply_hue_vs_sat(img, [1.0] * 6), img)
    assert torch.equal(apply_lum_vs_sat(img, [1.0] * 5), img)


@pytest.mark.parametrize("name", list(OPS))
def test_strength_is_monotone_blend(name: str) -> None:
    assert_strength_monotone(make(name), make(name, strength=0.5),
                             wide_image().clamp(0.05, 1.0))


# -- function equals class -------------------------------------------------------------------

def test_curves_function_equals_class() -> None:
    img = wide_image()
    op = make("Curves")
    pts = op.points()  # type: ignore[attr-defined]
    assert pts["points_r"][:, 1].tolist() == [0.0, 0.3, 0.5, 0.7, 1.0]
    assert pts["points_g"][:, 0].tolist() == list(CURVE_X)
    torch.testing.assert_close(op.forward(img), apply_curves(img, **pts), atol=0, rtol=0)
    half = make("Curves", strength=0.5)
    r = torch.tensor([[x, x + 0.5 * (y - x)] for x, y in zip(CURVE_X, [0, 0.3, 0.5, 0.7, 1],
                                                              strict=True)])
    out = apply_curves(img, r, **{k: v for k, v in half.points().items()  # type: ignore[attr-defined]
                                  if k != "points_r"})
    torch.testing.assert_close(half.forward(img), out, atol=1e-7, rtol=0)


def test_hue_curves_function_equals_class() -> None:
    img = wide_image()
    torch.testing.assert_close(make("HueVsHue").forward(img),
                               apply_hue_vs_hue(img, [20, -10, 0, 0, 15, 0]), atol=0, rtol=0)
    torch.testing.assert_close(make("HueVsHue", strength=0.5).forward(img),
                               apply_hue_vs_hue(img, [10, -5, 0, 0, 7.5, 0]), atol=0, rtol=0)
    torch.testing.assert_close(make("HueVsSat").forward(img),
                               apply_hue_vs_sat(img, [1.5, 1, 0.5, 1.2, 1, 0]), atol=0, rtol=0)
    torch.testing.assert_close(make("HueVsSat", strength=0.5).forward(img),
                               apply_hue_vs_sat(img, [1.25, 1, 0.75, 1.1, 1, 0.5]),
                               atol=1e-7, rtol=0)
    torch.testing.assert_close(make("LumVsSat").forward(img),
                               apply_lum_vs_sat(img, [0.5, 0.8, 1, 1.4, 2]), atol=0, rtol=0)


# -- curve behaviour -------------------------------------------------------------------------

@pytest.mark.parametrize("points", [
    S_CURVE,
    [[0.0, 0.1], [0.2, 0.15], [0.5, 0.7], [0.6, 0.72], [1.0, 0.9]],
    [[0.0, 0.3], [0.25, 0.3], [0.5, 0.3], [0.75, 0.8], [1.0, 0.8]],  # flat stretches
    [[0.0, 0.0], [0.5, 0.5], [1.0, 1.5]],
    [[-0.1, 0.2], [0.3, 0.21], [0.35, 0.9], [1.2, 0.95]],            # steep then flat
])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_increasing_points_give_non_decreasing_curve(points: list[list[float]],
                                                     dtype: torch.dtype) -> None:
    x = torch.linspace(-3.0, 4.0, 70001, dtype=dtype).reshape(1, -1)
    y = evaluate_curve(x, points)
    # Exact in float64; float32 rounding of the cubic may wobble by 1 ulp next to a flat end.
    tol = 0.0 if dtype == torch.float64 else float(torch.finfo(dtype).eps * y.abs().max())
    assert bool((y.diff(dim=1) >= -tol).all())
    pts = torch.tensor(points, dtype=dtype)
    # It passes through every control point.
    torch.testing.assert_close(evaluate_curve(pts[:, 0].reshape(1, -1), pts),
                               pts[:, 1].reshape(1, -1))


def test_curve_matches_pchip_reference() -> None:
    """Against a hand-computed Fritsch–Carlson (MATLAB ``pchip``) value."""
    pts = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 3.0]], dtype=torch.float64)
    # δ = (1, 2); d_1 = 3 / (2/1 + 1/2)... harmonic with w1 = w2 = 3: 2/(1/1 + 1/2) = 4/3.
    # d_0 = 1 + (1 - 2)/2 = 0.5, d_2 = 2 + (2 - 1)/2 = 2.5. Hermite at x = 0.5 (t = 0.5):
    expected = 0.5 * 0 + 0.5 * 1 + 0.125 * 0.5 - 0.125 * 4 / 3
    got = evaluate_curve(torch.tensor([[0.5, 3.0, -1.0]], dtype=torch.float64), pts)
    assert got[0, 0].item() == pytest.approx(expected, abs=1e-15)
    assert got[0, 1].item() == pytest.approx(3.0 + 2.5)  # linear extension, end slope 2.5
    assert got[0, 2].item() == pytest.approx(-0.5)       # end slope 0.5 below


def test_curves_extend_linearly_without_clipping() -> None:
    img = torch.tensor([-0.5, 1.5, 3.0]).reshape(1, 1, 1, 3).expand(1, 3, 1, 3).contiguous()
    out = apply_curves(img, S_CURVE, S_CURVE, S_CURVE)
    assert (out[..., 1:] > 1.0).all() and (out[..., 0] < 0).all()
    slope = (out[0, 0, 0, 2] - out[0, 0, 0, 1]) / 1.5
    assert float(slope) == pytest.approx(float(out[0, 0, 0, 1] - 1.0) / 0.5, rel=1e-5)


def test_curves_per_channel_and_luma_keeps_ratios() -> None:
    img = patch([0.5, 0.5, 0.5])
    lift_r = [[0.0, 0.0], [0.5, 0.6], [1.0, 1.0]]
    assert apply_curves(img, points_r=lift_r).flatten().tolist() == pytest.approx(
        [0.6, 0.5, 0.5])
    # The luma curve adds one ACEScct offset to every channel: a linear gain, hue kept.
    lin = torch.tensor([0.4, 0.2, 0.1]).reshape(1, 3, 1, 1)
    cct = convert(lin, "ACEScg", "ACEScct")
    out = convert(apply_curves(cct, points_luma=S_CURVE), "ACEScct", "ACEScg")
    ratio = out / lin
    torch.testing.assert_close(ratio, ratio[:, :1].expand_as(ratio), atol=1e-4, rtol=1e-4)
    assert float(ratio[0, 0]) != pytest.approx(1.0, abs=1e-3)
    luma = acescct_luma(cct)
    torch.testing.assert_close(acescct_luma(apply_curves(cct, points_luma=S_CURVE)),
                               evaluate_curve(luma, S_CURVE), atol=1e-6, rtol=0)


# -- hue curve behaviour ---------------------------------------------------------------------

def test_hue_nodes_are_primaries_and_secondaries() -> None:
    cols = torch.tensor([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]],
                        dtype=torch.float64).T.reshape(1, 3, 1, 6) * 0.4 + 0.1
    a, b = opponent(cols)
    w = hue_weights(a, b)
    torch.testing.assert_close(w[0, :, 0, :], torch.eye(6, dtype=torch.float64), atol=1e-9,
                               rtol=0)
    torch.testing.assert_close(w.sum(1), torch.ones(1, 1, 6, dtype=torch.float64))
    # Between nodes: two weights, summing to 1, smooth (half way: 1/2 each).
    orange = patch([0.5, 0.3, 0.1], torch.float64)  # hue 30°
    w = hue_weights(*opponent(orange)).flatten()
    assert w.tolist() == pytest.approx([0.5, 0.5, 0, 0, 0, 0])


def test_hue_vs_hue_turns_red_to_yellow_and_keeps_mean_and_chroma() -> None:
    red = patch([0.6, 0.3, 0.3], torch.float64)
    out = apply_hue_vs_hue(red, [60, 0, 0, 0, 0, 0])
    assert out.flatten().tolist() == pytest.approx([0.5, 0.5, 0.2])
    img = wide_image().double()
    out = apply_hue_vs_hue(img, [30, -20, 10, 0, 45, -5])
    torch.testing.assert_close(out.mean(1), img.mean(1))
    a0, b0 = opponent(img)
    a1, b1 = opponent(out)
    torch.testing.assert_close(a1.hypot(b1), a0.hypot(b0))
    # A blue-only shift leaves red alone.
    torch.testing.assert_close(apply_hue_vs_hue(red, [0, 0, 0, 0, 40, 0]), red)


def test_hue_vs_sat_and_lum_vs_sat_scale_chroma() -> None:
    red = patch([0.6, 0.3, 0.3], torch.float64)
    blue = patch([0.3, 0.3, 0.6], torch.float64)
    g = [0.0, 1, 1, 1, 2.0, 1]
    assert apply_hue_vs_sat(red, g).flatten().tolist() == pytest.approx([0.4] * 3)
    assert apply_hue_vs_sat(blue, g).flatten().tolist() == pytest.approx([0.2, 0.2, 0.8])
    dark = patch([0.15, 0.1, 0.1], torch.float64)    # luma ~0.11
    bright = patch([0.9, 0.85, 0.85], torch.float64)  # luma ~0.86
    gains = [0.0, 0.0, 1.0, 2.0, 2.0]
    assert float(apply_lum_vs_sat(dark, gains).std()) == pytest.approx(0.0, abs=1e-12)
    out = apply_lum_vs_sat(bright, gains)
    assert float(out[0, 0] - out[0, 1]) == pytest.approx(0.1, rel=1e-9)
    # Outside [0, 1] the end gains hold (no extrapolation to negative gains).
    very = patch([1.6, 1.5, 1.5], torch.float64)
    assert float((apply_lum_vs_sat(very, gains) - very.mean()).abs().max()) == pytest.approx(
        2 * float((very - very.mean()).abs().max()))


@pytest.mark.parametrize("fn,values", [
    (apply_hue_vs_hue, [90, -30, 45, 10, -60, 20]),
    (apply_hue_vs_sat, [0.0, 3.0, 2.0, 0.5, 4.0, 1.5]),
    (apply_lum_vs_sat, [0.0, 3.0, 0.5, 2.0, 4.0]),
])
def test_greys_stay_exactly_grey_with_finite_gradient(fn: Callable[..., torch.Tensor],
                                                      values: list[float]) -> None:
    greys = torch.tensor([-0.2, 0.0, 0.18, 0.41, 0.9, 1.4], dtype=torch.float64)
    img = greys.reshape(1, 1, 1, 6).expand(1, 3, 1, 6).clone().requires_grad_()
    out = fn(img, values)
    assert torch.equal(out, img)
    out.sum().backward()
    assert img.grad is not None and torch.isfinite(img.grad).all()
    p = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    fn(img.detach(), p).pow(2).sum().backward()
    assert p.grad is not None and torch.isfinite(p.grad).all()


# -- per-sample parameters -------------------------------------------------------------------

_batch_equals_separate = partial(assert_batch_equals_separate, atol=1e-6, rtol=1e-6)


def test_per_sample_parameters() -> None:
    img = wide_image()
    a = torch.tensor(S_CURVE)
    b5 = torch.tensor([[0.0, 0.1], [0.25, 0.3], [0.5, 0.45], [0.75, 0.9], [1.0, 1.3]])
    _batch_equals_separate(lambda x, p: apply_curves(x, p, p, p, p), img,
                           torch.stack([a, b5]), [a, b5])
    _batch_equals_separate(lambda x, p: apply_curves(x, points_luma=p), img,
                           torch.stack([a, b5]), [a, b5])
    h = torch.tensor([[20.0, 0, 0, 0, 0, 0], [0, -30, 10, 0, 50, 0]])
    _batch_equals_separate(apply_hue_vs_hue, img, h, [h[0], h[1]])
    s = torch.tensor([[1.5, 1, 0.3, 1, 1, 1], [1, 1, 1, 2, 0, 1]])
    _batch_equals_separate(apply_hue_vs_sat, img, s, [s[0], s[1]])
    lv = torch.tensor([[1.5, 1, 0.3, 1, 1], [1, 1, 1, 2, 0]])
    _batch_equals_separate(apply_lum_vs_sat, img, lv, [lv[0], lv[1]])
    q = hsl_qualifier(img, hue_center=torch.tensor([30.0, 230.0]), hue_width=60.0)
    torch.testing.assert_close(q[1:], hsl_qualifier(img[1:], hue_center=230.0, hue_width=60.0))


def test_per_sample_wrong_shape_raises() -> None:
    img = wide_image()
    with pytest.raises(ShapeError, match=r"Curves\.points_r"):
        apply_curves(img, points_r=torch.zeros(3, 5, 2))
    with pytest.raises(ShapeError, match=r"Curves\.points_luma"):
        apply_curves(img, points_luma=torch.zeros(5, 3))
    with pytest.raises(ShapeError, match=r"HueVsHue\.shifts"):
        apply_hue_vs_hue(img, [0.0] * 5)
    with pytest.raises(ShapeError, match=r"HueVsSat\.gains"):
        apply_hue_vs_sat(img, torch.ones(3, 6))
    with pytest.raises(ShapeError, match=r"LumVsSat\.gains"):
        apply_lum_vs_sat(img, torch.ones(6))
    with pytest.raises(ShapeError, match=r"HSLQualifier\.hue_width"):
        hsl_qualifier(img, hue_width=torch.ones(3))


# -- gradcheck -------------------------------------------------------------------------------

def _img64(shape: tuple[int, ...] = (2, 3, 3, 2), seed: int = 1) -> torch.Tensor:
    return random_image(shape, seed, 1.4, -0.2, torch.float64, requires_grad=True)


_p = grad_param


def test_gradcheck_curves() -> None:
    pts = _p([S_CURVE, [[0.0, 0.1], [0.25, 0.3], [0.5, 0.45], [0.75, 0.9], [1.0, 1.3]]])
    luma = _p([[-0.1, 0.0], [0.4, 0.5], [1.1, 1.0]])
    assert_gradcheck(lambda x, p, q: apply_curves(x, p, p, None, q), _img64(), pts, luma)
    # At the identity the points still receive a gradient (the residual form).
    ident = identity_points().requires_grad_()
    assert_gradcheck(lambda x, p: apply_curves(x, p, p, p, p), _img64(), ident)
    apply_curves(_img64().detach(), ident).sum().backward()
    assert ident.grad is not None and ident.grad.abs().sum() > 0


def test_gradcheck_hue_curves() -> None:
    assert_gradcheck(apply_hue_vs_hue, _img64(), _p([[30, -20, 10, 0, 45, -5],
                                                     [0, 10, 0, -40, 5, 60]]))
    assert_gradcheck(apply_hue_vs_sat, _img64(), _p([1.5, 0.5, 1, 2, 0.2, 1]))
    assert_gradcheck(apply_lum_vs_sat, _img64(), _p([0.5, 1.5, 1, 2, 0.2]))
    # The identity settings too.
    assert_gradcheck(apply_hue_vs_hue, _img64(), _p([0.0] * 6))
    assert_gradcheck(apply_hue_vs_sat, _img64(), _p([1.0] * 6))


def test_gradcheck_qualifier() -> None:
    assert_gradcheck(
        lambda x, c: hsl_qualifier(x, hue_center=c, hue_width=60.0, hue_softness=90.0,
                                   sat_softness=0.5, lum_low=-0.5, lum_high=1.5,
                                   lum_softness=0.5),
        _img64(), _p(40.0))


# -- special values --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_no_crash_on_special_values(name: str) -> None:
    img = special_values_image()
    assert_special_values_kept(make(name).forward(img), img, inf=True)


def test_functions_no_crash_on_special_values() -> None:
    img = special_values_image()
    for out in (apply_curves(img, S_CURVE, S_CURVE, S_CURVE, S_CURVE),
                apply_hue_vs_hue(img, [10.0] * 6), apply_hue_vs_sat(img, [2.0] * 6),
                apply_lum_vs_sat(img, [2.0] * 5)):
        assert out.shape == img.shape and torch.isfinite(out[..., :3]).all()
    # A pixel with one bad channel passes through; its neighbours are graded as usual.
    mixed = torch.tensor([[0.6, 0.6], [0.3, math.nan], [0.3, 0.3]]).reshape(1, 3, 1, 2)
    out = apply_hue_vs_sat(mixed, [0.0] * 6)
    assert out[0, :, 0, 0].tolist() == pytest.approx([0.4] * 3)
    assert torch.isnan(out[0, 1, 0, 1])
    m = hsl_qualifier(special_values_image())
    assert torch.isfinite(m).all() and (m[..., 3:] == 0).all()


# -- bad input -------------------------------------------------------------------------------

def test_functions_bad_image_raises() -> None:
    bad = torch.zeros(3, 4, 4)
    for fn, args in ((apply_curves, ()), (apply_hue_vs_hue, ([0.0] * 6,)),
                     (apply_hue_vs_sat, ([1.0] * 6,)), (apply_lum_vs_sat, ([1.0] * 5,)),
                     (hsl_qualifier, ())):
        with pytest.raises(ShapeError, match=fn.__name__):
            fn(bad, *args)  # type: ignore[operator]
    with pytest.raises(ShapeError, match="HSLQualifier input"):
        HSLQualifier().matte(bad)


@pytest.mark.parametrize(("cls", "kwargs", "named"), [
    (Curves, dict(r_0=-1.5), "Curves.r_0"),
    (Curves, dict(luma_4=2.5), "Curves.luma_4"),
    (Curves, dict(g_2=math.nan), "Curves.g_2"),
    (Curves, dict(strength=1.1), "Curves.strength"),
    (HueVsHue, dict(red=181.0), "HueVsHue.red"),
    (HueVsHue, dict(magenta=-200.0), "HueVsHue.magenta"),
    (HueVsSat, dict(cyan=-0.1), "HueVsSat.cyan"),
    (HueVsSat, dict(blue=4.5), "HueVsSat.blue"),
    (LumVsSat, dict(sat_2=-1.0), "LumVsSat.sat_2"),
    (LumVsSat, dict(sat_0=math.inf), "LumVsSat.sat_0"),
    (HSLQualifier, dict(hue_width=400.0), "HSLQualifier.hue_width"),
    (HSLQualifier, dict(sat_softness=-0.1), "HSLQualifier.sat_softness"),
    (HSLQualifier, dict(lum_low=math.nan), "HSLQualifier.lum_low"),
])
def test_out_of_bounds_parameter_raises(cls: Any, kwargs: dict[str, float], named: str) -> None:
    assert_parameter_raises(cls, kwargs, named)


@pytest.mark.parametrize("cls", [*CLASSES.values(), HSLQualifier])
def test_unknown_parameter_raises(cls: Any) -> None:
    assert_unknown_parameter_raises(cls)


def test_function_bad_values_raise() -> None:
    img = wide_image()
    with pytest.raises(ParameterError, match=r"Curves\.points_g.*strictly increasing"):
        apply_curves(img, points_g=[[0.0, 0.0], [0.5, 0.4], [0.5, 0.6], [1.0, 1.0]])
    with pytest.raises(ParameterError, match=r"Curves\.points_b.*finite"):
        apply_curves(img, points_b=[[0.0, 0.0], [1.0, math.nan]])
    with pytest.raises(ParameterError, match=r"HueVsHue\.shifts.*finite"):
        apply_hue_vs_hue(img, [math.inf] + [0.0] * 5)
    with pytest.raises(ParameterError, match=r"HueVsSat\.gains.*>= 0"):
        apply_hue_vs_sat(img, [1.0, -0.5, 1, 1, 1, 1])
    with pytest.raises(ParameterError, match=r"LumVsSat\.gains.*>= 0"):
        apply_lum_vs_sat(img, torch.tensor([[1.0] * 5, [1, 1, -1, 1, 1]]))
    with pytest.raises(ParameterError, match=r"HSLQualifier\.hue_softness.*>= 0"):
        hsl_qualifier(img, hue_softness=-1.0)
    with pytest.raises(ParameterError, match=r"HSLQualifier\.sat_low.*finite"):
        hsl_qualifier(img, sat_low=math.nan)


# -- qualifier on real pixels ----------------------------------------------------------------

def photo_acescg(name: str) -> torch.Tensor:
    bgr = cv2.imread(f"{PHOTOS}/{name}", cv2.IMREAD_COLOR)
    assert bgr is not None, name
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    lin = convert_array(rgb.reshape(-1, 3), "sRGB", "ACEScg").reshape(rgb.shape)
    return torch.from_numpy(np.ascontiguousarray(lin.transpose(2, 0, 1)))[None]


@pytest.fixture(scope="module")
def astronaut() -> torch.Tensor:
    return photo_acescg("skimage_astronaut.png")


@pytest.fixture(scope="module")
def rocket() -> torch.Tensor:
    return photo_acescg("skimage_rocket.jpg")


SKIN = dict(hue_center=35.0, hue_width=20.0, hue_softness=10.0, sat_low=0.015, sat_high=0.09,
            sat_softness=0.01, lum_low=0.35, lum_high=0.6, lum_softness=0.05)
SKY = dict(hue_center=228.0, hue_width=16.0, hue_softness=10.0, sat_low=0.05, sat_high=0.2,
           sat_softness=0.02, lum_low=0.1, lum_high=0.45, lum_softness=0.05)


def test_qualifier_selects_skin(astronaut: torch.Tensor) -> None:
    m = qualify(astronaut, **SKIN)
    assert m.shape == (1, 1, 512, 512)
    assert float(m.min()) >= 0 and float(m.max()) <= 1
    face = m[..., 100:140, 200:240]
    assert float(face.mean()) > 0.8
    # Not the flag's blue (rows 0-60, cols 0-40), nor the black helmet (rows 380-500).
    assert float(m[..., 10:50, 0:30].mean()) < 0.05
    assert float(m[..., 400:480, 330:450].mean()) < 0.05
    assert float(m.mean()) < 0.3
    # A soft edge: there are pixels part-way in.
    assert int(((m > 0.05) & (m < 0.95)).sum()) > 200


def test_qualifier_selects_blue_sky(rocket: torch.Tensor) -> None:
    m = HSLQualifier(**SKY).matte(rocket)
    assert float(m[..., 40:120, 100:180].mean()) > 0.9
    # The rocket body (white, around column 320) is not sky.
    assert float(m[..., 150:300, 314:326].mean()) < 0.1
    soft = (m > 0.05) & (m < 0.95)
    assert int(soft.sum()) > 100
    # The same from an ACEScct image directly.
    m2 = hsl_qualifier(convert(rocket, "ACEScg", "ACEScct"), **SKY)
    torch.testing.assert_close(m2, m)


def test_qualifier_matte_limits_any_operator(astronaut: torch.Tensor) -> None:
    img = astronaut[..., 60:260, 120:320].contiguous()
    m = qualify(img, **SKIN)
    assert float(m.max()) == 1.0 and float(m.min()) == 0.0
    for op in (Exposure(stops=1.0), Saturation(saturation=0.0)):
        out = op.forward(img, m)
        full = op.forward(img)
        off = (m == 0).expand_as(img)
        on = (m == 1).expand_as(img)
        assert torch.equal(out[off], img[off])
        assert torch.equal(out[on], full[on])
        torch.testing.assert_close(out, img + m * (full - img), atol=1e-6, rtol=1e-6)
    # An ACEScct operator through the pipeline: unqualified pixels are bit-exact.
    cct = convert(img, "ACEScg", "ACEScct")
    hue = HueVsHue(red=30.0, yellow=30.0)
    out = hue.forward(cct, m)
    assert torch.equal(out[(m == 0).expand_as(cct)], cct[(m == 0).expand_as(cct)])
    assert not torch.equal(out, cct)
    assert torch.equal(hue.apply(img, "ACEScg", m)[(m == 0).expand_as(img)],
                       img[(m == 0).expand_as(img)])


def test_qualifier_defaults_and_bands() -> None:
    img = wide_image()
    m = HSLQualifier().matte(img, "ACEScct")
    lum = acescct_luma(img)
    sat = torch.stack(opponent(img)).pow(2).sum(0).sqrt()
    inside = (lum >= 0) & (lum <= 1) & (sat <= 1)
    assert (m[inside] == 1).all()
    # Hue band: full inside width/2, zero beyond width/2 + softness, smoothstep between.
    hues = torch.tensor([0.0, 10.0, 20.0, 25.0, 30.0, 40.0, 200.0])
    rad = torch.deg2rad(hues)
    a, b = 0.2 * torch.cos(rad), 0.2 * torch.sin(rad)
    # Invert the opponent axes about an ACEScct mean of 0.45.
    rgb = torch.stack([0.45 + 2 * a / 3, 0.45 - a / 3 + b / math.sqrt(3),
                       0.45 - a / 3 - b / math.sqrt(3)]).reshape(1, 3, 1, -1)
    m = hsl_qualifier(rgb, hue_center=0.0, hue_width=40.0, hue_softness=20.0,
                      lum_low=-1.0, lum_high=2.0)
    assert m.flatten().tolist() == pytest.approx([1, 1, 1, 0.84375, 0.5, 0, 0], abs=1e-4)
    # Grey has no hue: selected only when every hue is.
    grey = torch.full((1, 3, 1, 1), 0.4)
    assert float(hsl_qualifier(grey, hue_center=0.0, hue_width=359.0, hue_softness=0.0)) == 0.0
    assert float(hsl_qualifier(grey, hue_width=360.0)) == 1.0
    # Hard edges with zero softness.
    hard = hsl_qualifier(rgb, hue_center=0.0, hue_width=40.0, hue_softness=0.0)
    assert set(hard.unique().tolist()) <= {0.0, 1.0}
