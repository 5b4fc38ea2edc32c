"""Vignette, Blur, Sharpen, FilmGrain, LensDistortion: the kornia set and colourist behaviour."""

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
    assert_strength_monotone,
    grad_param,
    operator_factory,
    random_image,
    special_values_image,
)

from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator, Pipeline
from workbench.ops.lens import (
    Blur,
    FilmGrain,
    LensDistortion,
    Sharpen,
    Vignette,
    apply_blur,
    apply_film_grain,
    apply_lens_distortion,
    apply_sharpen,
    apply_vignette,
    distort_points,
    film_grain_noise,
    invert_lens_distortion,
    undistort_points,
    vignette_gain,
)

SHAPES = [(1, 3, 4, 4), (2, 3, 5, 7), (1, 3, 1, 1), (2, 3, 9, 8)]
OPS: dict[str, dict[str, Any]] = {
    "Vignette": dict(amount=-1.5, centre_x=0.45, centre_y=0.55, roundness=0.4),
    "Blur": dict(sigma=1.3),
    "Sharpen": dict(amount=1.2, radius=0.9),
    "FilmGrain": dict(amount=0.1, size=0.8, seed=11, shadows=1.5, highlights=0.5, chroma=0.3),
    "LensDistortion": dict(k1=0.15, k2=-0.03, p1=0.004, p2=-0.006),
}
CLASSES: dict[str, type[Operator]] = {
    "Vignette": Vignette, "Blur": Blur, "Sharpen": Sharpen, "FilmGrain": FilmGrain,
    "LensDistortion": LensDistortion,
}
POINTWISE = {"Vignette"}  # the others spread Inf/NaN to their neighbours, as filters do


make = operator_factory(CLASSES, OPS)
# Values in [-0.5, 3]: negatives and over-range, as scene-linear data has.
wide_image = partial(random_image, scale=3.5, offset=-0.5)


def smooth_image(h: int = 64, w: int = 96, b: int = 1) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    base = 1.0 + 0.8 * torch.sin(xs / 7.0) * torch.cos(ys / 5.0)
    return torch.stack([base, base * 0.5 + 0.2, 2.0 - base]).expand(b, 3, h, w).contiguous()


# -- identity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_defaults_are_exact_identity(name: str) -> None:
    img = wide_image()
    assert torch.equal(CLASSES[name]().forward(img), img)


def test_functions_at_zero_are_exact_identity() -> None:
    img = wide_image()
    assert torch.equal(apply_vignette(img, 0.0), img)
    assert torch.equal(apply_blur(img, 0.0), img)
    assert torch.equal(apply_sharpen(img, 0.0, 2.0), img)
    assert torch.equal(apply_film_grain(img, 0.0, seed=5), img)
    assert torch.equal(apply_lens_distortion(img), img)
    assert torch.equal(invert_lens_distortion(img), img)


@pytest.mark.parametrize("name", list(OPS))
def test_strength_is_monotone(name: str) -> None:
    img = smooth_image(12, 14)
    assert_strength_monotone(make(name), make(name, strength=0.5), img)


# -- function equals class ---------------------------------------------------------------------

@pytest.mark.parametrize("strength", [1.0, 0.4])
def test_functions_equal_classes(strength: float) -> None:
    img = wide_image()
    s = strength
    v = OPS
    pairs: list[tuple[str, Callable[[], torch.Tensor]]] = [
        ("Vignette", lambda: apply_vignette(img, v["Vignette"]["amount"] * s, 0.45, 0.55, 0.4)),
        ("Blur", lambda: apply_blur(img, 1.3 * s)),
        ("Sharpen", lambda: apply_sharpen(img, 1.2 * s, 0.9)),
        ("FilmGrain", lambda: apply_film_grain(img, 0.1 * s, 0.8, 11, None, 1.5, 0.5, 0.3)),
        ("LensDistortion", lambda: apply_lens_distortion(img, 0.15 * s, -0.03 * s, 0.004 * s,
                                                         -0.006 * s)),
    ]
    for name, fn in pairs:
        assert torch.equal(make(name, strength=s).forward(img), fn()), name


# -- per-sample parameters -------------------------------------------------------------------

