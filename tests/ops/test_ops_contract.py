"""The operator contract, once, for every registered operator (the kornia set of STYLE.md).

Parametrised over :data:`workbench.ops.OPERATORS`, so an operator registered tomorrow is
checked without a line here, and :func:`test_every_registered_operator_has_an_example` fails
until it gets one in :data:`EXAMPLES`. What only one operator promises stays in its own file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import param
import pytest
import torch
from opchecks import (
    BAD_IMAGES_5D,
    SHAPES,
    assert_bad_image_raises,
    assert_identity_at_zero_strength,
    assert_parameters_declared,
    assert_smoke,
    assert_unknown_parameter_raises,
    random_image,
    special_values_image,
)

from workbench.color import convert
from workbench.errors import ParameterError
from workbench.interchange.bake import bake_cube, check_bakeable
from workbench.interchange.cube import read_cube
from workbench.ops import (
    OPERATORS,
    Operator,
    Pipeline,
    apply_blur,
    apply_cdl,
    apply_contrast,
    apply_cube,
    apply_curves,
    apply_exposure,
    apply_film_grain,
    apply_hue_vs_hue,
    apply_hue_vs_sat,
    apply_lens_distortion,
    apply_lift_gamma_gain,
    apply_lum_vs_sat,
    apply_matrix,
    apply_relight,
    apply_saturation,
    apply_shadows_highlights,
    apply_sharpen,
    apply_vibrance,
    apply_vignette,
    apply_white_balance,
    invert_lens_distortion,
    invert_lift_gamma_gain,
    invert_matrix_operator,
)

NAMES = sorted(OPERATORS)

CUBE_1D = "LUT_1D_SIZE 3\n0 0 0\n0.7 0.6 0.5\n1 1 1\n"
CUBE_3D = "LUT_3D_SIZE 2\n" + "".join(  # a warm, slightly desaturating cube
    f"{0.1 + 0.9 * r:g} {0.05 + 0.8 * g:g} {0.7 * b:g}\n"
    for b in (0, 1) for g in (0, 1) for r in (0, 1)
)

# A non-trivial setting of every registered operator; "{cube1d}"/"{cube3d}" name test files.
EXAMPLES: dict[str, dict[str, Any]] = {
    "Blur": dict(sigma=1.3),
    "CDL": dict(slope_r=1.2, slope_g=0.9, slope_b=1.1, offset_r=-0.05, offset_g=0.02,
                offset_b=0.01, power_r=0.8, power_g=1.3, power_b=1.1, saturation=1.3),
    "Contrast": dict(contrast=1.4, pivot=0.4),
    "Curves": dict(r_3=0.8, g_1=0.3, b_2=0.45, luma_3=0.8),
    "Exposure": dict(stops=1.5),
    "FilmGrain": dict(amount=0.1, size=0.8, seed=11, shadows=1.5, highlights=0.5, chroma=0.3),
    "HueVsHue": dict(red=20.0, green=-15.0, blue=10.0),
    "HueVsSat": dict(red=1.5, cyan=0.5, magenta=1.3),
    "LUT1D": dict(path="{cube1d}"),
    "LUT3D": dict(path="{cube3d}"),
    "LensDistortion": dict(k1=0.15, k2=-0.03, p1=0.004, p2=-0.006),
    "LiftGammaGain": dict(lift=0.05, gamma=1.2, gain=1.1, lift_r=0.02, gamma_b=0.9, gain_g=1.05),
    "LumVsSat": dict(sat_0=0.5, sat_2=1.4, sat_4=0.7),
    "Matrix3x3": dict(m00=1.1, m01=0.1, m10=-0.05, m12=0.08, m21=0.1, m22=0.9),
    "Relight": dict(centre_x=0.4, centre_y=0.6, radius=0.2, falloff=0.3, stops=0.7),
    "Saturation": dict(saturation=1.6),
    "ShadowsHighlights": dict(shadows=0.8, highlights=-0.6, shadow_pivot=-1.0,
                              highlight_pivot=0.5, softness=1.5),
    "Sharpen": dict(amount=1.2, radius=0.9),
    "Vibrance": dict(amount=0.6, skin_protection=0.5),
    "Vignette": dict(amount=-1.5, centre_x=0.45, centre_y=0.55, roundness=0.4),
    "WhiteBalance": dict(source_kelvin=3200.0, target_kelvin=6500.0, tint=4.0),
}

# The pure function each class calls, from the class's own parameters, at strength 1.
Fn = Callable[[torch.Tensor, Any], torch.Tensor]
FUNCTIONS: dict[str, Fn] = {
    "Blur": lambda x, op: apply_blur(x, op.sigma),
    "CDL": lambda x, op: apply_cdl(x, *_cdl_args(op)),
    "Contrast": lambda x, op: apply_contrast(x, op.contrast, op.pivot),
    "Curves": lambda x, op: apply_curves(x, **op.points()),
    "Exposure": lambda x, op: apply_exposure(x, op.stops),
    "FilmGrain": lambda x, op: apply_film_grain(x, op.amount, op.size, op.seed, None, op.shadows,
                                                op.highlights, op.chroma),
    "HueVsHue": lambda x, op: apply_hue_vs_hue(x, op.values()),
    "HueVsSat": lambda x, op: apply_hue_vs_sat(x, op.values()),
    "LUT1D": lambda x, op: apply_cube(x, read_cube(op.path)),
    "LUT3D": lambda x, op: apply_cube(x, read_cube(op.path)),
    "LensDistortion": lambda x, op: apply_lens_distortion(x, op.k1, op.k2, op.p1, op.p2),
    "LiftGammaGain": lambda x, op: apply_lift_gamma_gain(x, *op.effective_values()),
    "LumVsSat": lambda x, op: apply_lum_vs_sat(x, op.values()),
    "Matrix3x3": lambda x, op: apply_matrix(x, op.effective_matrix()),
    "Relight": lambda x, op: apply_relight(x, op.stops, op.centre_x, op.centre_y, op.radius,
                                           op.falloff),
    "Saturation": lambda x, op: apply_saturation(x, op.saturation),
    "ShadowsHighlights": lambda x, op: apply_shadows_highlights(
        x, op.shadows, op.highlights, op.shadow_pivot, op.highlight_pivot, op.softness),
    "Sharpen": lambda x, op: apply_sharpen(x, op.amount, op.radius),
    "Vibrance": lambda x, op: apply_vibrance(x, op.amount, op.skin_protection),
    "Vignette": lambda x, op: apply_vignette(x, op.amount, op.centre_x, op.centre_y,
                                             op.roundness),
    "WhiteBalance": lambda x, op: apply_white_balance(x, _white_balance_matrix(op)),
}

# Where the maths has an inverse: (undo(graded, op), atol) on a unit-range image away from the
# frame border (resampling loses the border).
INVERSES: dict[str, tuple[Fn, float]] = {
    "Exposure": (lambda y, op: apply_exposure(y, -op.stops), 1e-6),
    "Vignette": (lambda y, op: apply_vignette(y, -op.amount, op.centre_x, op.centre_y,
                                              op.roundness), 1e-6),
    "Matrix3x3": (lambda y, op: invert_matrix_operator(op).forward(y), 1e-5),
    "LiftGammaGain": (lambda y, op: invert_lift_gamma_gain(y, *op.effective_values()), 1e-5),
    "Contrast": (lambda y, op: apply_contrast(y, 1.0 / op.contrast, op.pivot), 1e-5),
    "LensDistortion": (lambda y, op: invert_lens_distortion(y, op.k1, op.k2, op.p1, op.p2),
                       0.02),
}


def _cdl_args(op: Any) -> tuple[Any, ...]:
    v = op.values()
    return v.slope, v.offset, v.power, v.saturation


def _white_balance_matrix(op: Any) -> torch.Tensor:
    from workbench.ops import white_balance_matrix

    return white_balance_matrix(op.source_kelvin, op.target_kelvin, op.tint, 0.0)


@pytest.fixture(scope="module")
def cubes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A 1D and a 3D ``.cube`` (Resolve/Adobe text format) for the operators that take a file."""
    root = tmp_path_factory.mktemp("contract_cubes")
    (root / "curve.cube").write_text(CUBE_1D)
    (root / "look.cube").write_text(CUBE_3D)
    return {"cube1d": str(root / "curve.cube"), "cube3d": str(root / "look.cube")}


