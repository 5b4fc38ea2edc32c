"""Mattes: every registered operator (and the pipeline) grades only where the matte says."""

from __future__ import annotations

import math
from functools import partial

import param
import pytest
import torch
from opchecks import bits, random_image, special_values_image

from workbench.errors import ParameterError, ShapeError
from workbench.interchange.lut_files import lut_operator
from workbench.ops import OPERATORS  # registers the core operators
from workbench.ops.base import Operator, Pipeline, blend_matte
from workbench.ops.cdl import CDL
from workbench.ops.contrast import Contrast
from workbench.ops.exposure import Exposure
from workbench.ops.lift_gamma_gain import LiftGammaGain
from workbench.ops.matrix import Matrix3x3
from workbench.ops.saturation import Saturation
from workbench.ops.vibrance import Vibrance

NAMES = sorted(OPERATORS)


CUBE_1D = "LUT_1D_SIZE 3\n0 0 0\n0.7 0.6 0.5\n1 1 1\n"
CUBE_3D = "LUT_3D_SIZE 2\n" + "".join(  # a warm, slightly desaturating cube
    f"{0.1 + 0.9 * r:g} {0.05 + 0.8 * g:g} {0.7 * b:g}\n"
    for b in (0, 1) for g in (0, 1) for r in (0, 1)
)