@pytest.mark.parametrize(("fn", "a", "b"), [
    (apply_vignette, -1.0, 0.7),
    (apply_blur, 0.5, 2.0),
    (lambda img, x: apply_sharpen(img, x, 1.0), 0.5, 2.0),
    (lambda img, x: apply_sharpen(img, 1.0, x), 0.5, 2.0),
    (lambda img, x: apply_film_grain(img, x, 1.0, seed=3), 0.05, 0.2),
    (lambda img, x: apply_film_grain(img, 0.1, x, seed=3), 0.0, 2.0),
    (apply_lens_distortion, 0.1, -0.2),
    (lambda img, x: invert_lens_distortion(img, 0.0, x), 0.1, -0.05),
])
def test_per_sample_parameters(fn: Callable[..., torch.Tensor], a: float, b: float) -> None:
    img = smooth_image(9, 11, b=2)
    out = fn(img, torch.tensor([a, b]))
    torch.testing.assert_close(out[:1], fn(img[:1], a), atol=1e-6, rtol=1e-6)
    assert not torch.allclose(out[1:], fn(img[1:], a), atol=1e-4)


def test_per_sample_second_image() -> None:
    # FilmGrain seeds by frame: the second image of a batch is frame 1.
    img = smooth_image(9, 11, b=2)
    out = apply_blur(img, torch.tensor([0.5, 2.0]))
    torch.testing.assert_close(out[1:], apply_blur(img[1:], 2.0), atol=1e-6, rtol=1e-6)
    out = apply_film_grain(img, torch.tensor([0.05, 0.2]), seed=3)
    torch.testing.assert_close(out[1:], apply_film_grain(img[1:], 0.2, seed=3, frames=1),
                               atol=1e-6, rtol=1e-6)
    out = apply_lens_distortion(img, torch.tensor([0.1, -0.2]))
    torch.testing.assert_close(out[1:], apply_lens_distortion(img[1:], -0.2), atol=1e-6,
                               rtol=1e-6)


# -- gradients ---------------------------------------------------------------------------------

_p = grad_param


def _img(h: int = 5, w: int = 6) -> torch.Tensor:
    return random_image((2, 3, h, w), 4, 2, 0.05, torch.float64, requires_grad=True)


def test_gradcheck_vignette_blur_sharpen() -> None:
    assert_gradcheck(apply_vignette, _img(), _p([-1.3, 0.8]), _p(0.45), _p([0.5, 0.6]), _p(0.3))
    assert_gradcheck(apply_blur, _img(), _p([0.7, 1.1]))
    assert_gradcheck(apply_sharpen, _img(), _p([0.9, 2.0]), _p(0.8))


def test_gradcheck_film_grain() -> None:
    def f(img: torch.Tensor, amount: torch.Tensor, size: torch.Tensor, sh: torch.Tensor,
          hi: torch.Tensor, chroma: torch.Tensor) -> torch.Tensor:
        return apply_film_grain(img, amount, size, 4, None, sh, hi, chroma)

    assert_gradcheck(f, _img(), _p([0.1, 0.2]), _p(0.9), _p(1.4), _p(0.6), _p(0.3))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_gradcheck_lens_distortion(interpolation: str) -> None:
    def fwd(img: torch.Tensor, k1: torch.Tensor, p2: torch.Tensor) -> torch.Tensor:
        return apply_lens_distortion(img, k1, 0.02, 0.003, p2, interpolation)

    def inv(img: torch.Tensor, k1: torch.Tensor, p2: torch.Tensor) -> torch.Tensor:
        return invert_lens_distortion(img, k1, 0.02, 0.003, p2, interpolation)

    args = (_img(), _p([0.13, -0.11]), _p(0.004))
    assert_gradcheck(fwd, *args)
    assert_gradcheck(inv, *args)


# -- special values and bad input ------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_no_crash_on_special_values(name: str) -> None:
    img = special_values_image()
    out = make(name).forward(img)
    assert out.shape == img.shape
    if name in POINTWISE:
        assert torch.isfinite(out[..., :3]).all()
        assert torch.isnan(out[..., 4]).all()
    # Spatial filters: a finite neighbourhood stays finite.
    clean = wide_image((1, 3, 15, 21))
    clean[..., 7, 10] = math.nan
    out = make(name).forward(clean)
    assert out.shape == clean.shape and torch.isfinite(out[..., 0, 0]).all()