@pytest.fixture
def example(request: pytest.FixtureRequest, cubes: dict[str, str]) -> Callable[..., Operator]:
    """``example(name, **extra)``: the registered operator ``name`` at its example setting."""
    def make(name: str, **extra: Any) -> Operator:
        settings = {k: v.format(**cubes) if isinstance(v, str) else v
                    for k, v in EXAMPLES[name].items()}
        if "path" in settings:  # a LUT operator carries its table, read once from the file
            settings["lut"] = read_cube(settings["path"])
        return OPERATORS[name](**{**settings, **extra})

    return make


wide_image = partial(random_image, scale=3.5, offset=-0.5)  # negatives and over-range


def test_every_registered_operator_has_an_example() -> None:
    assert set(OPERATORS) == set(EXAMPLES) == set(FUNCTIONS), (
        "register an example and a function for: "
        f"{sorted(set(OPERATORS) ^ set(EXAMPLES)) or sorted(set(OPERATORS) ^ set(FUNCTIONS))}")


@pytest.mark.parametrize("name", NAMES)
def test_smoke(name: str, example: Callable[..., Operator]) -> None:
    assert OPERATORS[name].__name__ == name
    assert_smoke(example(name), random_image((1, 3, 9, 8), scale=0.8, offset=0.1), name)


@pytest.mark.parametrize("name", NAMES)
def test_parameters_declare_themselves(name: str) -> None:
    cls = OPERATORS[name]
    strings = [n for n in cls.parameter_names() if isinstance(cls.param[n], param.String)]
    assert_parameters_declared(cls, skip=strings)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [*SHAPES, (2, 3, 9, 8)])
