"""Power windows, Relight and ShadowsHighlights: the kornia set and what a colourist relies on."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import torch
from opchecks import (
    assert_gradcheck,
    assert_parameter_raises,
    assert_special_values_kept,
    assert_strength_monotone,
    grad_param,
    operator_factory,
    random_image,
    special_values_image,
)

from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator, Pipeline
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.windows import (
    Relight,
    ShadowsHighlights,
    apply_relight,
    apply_shadows_highlights,
    apply_window_gain,
    ellipse_window,
    gradient_window,
    luminance_zone_mattes,
    rectangle_window,
)

SHAPES = [(1, 3, 4, 4), (2, 3, 5, 7), (1, 3, 1, 1), (2, 3, 9, 8)]  # a larger one for windows
OPS: dict[str, dict[str, Any]] = {
    "Relight": dict(centre_x=0.4, centre_y=0.6, radius=0.2, falloff=0.3, stops=0.7),
    "ShadowsHighlights": dict(shadows=0.8, highlights=-0.6, shadow_pivot=-1.0,
                              highlight_pivot=0.5, softness=1.5),
}
CLASSES: dict[str, type[Operator]] = {"Relight": Relight, "ShadowsHighlights": ShadowsHighlights}
WINDOWS: list[Callable[..., torch.Tensor]] = [ellipse_window, rectangle_window, gradient_window]


make = operator_factory(CLASSES, OPS)
# Values in [-0.5, 3]: negatives and over-range, as scene-linear data has.
wide_image = partial(random_image, scale=3.5, offset=-0.5)


# -- operators: smoke, declaration, shapes ---------------------------------------------------

@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(("h", "w"), [(4, 4), (5, 7), (1, 1), (9, 8)])
def test_window_shapes_and_range(window: Callable[..., torch.Tensor], h: int, w: int) -> None:
    m = window(h, w)
    assert m.shape == (1, 1, h, w) and m.dtype == torch.float32
    assert ((m >= 0) & (m <= 1)).all()
    m2 = window(h, w, centre_x=torch.tensor([0.3, 0.7]))
    assert m2.shape == (2, 1, h, w)
    assert window(h, w, centre_x=torch.tensor([0.3], dtype=torch.float64)).dtype == torch.float64


# -- identity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_defaults_are_exact_identity(name: str) -> None:
    img = wide_image()
    assert torch.equal(CLASSES[name]().forward(img), img)


@pytest.mark.parametrize("name", list(OPS))
def test_strength_is_monotone(name: str) -> None:
    img = wide_image().clamp(0.01, 3.0)
    assert_strength_monotone(make(name), make(name, strength=0.5), img)


# -- function equals class ---------------------------------------------------------------------

def test_relight_function_equals_class() -> None:
    img = wide_image()
    v = OPS["Relight"]
    expected = apply_relight(img, v["stops"], v["centre_x"], v["centre_y"], v["radius"],
                             v["falloff"])
    assert torch.equal(make("Relight").forward(img), expected)
    half = apply_relight(img, v["stops"] * 0.5, v["centre_x"], v["centre_y"], v["radius"],
                         v["falloff"])
    assert torch.equal(make("Relight", strength=0.5).forward(img), half)


def test_relight_is_window_gain_of_ellipse() -> None:
    img = wide_image()
    matte = ellipse_window(5, 6, 0.4, 0.6, 0.2, 1.0, 0.0, 0.3)
    torch.testing.assert_close(apply_relight(img, 0.7, 0.4, 0.6, 0.2, 0.3),
                               apply_window_gain(img, 0.7, matte), atol=0, rtol=0)


def test_shadows_highlights_function_equals_class() -> None:
    img = wide_image()
    v = OPS["ShadowsHighlights"]
    expected = apply_shadows_highlights(img, v["shadows"], v["highlights"], v["shadow_pivot"],
                                        v["highlight_pivot"], v["softness"])
    assert torch.equal(make("ShadowsHighlights").forward(img), expected)
    half = apply_shadows_highlights(img, v["shadows"] * 0.3, v["highlights"] * 0.3,
                                    v["shadow_pivot"], v["highlight_pivot"], v["softness"])
    assert torch.equal(make("ShadowsHighlights", strength=0.3).forward(img), half)


# -- per-sample parameters ----------------------------------------------------------------------

def test_per_sample_parameters() -> None:
    img = wide_image()
    out = apply_relight(img, torch.tensor([1.0, -0.5]), torch.tensor([0.2, 0.8]))
    torch.testing.assert_close(out[:1], apply_relight(img[:1], 1.0, 0.2))
    torch.testing.assert_close(out[1:], apply_relight(img[1:], -0.5, 0.8))
    out = apply_shadows_highlights(img, torch.tensor([1.0, 0.0]), torch.tensor([0.0, -1.0]))
    torch.testing.assert_close(out[:1], apply_shadows_highlights(img[:1], 1.0, 0.0))
    torch.testing.assert_close(out[1:], apply_shadows_highlights(img[1:], 0.0, -1.0))
    for window in WINDOWS:
        m = window(5, 6, centre_y=torch.tensor([0.25, 0.75]), rotation=torch.tensor([0.0, 30.0]))
        torch.testing.assert_close(m[1:], window(5, 6, centre_y=0.75, rotation=30.0))


# -- gradients ---------------------------------------------------------------------------------

_p = grad_param


def _img() -> torch.Tensor:
    return random_image((2, 3, 4, 5), 3, 2, 0.01, torch.float64, requires_grad=True)


def test_gradcheck_relight_and_shadows_highlights() -> None:
    assert_gradcheck(apply_relight, _img(), _p([0.7, -1.2]), _p([0.45, 0.52]), _p(0.5),
                     _p(0.13), _p(0.4))
    assert_gradcheck(apply_shadows_highlights, _img(), _p([0.8, -0.4]), _p([-0.5, 0.3]),
                     _p(-1.0), _p(0.5), _p(1.5))


@pytest.mark.parametrize("window", [ellipse_window, rectangle_window])
def test_gradcheck_windows(window: Callable[..., torch.Tensor]) -> None:
    def f(cx: torch.Tensor, size: torch.Tensor, rot: torch.Tensor, feather: torch.Tensor,
          t: torch.Tensor) -> torch.Tensor:
        return window(6, 7, cx, _p(0.47), size, _p(1.3), rot, feather, t)

    t = _p([[1.0, 0.05, 0.3], [-0.02, 0.98, -0.2]])
    assert_gradcheck(f, _p([0.41, 0.55]), _p(0.2), _p(17.0), _p(0.35), t)
    assert_gradcheck(lambda cy, rot, fe: gradient_window(6, 7, 0.5, cy, rot, fe),
                     _p(0.43), _p(12.0), _p(0.6))


def test_gradient_finite_at_window_centre() -> None:
    size = _p(0.2)
    m = ellipse_window(5, 5, 0.5, 0.5, size, 1.0, 0.0, 0.1)  # a pixel sits on the centre
    m.sum().backward()
    assert size.grad is not None and torch.isfinite(size.grad).all()


# -- special values and bad input ------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_no_crash_on_special_values(name: str) -> None:
    img = special_values_image()
    assert_special_values_kept(make(name).forward(img), img)


@pytest.mark.parametrize(("cls", "kwargs", "named"), [
    (Relight, dict(stops=4.5), "Relight.stops"),
    (Relight, dict(radius=0.0), "Relight.radius"),
    (Relight, dict(falloff=-0.1), "Relight.falloff"),
    (Relight, dict(centre_x=math.nan), "Relight.centre_x"),
    (ShadowsHighlights, dict(shadows=-5.0), "ShadowsHighlights.shadows"),
    (ShadowsHighlights, dict(highlights=math.inf), "ShadowsHighlights.highlights"),
    (ShadowsHighlights, dict(softness=0.0), "ShadowsHighlights.softness"),
])
def test_out_of_bounds_parameter_raises(cls: type[Operator], kwargs: dict[str, float],
                                        named: str) -> None:
    assert_parameter_raises(cls, kwargs, named)


def test_function_bad_values_raise() -> None:
    img = wide_image()
    with pytest.raises(ParameterError, match=r"Relight\.radius"):
        apply_relight(img, 1.0, radius=-0.1)
    with pytest.raises(ShapeError, match=r"Relight\.stops"):
        apply_relight(img, torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ParameterError, match=r"ShadowsHighlights\.softness"):
        apply_shadows_highlights(img, 1.0, softness=-1.0)
    with pytest.raises(ShapeError, match=r"apply_shadows_highlights input"):
        apply_shadows_highlights(torch.zeros(3, 4, 4), 1.0)
    with pytest.raises(ParameterError, match=r"feather"):
        ellipse_window(4, 4, feather=-0.1)
    with pytest.raises(ParameterError, match=r"size"):
        rectangle_window(4, 4, size=math.nan)
    with pytest.raises(ShapeError, match=r"transform"):
        ellipse_window(4, 4, transform=torch.eye(2))
    with pytest.raises(ShapeError, match=r"rotation: batch of 3"):
        gradient_window(4, 4, centre_x=torch.zeros(2), rotation=torch.zeros(3))
    with pytest.raises(ParameterError, match=r"singular"):
        ellipse_window(4, 4, transform=torch.zeros(2, 3))


@pytest.mark.parametrize("window", [ellipse_window, rectangle_window])
@pytest.mark.parametrize("aspect", [-1.0, math.inf])
def test_a_zero_size_window_still_checks_its_aspect(window: Callable[..., torch.Tensor],
                                                    aspect: float) -> None:
    # the ellipse once checked aspect as (size * aspect) / size, which a zero size hid or
    # turned into "got [nan]"; both windows now check the aspect that was given
    with pytest.raises(ParameterError, match=rf"aspect must be >= 0, got \[{aspect}\]"):
        window(4, 4, size=0.0, aspect=aspect)


# -- behaviour ------------------------------------------------------------------------------

def test_ellipse_is_one_at_centre_zero_outside_and_monotone() -> None:
    m = ellipse_window(41, 61, 0.5, 0.5, size=0.2, feather=0.15)[0, 0]
    assert float(m[20, 30]) == 1.0
    assert float(m[0, 0]) == 0.0 and float(m[20, 0]) == 0.0
    row = m[20, 30:]  # from the centre to the right edge
    assert (row[1:] <= row[:-1]).all()
    ramp = row[(row > 0) & (row < 1)]
    assert ramp.numel() >= 3  # the feather is soft over several pixels
    # A rotated, squashed ellipse is longer along its rotated axis.
    r = ellipse_window(41, 41, size=0.4, aspect=0.25, rotation=90.0, feather=0.0)[0, 0]
    assert float(r[20, 6]) == 0.0 and float(r[6, 20]) == 1.0


def test_rectangle_and_gradient_windows() -> None:
    m = rectangle_window(21, 21, size=0.25, aspect=0.5, feather=0.0)[0, 0]
    assert float(m[10, 10]) == 1.0 and float(m[10, 15]) == 1.0 and float(m[15, 10]) == 0.0
    g = gradient_window(21, 5, feather=0.5)[0, 0, :, 2]
    assert float(g[0]) == 1.0 and float(g[-1]) == 0.0 and float(g[10]) == pytest.approx(0.5)
    assert (g[1:] <= g[:-1]).all()
    # Rotated by 90 degrees (clockwise), the selected side is the right.
    g90 = gradient_window(5, 21, rotation=90.0, feather=0.5)[0, 0, 2]
    assert float(g90[-1]) == 1.0 and float(g90[0]) == 0.0


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("shape", [(2, 3), (3, 3)])
def test_tracking_shift_moves_window(window: Callable[..., torch.Tensor],
                                     shape: tuple[int, int]) -> None:
    base = window(32, 48, 0.4, 0.45, rotation=20.0)
    t = torch.eye(3)[: shape[0]].clone()
    t[0, 2], t[1, 2] = 10.0, -3.0
    moved = window(32, 48, 0.4, 0.45, rotation=20.0, transform=t.unsqueeze(0))
    # +10 px right and 3 px up: moved(y, x) = base(y + 3, x - 10).
    torch.testing.assert_close(moved[..., :-3, 10:], base[..., 3:, :-10], atol=1e-5, rtol=0)
    # Per frame: frame 0 still, frame 1 shifted.
    ts = torch.stack([torch.eye(3)[: shape[0]], t])
    both = window(32, 48, 0.4, 0.45, rotation=20.0, transform=ts)
    assert both.shape == (2, 1, 32, 48)
    torch.testing.assert_close(both[:1], base, atol=1e-6, rtol=0)
    torch.testing.assert_close(both[1:], moved, atol=0, rtol=0)


def test_tracking_scale_about_the_window_centre() -> None:
    # Scaling by 2 about the centre pixel doubles the window's size.
    cx, cy = 24.0, 16.0
    t = torch.tensor([[2.0, 0.0, cx - 2.0 * cx], [0.0, 2.0, cy - 2.0 * cy]])
    a = ellipse_window(33, 49, (cx + 0.5) / 49, (cy + 0.5) / 33, size=0.1, feather=0.0,
                       transform=t)
    b = ellipse_window(33, 49, (cx + 0.5) / 49, (cy + 0.5) / 33, size=0.2, feather=0.0)
    assert (a != b).float().mean() < 0.02


def test_relight_plus_one_stop_doubles_centre_keeps_far() -> None:
    img = wide_image((1, 3, 21, 31)).abs() + 0.05
    out = Relight(stops=1.0, radius=0.1, falloff=0.1).forward(img)
    assert torch.equal(out[..., 10, 15], img[..., 10, 15] * 2)
    assert torch.equal(out[..., :3, :5], img[..., :3, :5])
    # Gain is in linear light: a grey and a highlight get the same ratio; nothing clamps.
    hot = torch.tensor([0.18, 6.0, -0.1]).reshape(1, 3, 1, 1).expand(1, 3, 5, 5).contiguous()
    out = Relight(stops=0.7, radius=0.2).forward(hot)
    torch.testing.assert_close(out[..., 2, 2], hot[..., 2, 2] * 2 ** 0.7)


def test_shadows_highlights_behaviour() -> None:
    levels = torch.tensor([0.18 * 2.0 ** s for s in (-8, -5, 0, 5, 8)])
    img = levels.reshape(1, 1, 1, 5).expand(1, 3, 1, 5).contiguous()
    out = apply_shadows_highlights(img, shadows=1.0, highlights=-1.0)
    ratio = (out / img)[0, 0, 0]
    torch.testing.assert_close(ratio, torch.tensor([2.0, 2.0, 1.0, 0.5, 0.5]), atol=1e-4, rtol=0)
    # Chromaticity kept: every channel gets the same gain.
    col = torch.tensor([0.3, 0.1, 0.02]).reshape(1, 3, 1, 1)
    out = apply_shadows_highlights(col, shadows=1.5, shadow_pivot=0.0)
    torch.testing.assert_close(out / col, (out / col)[:, :1].expand(1, 3, 1, 1))
    # Tone curve never reverses, even at the extremes with overlapping ramps.
    ramp = torch.exp2(torch.linspace(-12, 12, 2001)) * 0.18
    grey = ramp.reshape(1, 1, 1, -1).expand(1, 3, 1, -1).contiguous()
    for s, h in ((4.0, -4.0), (-4.0, 4.0), (4.0, 4.0)):
        y = apply_shadows_highlights(grey, s, h, -0.5, 0.5, 0.1)[0, 0, 0]
        assert (y[1:] >= y[:-1] * (1 - 1e-6)).all(), (s, h)


def test_luminance_mattes_are_half_at_pivots() -> None:
    levels = torch.tensor([0.18 * 2.0 ** -2, 0.18 * 2.0 ** 3], dtype=torch.float64)
    luma_sum = sum(ACESCG_LUMA)
    img = (levels / luma_sum).reshape(1, 1, 1, 2).expand(1, 3, 1, 2)
    ms, mh = luminance_zone_mattes(img, -2.0, 3.0, 1.0, 1.0)
    assert float(ms[0, 0, 0, 0]) == pytest.approx(0.5)
    assert float(mh[0, 0, 0, 1]) == pytest.approx(0.5)


def test_pipeline_round_trip() -> None:
    p = Pipeline([make(n, strength=0.7) for n in OPS])
    back = Pipeline.from_json(p.to_json())
    assert back == p
    img = wide_image((1, 3, 4, 4))
    assert torch.equal(back.apply(img), p.apply(img))