@pytest.mark.parametrize(("cls", "kwargs", "named"), [
    (Vignette, dict(amount=-4.5), "Vignette.amount"),
    (Vignette, dict(roundness=1.5), "Vignette.roundness"),
    (Blur, dict(sigma=-1.0), "Blur.sigma"),
    (Blur, dict(sigma=math.nan), "Blur.sigma"),
    (Sharpen, dict(amount=-0.1), "Sharpen.amount"),
    (Sharpen, dict(radius=-1.0), "Sharpen.radius"),
    (FilmGrain, dict(amount=-0.1), "FilmGrain.amount"),
    (FilmGrain, dict(seed=-1), "FilmGrain.seed"),
    (FilmGrain, dict(seed=2.5), "FilmGrain.seed"),
    (LensDistortion, dict(k1=1.5), "LensDistortion.k1"),
    (LensDistortion, dict(p2=math.inf), "LensDistortion.p2"),
    (LensDistortion, dict(interpolation="nearest"), "LensDistortion.interpolation"),
])
def test_out_of_bounds_parameter_raises(cls: type[Operator], kwargs: dict[str, Any],
                                        named: str) -> None:
    assert_parameter_raises(cls, kwargs, named)


def test_function_bad_values_raise() -> None:
    img = wide_image()
    with pytest.raises(ParameterError, match=r"Blur\.sigma"):
        apply_blur(img, torch.tensor([1.0, -1.0]))
    with pytest.raises(ShapeError, match=r"Blur\.sigma"):
        apply_blur(img, torch.tensor([1.0, 1.0, 1.0]))
    with pytest.raises(ParameterError, match=r"Sharpen\.amount"):
        apply_sharpen(img, -1.0)
    with pytest.raises(ParameterError, match=r"Vignette\.roundness"):
        apply_vignette(img, 1.0, roundness=2.0)
    with pytest.raises(ParameterError, match=r"FilmGrain\.seed"):
        apply_film_grain(img, 0.1, seed=-3)
    with pytest.raises(ParameterError, match=r"FilmGrain\.chroma"):
        apply_film_grain(img, 0.1, chroma=2.0)
    with pytest.raises(ShapeError, match=r"FilmGrain\.frames"):
        apply_film_grain(img, 0.1, frames=[1, 2, 3])
    with pytest.raises(ParameterError, match=r"LensDistortion\.k2"):
        apply_lens_distortion(img, k2=math.nan)
    with pytest.raises(ParameterError, match=r"LensDistortion\.interpolation.*bicubic"):
        apply_lens_distortion(img, 0.1, interpolation="nearest")
    with pytest.raises(ParameterError, match=r"iterations"):
        invert_lens_distortion(img, 0.1, iterations=0)
    for fn in (apply_blur, apply_vignette, apply_sharpen, apply_film_grain,
               apply_lens_distortion, invert_lens_distortion):
        with pytest.raises(ShapeError, match=fn.__name__):
            fn(torch.zeros(3, 4, 4), 0.1)


# -- inverses --------------------------------------------------------------------------------

def test_vignette_inverse() -> None:
    img = wide_image()
    there = apply_vignette(img, -2.0, 0.4, 0.6, 0.5)
    assert not torch.allclose(there, img, atol=1e-2)
    torch.testing.assert_close(apply_vignette(there, 2.0, 0.4, 0.6, 0.5), img)
    # In a pipeline, the pair is the identity.
    pair = Pipeline([Vignette(amount=-1.0), Vignette(amount=1.0)])
    torch.testing.assert_close(pair.apply(img), img)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_lens_distortion_round_trip(interpolation: str) -> None:
    img = smooth_image()
    k = (0.12, 0.03, 0.004, -0.003)
    there = apply_lens_distortion(img, *k, interpolation=interpolation)
    assert (there - img).abs().max() > 0.3  # it really moves the picture
    back = invert_lens_distortion(there, *k, interpolation=interpolation)
    tol = 0.02 if interpolation == "bilinear" else 0.01
    inner = (back - img)[..., 8:-8, 8:-8].abs()
    assert inner.max() < tol, float(inner.max())
    # Undistort then distort works as well.
    back2 = apply_lens_distortion(invert_lens_distortion(img, *k, interpolation=interpolation),
                                  *k, interpolation=interpolation)
    assert (back2 - img)[..., 8:-8, 8:-8].abs().max() < tol