def test_output_shape_and_dtype(name: str, shape: tuple[int, ...],
                                example: Callable[..., Operator]) -> None:
    op, img = example(name), wide_image(shape)
    out = op.forward(img)
    assert out.shape == img.shape and out.dtype == torch.float32
    assert op.forward(img.double()).dtype == torch.float64


@pytest.mark.parametrize("name", NAMES)
def test_strength_zero_is_bit_exact_identity(name: str, example: Callable[..., Operator]
                                             ) -> None:
    op = example(name, strength=0.0)
    assert_identity_at_zero_strength(op, wide_image((2, 3, 5, 7)), op.space)


@pytest.mark.parametrize("name", NAMES)
def test_function_equals_class(name: str, example: Callable[..., Operator]) -> None:
    op, img = example(name), wide_image((2, 3, 9, 8))
    torch.testing.assert_close(op.forward(img), FUNCTIONS[name](img, op), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_float64(name: str, example: Callable[..., Operator]) -> None:
    """d(out)/d(img) in float64 where the operator is differentiable in the image."""
    op = example(name)
    img = random_image((1, 3, 4, 5), seed=3, scale=0.9, offset=0.05, dtype=torch.float64,
                       requires_grad=True)
    assert torch.autograd.gradcheck(op.forward, (img,))


@pytest.mark.parametrize("name", NAMES)
def test_no_crash_on_special_values(name: str, example: Callable[..., Operator]) -> None:
    """[-1, 0, 1, inf, nan]: the shape is kept; a pixel-wise operator keeps finite pixels finite;
    a spatial one keeps a NaN to its neighbourhood."""
    op, img = example(name), special_values_image()
    out = op.forward(img)
    assert out.shape == img.shape
    if op.per_pixel:
        assert torch.isfinite(out[..., :3]).all(), out
    clean = wide_image((1, 3, 15, 21))
    clean[..., 7, 10] = math.nan
    out = op.forward(clean)
    assert torch.isfinite(out[..., 0, 0]).all() and torch.isfinite(out[..., -1, -1]).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", BAD_IMAGES_5D)
def test_bad_image_raises(name: str, bad: torch.Tensor, example: Callable[..., Operator]
                          ) -> None:
    assert_bad_image_raises(example(name), bad, name)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_raises(name: str) -> None:
    assert_unknown_parameter_raises(OPERATORS[name])


@pytest.mark.parametrize("name", sorted(INVERSES))
def test_forward_then_inverse(name: str, example: Callable[..., Operator]) -> None:
    undo, atol = INVERSES[name]
    op = example(name)
    # Smooth (upsampled) so that resampling does not blur it away.
    img = torch.nn.functional.interpolate(random_image((1, 3, 4, 5), seed=5, scale=0.9,
                                                       offset=0.05), size=(32, 40),
                                          mode="bilinear", align_corners=False)
    graded = op.forward(img)
    assert not torch.allclose(graded, img, atol=1e-3)
    back = undo(graded, op)
    torch.testing.assert_close(back[..., 6:-6, 6:-6], img[..., 6:-6, 6:-6], atol=atol, rtol=0)


# -- per_pixel: one rule for the baked preview and the LUT bake ------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_per_pixel_decides_bakeability(name: str, example: Callable[..., Operator]) -> None:
    op = example(name)
    if op.per_pixel:
        check_bakeable(Pipeline([op]))
    else:
        with pytest.raises(ParameterError, match=rf"operator 0 \({name}\)"):
            check_bakeable(Pipeline([op]))


@pytest.mark.parametrize("name", [n for n in NAMES if OPERATORS[n].per_pixel])
def test_per_pixel_operators_commute_with_moving_pixels(
    name: str, example: Callable[..., Operator],
) -> None:
    """A class that says ``per_pixel`` must not look at position or neighbours."""
    op, img = example(name), wide_image((1, 3, 6, 7))
    perm = torch.randperm(42, generator=torch.Generator().manual_seed(0))
    shuffled = img.reshape(1, 3, 42)[..., perm].reshape(1, 3, 6, 7)
    moved = op.forward(img).reshape(1, 3, 42)[..., perm].reshape(1, 3, 6, 7)
    torch.testing.assert_close(op.forward(shuffled), moved, atol=1e-6, rtol=1e-6)


class _Gain(Operator):
    """A per-pixel operator the workbench has never heard of (not in any list)."""

    per_pixel = True
    gain = param.Number(2.0, bounds=(0.0, 8.0), softbounds=(0.0, 4.0), step=0.1, label="Gain",
                        doc="Multiplier in linear light.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return img * (1.0 + self.strength * (self.gain - 1.0))


def test_a_new_per_pixel_operator_bakes_without_being_listed() -> None:
    """Bakeability is the class's ``per_pixel``, not a list of names kept elsewhere."""
    lut = bake_cube(Pipeline([_Gain(gain=2.0)]), 33, input_space="ACEScct")
    x = torch.tensor([[0.1, 0.3, 0.5], [0.6, 0.45, 0.2]]).reshape(1, 3, 1, 2)
    expected = convert(convert(x, "ACEScct", "ACEScg") * 2.0, "ACEScg", "ACEScct")
    torch.testing.assert_close(apply_cube(x, lut), expected, atol=2e-3, rtol=0)