@pytest.fixture(scope="module")
def cubes(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A 1D and a 3D ``.cube`` (Resolve/Adobe text format) for operators that take a file."""
    root = tmp_path_factory.mktemp("cubes")
    (root / "curve.cube").write_text(CUBE_1D)
    (root / "look.cube").write_text(CUBE_3D)
    return [str(root / "curve.cube"), str(root / "look.cube")]


def nontrivial(cls: type[Operator], cubes: list[str]) -> Operator:
    """The operator with every number moved 30 % of the way toward its soft upper end.

    An operator with a ``path`` parameter gets whichever of ``cubes`` it accepts; one that
    cannot be built from numbers and a LUT file is skipped, saying why.
    """
    values: dict[str, object] = {}
    for name in cls.parameter_names():
        p = cls.param[name]
        if name == "strength" or not isinstance(p, param.Number):
            continue
        lo, hi = p.softbounds or p.bounds or (None, None)
        d = float(p.default)
        if hi is not None and hi > d:
            values[name] = d + 0.3 * (hi - d)
        elif lo is not None and lo < d:
            values[name] = d - 0.3 * (d - lo)
    error: ParameterError | None = None
    for path in cubes if "path" in cls.param else [None]:
        try:
            op = lut_operator(path, cls, **values) if path else cls(**values)
            op.forward(torch.full((1, 3, 1, 1), 0.2))
            return op
        except ParameterError as exc:
            error = exc
    # A registered operator the matte tests cannot build is a gap in these tests, not a pass.
    pytest.fail(f"{cls.__name__} cannot be built from numbers and a .cube: {error}")


wide_image = partial(random_image, scale=1.5, offset=-0.1)


def ramp_matte(shape: tuple[int, ...] = (2, 1, 5, 6)) -> torch.Tensor:
    """0 in the first column, 1 in the last, a soft edge between."""
    w = shape[-1]
    return torch.linspace(0.0, 1.0, w).reshape(1, 1, 1, w).expand(shape).contiguous()


def test_core_and_primary_operators_are_registered() -> None:
    for cls in (CDL, Contrast, Exposure, LiftGammaGain, Matrix3x3, Saturation, Vibrance):
        assert OPERATORS[cls.__name__] is cls
    assert "WhiteBalance" in NAMES


# -- every registered operator --------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_zero_matte_is_bit_exact_identity(name: str, cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    img = wide_image()
    assert not torch.allclose(op.forward(img), img, atol=1e-4)  # the setting does something
    out = op.forward(img, torch.zeros(2, 1, 5, 6))
    assert torch.equal(out, img) and out is not img


@pytest.mark.parametrize("name", NAMES)
def test_zero_matte_is_exact_on_special_values(name: str, cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    img = special_values_image()
    assert torch.equal(bits(op.forward(img, torch.zeros(1, 1, 1, 5))), bits(img))


@pytest.mark.parametrize("name", NAMES)
def test_ones_matte_equals_no_matte(name: str, cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    img = wide_image()
    assert torch.equal(op.forward(img, torch.ones(2, 1, 5, 6)), op.forward(img))


@pytest.mark.parametrize("name", NAMES)
def test_half_matte_is_midpoint(name: str, cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    img = wide_image()
    full = op.forward(img)
    torch.testing.assert_close(op.forward(img, torch.full((2, 1, 5, 6), 0.5)),
                               (img + full) / 2, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_soft_matte_blends_per_pixel(name: str, cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    img = wide_image()
    matte = ramp_matte()
    full = op.forward(img)
    out = op.forward(img, matte)
    torch.testing.assert_close(out, img + matte * (full - img), atol=1e-6, rtol=1e-6)
    assert torch.equal(out[..., 0], img[..., 0])
    assert torch.equal(out[..., -1], full[..., -1])
    # A (1, 1, H, W) matte is shared by the batch.
    assert torch.equal(op.forward(img, matte[:1]), out)


@pytest.mark.parametrize("name", NAMES)
def test_matte_with_strength_zero_is_identity(name: str, cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    op.strength = 0.0
    img = wide_image()
    assert torch.equal(op.forward(img, ramp_matte()), img)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("matte", "what"), [
    (torch.zeros(2, 3, 5, 6), r"\(2,1,5,6\)"),
    (torch.zeros(2, 1, 5, 7), r"\(2,1,5,6\)"),
    (torch.zeros(3, 1, 5, 6), r"\(2,1,5,6\)"),
    (torch.zeros(5, 6), r"\(2,1,5,6\)"),
    (torch.zeros(2, 1, 5, 6, dtype=torch.uint8), "float"),
    (torch.full((2, 1, 5, 6), 1.5), r"\[0, 1\]"),
    (torch.full((2, 1, 5, 6), -0.1), r"\[0, 1\]"),
    (torch.full((2, 1, 5, 6), math.nan), "NaN"),
])
def test_wrong_matte_raises_naming_operator(name: str, matte: torch.Tensor, what: str,
                                            cubes: list[str]) -> None:
    op = nontrivial(OPERATORS[name], cubes)
    with pytest.raises(ShapeError, match=rf"{name} matte: .*{what}"):
        op.forward(wide_image(), matte)


def test_matte_not_a_tensor_raises() -> None:
    with pytest.raises(ShapeError, match=r"Exposure matte: expected a torch\.Tensor"):
        Exposure(stops=1.0).forward(wide_image(), [[0.5]])  # type: ignore[arg-type]


# -- through the pipeline -------------------------------------------------------------------

def grade() -> Pipeline:
    return Pipeline([Exposure(stops=0.5), CDL(slope_r=1.2, offset_b=0.02, saturation=1.2),
                     Contrast(contrast=1.3), Saturation(saturation=1.4)])


def test_pipeline_zero_matte_is_bit_exact_across_space_changes() -> None:
    img = wide_image()
    matte = ramp_matte()
    out = grade().apply(img, "ACEScg", matte)
    # The ACEScg -> ACEScct -> ACEScg round trip is not exact, but unmatted pixels are.
    assert torch.equal(out[..., 0], img[..., 0])
    assert torch.equal(grade().apply(img, "ACEScg", torch.zeros(2, 1, 5, 6)), img)


def test_pipeline_ones_matte_equals_no_matte() -> None:
    img = wide_image()
    assert torch.equal(grade().apply(img, "ACEScg", torch.ones(2, 1, 5, 6)), grade().apply(img))


def test_pipeline_matte_is_applied_to_each_operator() -> None:
    img = wide_image()
    matte = ramp_matte()
    p = Pipeline([Exposure(stops=1.0), Saturation(saturation=0.3)])
    expected = Saturation(saturation=0.3).forward(Exposure(stops=1.0).forward(img, matte), matte)
    torch.testing.assert_close(p.apply(img, "ACEScg", matte), expected, atol=0, rtol=0)


def test_operator_apply_takes_a_matte() -> None:
    img = wide_image()
    op = Contrast(contrast=1.5)
    half = op.apply(img, "ACEScg", torch.full((2, 1, 5, 6), 0.5))
    # Blended in ACEScct, the operator's space: not the linear midpoint, but between.
    lo, hi = torch.minimum(img, op.apply(img)), torch.maximum(img, op.apply(img))
    assert ((half >= lo - 1e-5) & (half <= hi + 1e-5)).all()
    assert torch.equal(op.apply(img, "ACEScg", torch.zeros(2, 1, 5, 6)), img)


def test_pipeline_wrong_matte_raises() -> None:
    with pytest.raises(ShapeError, match=r"pipeline matte"):
        grade().apply(wide_image(), "ACEScg", torch.zeros(2, 1, 4, 6))
    with pytest.raises(ShapeError, match=r"pipeline matte"):
        Pipeline().apply(wide_image(), "ACEScg", torch.zeros(2, 1, 4, 6))


def test_matte_gradient() -> None:
    g = torch.Generator().manual_seed(2)
    img = torch.rand((1, 3, 3, 3), generator=g, dtype=torch.float64)
    graded = torch.rand((1, 3, 3, 3), generator=g, dtype=torch.float64)
    matte = (torch.rand((1, 1, 3, 3), generator=g, dtype=torch.float64) * 0.8 + 0.1)
    assert torch.autograd.gradcheck(
        blend_matte, (img.requires_grad_(), graded.requires_grad_(), matte.requires_grad_())
    )


def test_float64_image_with_float32_matte() -> None:
    img = wide_image().double()
    out = Exposure(stops=1.0).forward(img, ramp_matte())
    assert out.dtype == torch.float64
    assert torch.equal(out[..., 0], img[..., 0])


def test_no_matte_behaves_as_before() -> None:
    img = wide_image()
    assert torch.equal(Exposure(stops=1.0).forward(img), img * 2)
    assert torch.equal(Exposure(stops=1.0).forward(img, None), img * 2)