def test_undistort_points_inverts_distort_points() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(500, generator=g, dtype=torch.float64) * 1.4 - 0.7
    y = torch.rand(500, generator=g, dtype=torch.float64) * 1.4 - 0.7
    k = (-0.2, 0.05, 0.01, -0.01)
    xd, yd = distort_points(x, y, *k)
    xu, yu = undistort_points(xd, yd, *k, iterations=20)
    torch.testing.assert_close(xu, x, atol=1e-6, rtol=0)
    torch.testing.assert_close(yu, y, atol=1e-6, rtol=0)


# -- behaviour ------------------------------------------------------------------------------

def test_vignette_gain_centre_and_corners() -> None:
    img = torch.ones(1, 3, 101, 151, dtype=torch.float64)
    gain = vignette_gain(img, -2.0)[0, 0]
    assert float(gain[50, 75]) == pytest.approx(1.0, abs=1e-4)
    for corner in (gain[0, 0], gain[0, -1], gain[-1, 0], gain[-1, -1]):
        assert float(corner) == pytest.approx(0.25, rel=0.02)  # cos⁴ at 45°: -2 stops
    # Roundness 1 is circular: equal gain at equal pixel distance across and down.
    round_gain = vignette_gain(img, -1.0, roundness=1.0)[0, 0]
    assert float(round_gain[50, 75 + 40]) == pytest.approx(float(round_gain[50 + 40, 75]))
    # Falloff is monotone from the centre.
    row = gain[50, 75:]
    assert (row[1:] <= row[:-1]).all()


def test_blur_preserves_constant_mean_and_highlights() -> None:
    const = torch.full((2, 3, 7, 9), 4.25)
    assert torch.equal(apply_blur(const, 3.0), const)
    assert torch.equal(Blur(sigma=25.0).forward(const), const)
    img = torch.zeros(1, 3, 31, 31)
    img[..., 15, 15] = 1000.0  # a specular
    out = apply_blur(img, 1.5)
    assert float(out[..., 15, 15].min()) > 1.0
    assert float(out.sum()) == pytest.approx(3000.0, rel=1e-5)  # energy kept away from edges
    assert (out >= 0).all()
    # Edge pixels are replicated: a ramp's ends are not pulled toward black.
    ramp = torch.linspace(1.0, 3.0, 9).reshape(1, 1, 1, 9).expand(1, 3, 5, 9).contiguous()
    blurred = apply_blur(ramp, 2.0)
    assert float(blurred[0, 0, 2, 0]) > 1.0 and float(blurred[0, 0, 2, -1]) < 3.0
    assert float(blurred[0, 0, 2, 0]) > 0.9 * float(ramp[0, 0, 2, 0])


def test_sharpen_overshoot_is_not_clamped() -> None:
    edge = torch.tensor([0.0] * 5 + [2.0] * 5).reshape(1, 1, 1, 10).expand(1, 3, 3, 10)
    out = apply_sharpen(edge.contiguous(), 1.5, 1.0)
    assert float(out.min()) < 0.0 and float(out.max()) > 2.0
    const = torch.full((1, 3, 6, 6), 7.0)
    assert torch.equal(Sharpen(amount=2.0, radius=2.0).forward(const), const)
    # Detail (a single bright pixel) is raised above its surround, nothing else moves.
    dot = torch.full((1, 3, 9, 9), 0.5)
    dot[..., 4, 4] = 1.0
    out = apply_sharpen(dot, 1.0, 1.0)
    assert float(out[0, 0, 4, 4]) > 1.0 and float(out[0, 0, 4, 3]) < 0.5
    assert torch.equal(out[..., 0, 0], dot[..., 0, 0])


def test_film_grain_is_repeatable_per_seed_and_frame() -> None:
    img = torch.full((2, 3, 32, 32), 0.18)
    a = apply_film_grain(img, 0.1, 1.0, seed=42)
    assert torch.equal(a, apply_film_grain(img, 0.1, 1.0, seed=42))
    assert not torch.allclose(a, apply_film_grain(img, 0.1, 1.0, seed=43), atol=1e-3)
    assert not torch.allclose(a[0], a[1], atol=1e-3)  # two frames, two grains
    # The operator repeats too, and takes frame indices.
    op = FilmGrain(amount=0.1, seed=42)
    assert torch.equal(op.forward(img), op.forward(img))
    f = op.forward(img, frames=[7, 8])
    assert torch.equal(f[1:], op.forward(img[1:], frames=[8]))
    assert torch.equal(f, op.forward(img, frames=7))
    assert not torch.allclose(f, op.forward(img), atol=1e-3)
    # Grain does not depend on dtype or on what else is in the batch.
    torch.testing.assert_close(apply_film_grain(img.double(), 0.1, seed=42).float(),
                               apply_film_grain(img, 0.1, seed=42), atol=1e-6, rtol=1e-5)


def test_film_grain_mean_zero_and_scales_with_luminance() -> None:
    img = torch.full((1, 3, 256, 256), 0.18)
    grain = apply_film_grain(img, 0.1, 1.0, seed=9) - img
    std = float(grain.std())
    assert std == pytest.approx(0.1 * 0.18, rel=0.1)
    assert abs(float(grain.mean())) < 0.05 * std
    n = film_grain_noise(img, 1.0, 9)
    assert float(n.std()) == pytest.approx(1.0, rel=0.1)
    # Brighter pixels get proportionally more grain (constant in stops); black gets none.
    bright = apply_film_grain(img * 8, 0.1, 1.0, seed=9) - img * 8
    torch.testing.assert_close(bright, grain * 8, atol=1e-5, rtol=1e-4)
    black = torch.zeros(1, 3, 8, 8)
    assert torch.equal(apply_film_grain(black, 0.5, seed=1), black)
    # Shadow and highlight weights.
    dark = torch.full((1, 3, 64, 64), 0.18 * 2 ** -8)
    g1 = apply_film_grain(dark, 0.1, seed=2) - dark
    g2 = apply_film_grain(dark, 0.1, seed=2, shadows=2.0) - dark
    torch.testing.assert_close(g2, 2 * g1, atol=1e-9, rtol=1e-3)
    # Monochrome grain is the same in every channel; colour grain is not.
    mono = film_grain_noise(img[..., :16, :16], 1.0, 3)
    assert torch.equal(mono[:, 0], mono[:, 1])
    colour = film_grain_noise(img[..., :16, :16], 1.0, 3, chroma=1.0)
    assert not torch.allclose(colour[:, 0], colour[:, 1])


def test_film_grain_seed_round_trips_through_json() -> None:
    op = FilmGrain(amount=0.05, seed=1234)
    back = Pipeline.from_json(Pipeline([op]).to_json())
    (restored,) = back.operators
    assert isinstance(restored, FilmGrain) and restored.seed == 1234 and restored == op


def test_lens_distortion_barrel_draws_picture_inward() -> None:
    # A bright ring near the corner moves toward the centre with k1 > 0.
    h, w = 41, 61
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    img = ((xs == 50) | (ys == 35)).float().expand(1, 3, h, w).contiguous()
    out = apply_lens_distortion(img, k1=0.3, interpolation="bilinear")
    col = out[0, 0, 20]
    assert int(col.argmax()) < 50  # the vertical line comes in toward x = 30
    # Centre pixel stays where it is.
    dot = torch.zeros(1, 3, h, w)
    dot[..., 20, 30] = 1.0
    assert float(apply_lens_distortion(dot, k1=0.3)[0, 0, 20, 30]) == pytest.approx(1.0, abs=1e-3)


def test_pipeline_round_trip() -> None:
    p = Pipeline([make(n, strength=0.7) for n in OPS])
    back = Pipeline.from_json(p.to_json())
    assert back == p
    img = wide_image((1, 3, 6, 6))
    assert torch.equal(back.apply(img), p.apply(img))
