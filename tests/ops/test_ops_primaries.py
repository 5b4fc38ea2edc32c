"""The kornia set for the primaries: LiftGammaGain, Contrast, Vibrance, Matrix3x3."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import PyOpenColorIO as ocio
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
    grad_param,
    operator_factory,
    random_image,
    special_values_image,
)

from workbench.color import convert, convert_array
from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator, Pipeline
from workbench.ops.cdl import CDLValues, apply_cdl
from workbench.ops.contrast import ACESCCT_MID_GREY, Contrast, apply_contrast
from workbench.ops.lift_gamma_gain import (
    LiftGammaGain,
    apply_lift_gamma_gain,
    invert_lift_gamma_gain,
    lift_gamma_gain_to_cdl,
)
from workbench.ops.matrix import Matrix3x3, apply_matrix, invert_matrix_operator
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.vibrance import (
    ACESCG_TO_REC709,
    Vibrance,
    apply_vibrance,
    vibrance_weights,
)
from workbench.ops.white_balance import WhiteBalance, white_balance_matrix

OPS: dict[str, dict[str, Any]] = {
    "LiftGammaGain": dict(lift_r=0.05, lift_g=-0.03, lift_b=0.02, gamma_r=1.2, gamma_g=0.9,
                          gamma_b=1.1, gain_r=1.1, gain_g=0.95, gain_b=1.05, lift=0.01,
                          gamma=1.05, gain=1.02),
    "Contrast": dict(contrast=1.4, pivot=0.42),
    "Vibrance": dict(amount=0.8, skin_protection=0.5),
    "Matrix3x3": dict(m00=1.1, m01=-0.05, m02=-0.05, m10=0.02, m11=0.95, m12=0.03,
                      m20=-0.01, m21=0.1, m22=0.91),
}
CLASSES: dict[str, type[Operator]] = {
    "LiftGammaGain": LiftGammaGain, "Contrast": Contrast, "Vibrance": Vibrance,
    "Matrix3x3": Matrix3x3,
}
M = [[1.1, -0.05, -0.05], [0.02, 0.95, 0.03], [-0.01, 0.1, 0.91]]
LGG = ((0.05, -0.03, 0.02), (1.2, 0.9, 1.1), (1.1, 0.95, 1.05))  # lift, gamma, gain


make = operator_factory(CLASSES, OPS)
# Values in [-0.5, 3]: negatives and over-range, as scene-linear or log data has.
wide_image = partial(random_image, scale=3.5, offset=-0.5)
unit_image = random_image


def patch(rgb: Any) -> torch.Tensor:
    return torch.as_tensor(np.asarray(rgb, dtype=np.float32)).reshape(1, 3, 1, 1)


# -- smoke and shapes -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
def test_functions_output_shape(shape: tuple[int, ...]) -> None:
    img = wide_image(shape)
    assert apply_lift_gamma_gain(img, *LGG).shape == shape
    assert invert_lift_gamma_gain(img, *LGG).shape == shape
    assert apply_contrast(img, 1.3).shape == shape
    assert apply_vibrance(img, 0.5, 0.5).shape == shape
    assert apply_matrix(img, M).shape == shape


# -- identity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_neutral_parameters_are_identity(name: str) -> None:
    assert_close_to_identity(CLASSES[name](), wide_image())


def test_functions_at_neutral_are_identity() -> None:
    img = wide_image()
    assert torch.equal(apply_lift_gamma_gain(img), img)  # lift 0, gamma 1, gain 1: exact
    assert torch.equal(apply_contrast(img, 1.0), img)
    torch.testing.assert_close(apply_vibrance(img, 0.0, 1.0), img, atol=1e-6, rtol=0)
    assert torch.equal(apply_matrix(img, torch.eye(3)), img)


@pytest.mark.parametrize("name", list(OPS))
def test_strength_is_monotone_blend(name: str) -> None:
    assert_strength_monotone(make(name), make(name, strength=0.5),
                             wide_image().clamp(0.05, 1.0))


# -- function equals class -------------------------------------------------------------------

def test_lift_gamma_gain_function_equals_class() -> None:
    img = wide_image()
    v = OPS["LiftGammaGain"]
    lift = tuple(v["lift"] + v[f"lift_{c}"] for c in "rgb")
    gamma = tuple(v["gamma"] * v[f"gamma_{c}"] for c in "rgb")
    gain = tuple(v["gain"] * v[f"gain_{c}"] for c in "rgb")
    torch.testing.assert_close(make("LiftGammaGain").forward(img),
                               apply_lift_gamma_gain(img, lift, gamma, gain), atol=0, rtol=0)
    op = make("LiftGammaGain", strength=0.4)
    torch.testing.assert_close(op.forward(img), apply_lift_gamma_gain(img, *op.effective_values()),
                               atol=0, rtol=0)


def test_contrast_function_equals_class() -> None:
    img = wide_image()
    torch.testing.assert_close(Contrast(contrast=1.4, pivot=0.42).forward(img),
                               apply_contrast(img, 1.4, 0.42), atol=0, rtol=0)
    torch.testing.assert_close(Contrast(contrast=0.0, strength=0.5).forward(img),
                               apply_contrast(img, 0.5), atol=0, rtol=0)


def test_vibrance_function_equals_class() -> None:
    img = wide_image()
    torch.testing.assert_close(Vibrance(amount=0.8, skin_protection=0.3).forward(img),
                               apply_vibrance(img, 0.8, 0.3), atol=0, rtol=0)
    torch.testing.assert_close(Vibrance(amount=-1.0, strength=0.5).forward(img),
                               apply_vibrance(img, -0.5, 0.5), atol=0, rtol=0)


def test_matrix_function_equals_class() -> None:
    img = wide_image()
    torch.testing.assert_close(make("Matrix3x3").forward(img), apply_matrix(img, M),
                               atol=1e-6, rtol=1e-6)
    half = np.eye(3) + 0.5 * (np.array(M) - np.eye(3))
    torch.testing.assert_close(make("Matrix3x3", strength=0.5).forward(img),
                               apply_matrix(img, half), atol=1e-6, rtol=1e-6)
    assert np.array_equal(Matrix3x3.from_matrix(np.array(M)).matrix(), np.array(M))


# -- agreement with references --------------------------------------------------------------

def test_lgg_without_lift_and_gamma_is_cdl_slope() -> None:
    img = wide_image()
    gain = (1.3, 0.8, 1.05)
    torch.testing.assert_close(apply_lift_gamma_gain(img, 0.0, 1.0, gain),
                               apply_cdl(img, slope=gain), atol=1e-6, rtol=0)


def ocio_cdl(values: CDLValues, rgb: np.ndarray) -> np.ndarray:
    t = ocio.CDLTransform()
    t.setSlope(list(values.slope))
    t.setOffset(list(values.offset))
    t.setPower(list(values.power))
    t.setSat(values.saturation)
    t.setStyle(ocio.CDLStyle.CDL_NO_CLAMP)
    proc = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    proc.applyRGB(out)
    return out


@pytest.mark.parametrize("lgg", [
    LGG,
    ((0.1, 0.1, 0.1), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
    ((-0.2, 0.0, 0.3), (0.6, 1.8, 1.0), (0.9, 1.2, 0.7)),
])
def test_lgg_equals_its_cdl_and_ocio(lgg: tuple[tuple[float, ...], ...]) -> None:
    """LGG is exactly the CDL slope=gain(1-lift), offset=gain*lift, power=1/gamma."""
    rng = np.random.default_rng(0)
    rgb = rng.uniform(-0.2, 1.4, (2000, 3)).astype(np.float32)
    img = torch.from_numpy(np.ascontiguousarray(rgb.T)).reshape(1, 3, -1, 1)
    got = apply_lift_gamma_gain(img, *lgg).reshape(3, -1).T.numpy()
    cdl = lift_gamma_gain_to_cdl(*lgg)
    np.testing.assert_allclose(got, ocio_cdl(cdl, rgb), atol=2e-5, rtol=1e-5)
    via = apply_cdl(img, cdl.slope, cdl.offset, cdl.power, cdl.saturation)
    np.testing.assert_allclose(got, via.reshape(3, -1).T.numpy(), atol=1e-6, rtol=1e-6)


def test_lgg_operator_to_cdl_reproduces_forward() -> None:
    op = make("LiftGammaGain", strength=0.7)
    img = unit_image()
    v = op.to_cdl()
    torch.testing.assert_close(op.forward(img), apply_cdl(img, v.slope, v.offset, v.power),
                               atol=1e-6, rtol=1e-6)


def test_lgg_pins_black_and_white() -> None:
    img = patch([0.0, 1.0, 0.5])
    # Lift moves black, keeps white; gamma keeps 0 and 1.
    out = apply_lift_gamma_gain(img, lift=0.2, gamma=1.7).flatten().tolist()
    assert out[0] == pytest.approx(0.2 ** (1 / 1.7))
    assert out[1] == pytest.approx(1.0)
    assert apply_lift_gamma_gain(patch([0.0, 1.0, 0.25]), gamma=2.0).flatten().tolist() == \
        pytest.approx([0.0, 1.0, 0.5])
    # Gamma > 1 brightens mids; negatives pass the power unchanged.
    assert float(apply_lift_gamma_gain(patch([0.4] * 3), gamma=1.5)[0, 0]) > 0.4
    assert apply_lift_gamma_gain(patch([-0.3] * 3), gamma=2.0).flatten().tolist() == \
        pytest.approx([-0.3] * 3)


@pytest.mark.parametrize(("contrast", "pivot"), [(1.5, ACESCCT_MID_GREY), (0.7, 0.3),
                                                 (2.2, 0.55)])
def test_contrast_matches_ocio_grading_primary_log(contrast: float, pivot: float) -> None:
    g = ocio.GradingPrimary(ocio.GRADING_LOG)
    g.contrast = ocio.GradingRGBM(contrast, contrast, contrast, 1.0)
    g.pivot = 2.0 * pivot - 1.0  # OCIO's pivot runs over [-1, 1] between pivotBlack and White
    t = ocio.GradingPrimaryTransform(g, ocio.GRADING_LOG, False)
    proc = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    rng = np.random.default_rng(1)
    rgb = rng.uniform(-0.2, 1.3, (1000, 3)).astype(np.float32)
    expected = rgb.copy()
    proc.applyRGB(expected)
    img = torch.from_numpy(np.ascontiguousarray(rgb.T)).reshape(1, 3, -1, 1)
    got = apply_contrast(img, contrast, pivot).reshape(3, -1).T.numpy()
    np.testing.assert_allclose(got, expected, atol=2e-6, rtol=1e-5)


def test_contrast_default_pivot_is_acescct_grey() -> None:
    grey = convert(torch.full((1, 3, 1, 1), 0.18), "ACEScg", "ACEScct")
    assert float(grey[0, 0]) == pytest.approx(ACESCCT_MID_GREY, abs=1e-6)
    assert Contrast().pivot == ACESCCT_MID_GREY
    torch.testing.assert_close(apply_contrast(grey, 1.8), grey, atol=1e-6, rtol=0)
    # Through the pipeline (ACEScg in, ACEScct inside): 18 % grey stays 18 % grey.
    lin = torch.full((1, 3, 2, 2), 0.18)
    torch.testing.assert_close(Contrast(contrast=1.8).apply(lin), lin, atol=1e-5, rtol=0)


def test_matrix_matches_white_balance() -> None:
    m = white_balance_matrix(3200.0, 6500.0, 4.0, 0.0)
    img = wide_image()
    op = WhiteBalance(source_kelvin=3200.0, target_kelvin=6500.0, tint=4.0)
    torch.testing.assert_close(Matrix3x3.from_matrix(m).forward(img), op.forward(img),
                               atol=1e-6, rtol=1e-6)


def test_matrix_against_numpy() -> None:
    img = wide_image((1, 3, 2, 3)).double()
    expected = np.einsum("ij,jhw->ihw", np.array(M), img[0].numpy())
    np.testing.assert_allclose(apply_matrix(img, M)[0].numpy(), expected, rtol=1e-12)


# -- vibrance behaviour ----------------------------------------------------------------------

def test_acescg_to_rec709_matches_ocio() -> None:
    eye = np.eye(3, dtype=np.float32)
    ours = np.array(ACESCG_TO_REC709)
    np.testing.assert_allclose(convert_array(eye, "ACEScg", "Linear Rec.709").T, ours, atol=1e-6)


def skin_and_blue() -> tuple[torch.Tensor, torch.Tensor]:
    """A light skin tone and the same ACEScg values with red and blue swapped.

    Swapping keeps max and min, so both have exactly the same (HSV) saturation.
    """
    skin = convert_array(np.array([[224, 172, 140]], np.float32) / 255, "sRGB", "ACEScg")[0]
    return patch(skin), patch(skin[::-1].copy())


def test_vibrance_weights_find_skin() -> None:
    skin, blue = skin_and_blue()
    dull_s, skin_s = vibrance_weights(skin)
    dull_b, skin_b = vibrance_weights(blue)
    torch.testing.assert_close(dull_s, dull_b)
    assert float(skin_s) > 0.95 and float(skin_b) == 0.0
    for srgb in [(255, 219, 172), (198, 134, 66), (141, 85, 36), (234, 192, 134)]:
        acescg = convert_array(np.array([srgb], np.float32) / 255, "sRGB", "ACEScg")[0]
        assert float(vibrance_weights(patch(acescg))[1]) > 0.5, srgb
    for srgb in [(60, 200, 60), (60, 60, 220), (200, 60, 200), (60, 200, 200)]:
        acescg = convert_array(np.array([srgb], np.float32) / 255, "sRGB", "ACEScg")[0]
        assert float(vibrance_weights(patch(acescg))[1]) == 0.0, srgb


def _relative_change(out: torch.Tensor, img: torch.Tensor) -> float:
    """|out - in| / |in - Y|: the relative change of chroma around ACEScg luminance."""
    luma = (img * torch.tensor(ACESCG_LUMA).reshape(1, 3, 1, 1)).sum(1, keepdim=True)
    return float((out - img).norm() / (img - luma).norm())


def test_vibrance_skin_protection_spares_skin() -> None:
    skin, blue = skin_and_blue()
    d_skin = _relative_change(apply_vibrance(skin, 1.0, 1.0), skin)
    d_blue = _relative_change(apply_vibrance(blue, 1.0, 1.0), blue)
    assert d_blue > 0.1
    assert d_skin < 0.05 * d_blue
    # Without protection both change by the same factor of their chroma.
    d_skin0 = _relative_change(apply_vibrance(skin, 1.0, 0.0), skin)
    assert d_skin0 == pytest.approx(d_blue, rel=1e-4)


def test_vibrance_favours_dull_colours_and_keeps_luminance() -> None:
    dull = patch([0.30, 0.25, 0.22])   # low saturation
    vivid = patch([0.30, 0.05, 0.02])  # high saturation, same max
    gain_dull = _relative_change(apply_vibrance(dull, 1.0, 0.0), dull)
    gain_vivid = _relative_change(apply_vibrance(vivid, 1.0, 0.0), vivid)
    assert gain_dull > 2 * gain_vivid
    w = torch.tensor(ACESCG_LUMA).reshape(1, 3, 1, 1)
    img = wide_image()
    out = apply_vibrance(img, 0.9, 0.2)
    torch.testing.assert_close((out * w).sum(1), (img * w).sum(1), atol=1e-5, rtol=1e-5)
    grey = torch.full((1, 3, 2, 2), 0.18)
    torch.testing.assert_close(apply_vibrance(grey, 1.0), grey, atol=1e-7, rtol=0)
    # Fully saturated and out-of-gamut pixels are left alone.
    for rgb in ([1.0, 0.0, 0.0], [0.5, 0.2, -0.1], [-0.2, -0.1, -0.3]):
        torch.testing.assert_close(apply_vibrance(patch(rgb), 1.0, 0.0), patch(rgb))


def test_vibrance_negative_amount_desaturates_dull_colours() -> None:
    dull = patch([0.30, 0.25, 0.22])
    out = apply_vibrance(dull, -1.0, 0.0)
    assert float(out.std(dim=1).mean()) < float(dull.std(dim=1).mean())


# -- per-sample parameters -------------------------------------------------------------------

_batch_equals_separate = partial(assert_batch_equals_separate, atol=1e-6, rtol=1e-6)


def test_lift_gamma_gain_per_sample() -> None:
    img = unit_image()
    lift = torch.tensor([[0.05, -0.03, 0.02], [0.1, 0.0, -0.1]])
    gamma = torch.tensor([1.2, 0.8])  # (B,): one value for every channel
    gain = torch.tensor([[1.1, 0.95, 1.05], [0.9, 1.2, 1.0]])
    out = apply_lift_gamma_gain(img, lift, gamma, gain)
    for i in range(2):
        one = apply_lift_gamma_gain(img[i:i + 1], tuple(lift[i].tolist()), float(gamma[i]),
                                    tuple(gain[i].tolist()))
        torch.testing.assert_close(out[i:i + 1], one, atol=1e-6, rtol=1e-6)


def test_contrast_per_sample() -> None:
    img = wide_image()
    _batch_equals_separate(apply_contrast, img, torch.tensor([1.5, 0.6]), [1.5, 0.6])
    out = apply_contrast(img, torch.tensor([1.5, 0.6]), torch.tensor([0.3, 0.5]))
    torch.testing.assert_close(out[1:], apply_contrast(img[1:], 0.6, 0.5))


def test_vibrance_per_sample() -> None:
    img = wide_image()
    _batch_equals_separate(apply_vibrance, img, torch.tensor([0.9, -0.5]), [0.9, -0.5])
    out = apply_vibrance(img, 1.0, torch.tensor([0.0, 1.0]))
    torch.testing.assert_close(out[1:], apply_vibrance(img[1:], 1.0, 1.0))


def test_matrix_per_sample() -> None:
    a = torch.tensor(M)
    b = torch.tensor([[0.8, 0.1, 0.1], [0.0, 1.0, 0.0], [0.2, -0.2, 1.0]])
    _batch_equals_separate(apply_matrix, wide_image(), torch.stack([a, b]), [a, b])
    # A (1, 3, 3) matrix is shared by the batch.
    torch.testing.assert_close(apply_matrix(wide_image(), a[None]), apply_matrix(wide_image(), a))


def test_per_sample_wrong_length_raises() -> None:
    img = wide_image((2, 3, 2, 2))
    with pytest.raises(ShapeError, match=r"LiftGammaGain\.gain"):
        apply_lift_gamma_gain(img, gain=torch.ones(4, 3))
    with pytest.raises(ShapeError, match=r"LiftGammaGain\.lift"):
        apply_lift_gamma_gain(img, lift=torch.ones(3, 2))
    with pytest.raises(ShapeError, match=r"Contrast\.contrast"):
        apply_contrast(img, torch.ones(3))
    with pytest.raises(ShapeError, match=r"Contrast\.pivot"):
        apply_contrast(img, 1.0, torch.ones(2, 2))
    with pytest.raises(ShapeError, match=r"Vibrance\.amount"):
        apply_vibrance(img, torch.ones(5))
    with pytest.raises(ShapeError, match=r"Vibrance\.skin_protection"):
        apply_vibrance(img, 1.0, torch.ones(3))
    with pytest.raises(ShapeError, match=r"Matrix3x3\.m"):
        apply_matrix(img, torch.eye(4))
    with pytest.raises(ShapeError, match=r"Matrix3x3\.m"):
        apply_matrix(img, torch.eye(3).expand(3, 3, 3))


# -- gradcheck -------------------------------------------------------------------------------

def _pos(shape: tuple[int, ...] = (2, 3, 3, 2), seed: int = 1) -> torch.Tensor:
    return random_image(shape, seed, 0.9, 0.1, torch.float64, requires_grad=True)


_p = grad_param


def test_gradcheck_lift_gamma_gain() -> None:
    args = (_pos(), _p(LGG[0]), _p(LGG[1]), _p([[1.1, 0.95, 1.05], [0.9, 1.2, 1.0]]))
    assert_gradcheck(apply_lift_gamma_gain, *args)
    assert_gradcheck(invert_lift_gamma_gain, *args)


def test_lift_gamma_gain_gradient_finite_at_zero_and_negative() -> None:
    img = torch.tensor([0.0, -0.2, 0.3], dtype=torch.float64).reshape(1, 3, 1, 1)
    img.requires_grad_()
    gamma = _p(2.0)
    apply_lift_gamma_gain(img, 0.0, gamma, 1.0).sum().backward()
    assert img.grad is not None and gamma.grad is not None
    assert torch.isfinite(img.grad).all() and torch.isfinite(gamma.grad).all()


def test_gradcheck_contrast() -> None:
    assert_gradcheck(apply_contrast, _pos(), _p([1.3, 0.7]), _p([0.4, 0.3]))


def test_gradcheck_vibrance() -> None:
    assert_gradcheck(apply_vibrance, _pos(), _p([0.8, -0.4]), _p([0.3, 0.9]))
    skin, _ = skin_and_blue()  # on the skin line the protection weight is active
    img = (skin.double() * torch.tensor([1.0, 1.02, 0.97], dtype=torch.float64)
           .reshape(1, 3, 1, 1)).requires_grad_()
    assert_gradcheck(apply_vibrance, img, _p(0.8), _p(0.7))


def test_vibrance_gradient_finite_at_grey() -> None:
    img = torch.full((1, 3, 1, 1), 0.18, dtype=torch.float64, requires_grad=True)
    apply_vibrance(img, 1.0, 1.0).sum().backward()
    assert img.grad is not None and torch.isfinite(img.grad).all()


def test_gradcheck_matrix() -> None:
    m = torch.tensor(M, dtype=torch.float64).expand(2, 3, 3).clone().requires_grad_()
    assert_gradcheck(apply_matrix, _pos(), m)


# -- special values --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_no_crash_on_special_values(name: str) -> None:
    img = special_values_image()
    assert_special_values_kept(make(name).forward(img), img)


def test_functions_no_crash_on_special_values() -> None:
    img = special_values_image()
    for out in (apply_lift_gamma_gain(img, *LGG), invert_lift_gamma_gain(img, *LGG),
                apply_contrast(img, 1.3), apply_vibrance(img, 1.0, 1.0), apply_matrix(img, M)):
        assert out.shape == img.shape
        assert torch.isfinite(out[..., :3]).all()


# -- bad input -------------------------------------------------------------------------------

def test_functions_bad_image_raises() -> None:
    bad = torch.zeros(3, 4, 4)
    for fn, args in ((apply_lift_gamma_gain, ()), (invert_lift_gamma_gain, ()),
                     (apply_contrast, (1.0,)), (apply_vibrance, (1.0,)), (apply_matrix, (M,))):
        with pytest.raises(ShapeError, match=fn.__name__):
            fn(bad, *args)  # type: ignore[operator]


@pytest.mark.parametrize(("cls", "kwargs", "named"), [
    (LiftGammaGain, dict(lift_r=-1.5), "LiftGammaGain.lift_r"),
    (LiftGammaGain, dict(gamma_g=0.0), "LiftGammaGain.gamma_g"),
    (LiftGammaGain, dict(gain_b=-0.1), "LiftGammaGain.gain_b"),
    (LiftGammaGain, dict(gain=math.inf), "LiftGammaGain.gain"),
    (LiftGammaGain, dict(strength=1.2), "LiftGammaGain.strength"),
    (Contrast, dict(contrast=-0.1), "Contrast.contrast"),
    (Contrast, dict(pivot=2.0), "Contrast.pivot"),
    (Contrast, dict(pivot=math.nan), "Contrast.pivot"),
    (Vibrance, dict(amount=-1.5), "Vibrance.amount"),
    (Vibrance, dict(skin_protection=1.1), "Vibrance.skin_protection"),
    (Matrix3x3, dict(m12=4.5), "Matrix3x3.m12"),
    (Matrix3x3, dict(m00=-math.inf), "Matrix3x3.m00"),
])
def test_out_of_bounds_parameter_raises(cls: type[Operator], kwargs: dict[str, float],
                                        named: str) -> None:
    assert_parameter_raises(cls, kwargs, named)


def test_function_bad_values_raise() -> None:
    img = unit_image()
    with pytest.raises(ParameterError, match=r"LiftGammaGain\.gamma"):
        apply_lift_gamma_gain(img, gamma=(1.0, 0.0, 1.0))
    with pytest.raises(ParameterError, match=r"LiftGammaGain\.gamma"):
        lift_gamma_gain_to_cdl((0, 0, 0), (1, -1, 1), (1, 1, 1))
    with pytest.raises(ParameterError, match=r"LiftGammaGain\.gain"):
        invert_lift_gamma_gain(img, gain=0.0)
    with pytest.raises(ParameterError, match=r"LiftGammaGain\.lift"):
        invert_lift_gamma_gain(img, lift=1.0)
    with pytest.raises(ParameterError, match=r"Vibrance\.skin_protection"):
        apply_vibrance(img, 1.0, 1.5)
    with pytest.raises(ParameterError, match=r"Vibrance\.skin_protection"):
        apply_vibrance(img, 1.0, torch.tensor([0.5, -0.1]))


# -- inverses --------------------------------------------------------------------------------

@pytest.mark.parametrize(("contrast", "pivot"), [(1.5, ACESCCT_MID_GREY), (0.4, 0.2),
                                                 (3.0, 0.6)])
def test_contrast_inverse(contrast: float, pivot: float) -> None:
    img = wide_image()
    there = Contrast(contrast=contrast, pivot=pivot).forward(img)
    back = Contrast(contrast=1.0 / contrast, pivot=pivot).forward(there)
    torch.testing.assert_close(back, img, atol=1e-5, rtol=0)


@pytest.mark.parametrize("strength", [1.0, 0.5])
def test_matrix_inverse(strength: float) -> None:
    img = wide_image()
    op = make("Matrix3x3", strength=strength)
    inv = invert_matrix_operator(op)
    assert isinstance(inv, Matrix3x3) and inv.strength == 1.0
    torch.testing.assert_close(inv.forward(op.forward(img)), img, atol=1e-5, rtol=0)
    torch.testing.assert_close(op.forward(inv.forward(img)), img, atol=1e-5, rtol=0)
    # In a pipeline, the pair is the identity too.
    torch.testing.assert_close(Pipeline([op, inv]).apply(img), img, atol=1e-5, rtol=0)


def test_matrix_inverse_refuses_singular_and_out_of_bounds() -> None:
    with pytest.raises(ParameterError, match=r"singular"):
        invert_matrix_operator(Matrix3x3(m11=0.0, m22=0.0))
    with pytest.raises(ParameterError, match=r"Matrix3x3\.m00"):
        invert_matrix_operator(Matrix3x3(m00=0.1))  # inverse 10 is outside ±4


def test_lift_gamma_gain_inverse_on_unit_range() -> None:
    img = unit_image()
    there = apply_lift_gamma_gain(img, *LGG)
    assert not torch.allclose(there, img, atol=1e-2)
    torch.testing.assert_close(invert_lift_gamma_gain(there, *LGG), img, atol=1e-5, rtol=0)
    # Negatives pass the power, so it inverts over the wide range too.
    wide = wide_image()
    torch.testing.assert_close(invert_lift_gamma_gain(apply_lift_gamma_gain(wide, *LGG), *LGG),
                               wide, atol=1e-5, rtol=1e-5)


# -- no clamping -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPS))
def test_values_outside_unit_range_not_clamped(name: str) -> None:
    assert_not_clamped(make(name))


# -- serialisation ---------------------------------------------------------------------------

def test_pipeline_round_trip_with_primaries() -> None:
    p = Pipeline([make(n, strength=0.7) for n in OPS])
    back = Pipeline.from_json(p.to_json())
    assert back == p and back.cache_key() == p.cache_key()
    img = unit_image((1, 3, 4, 4)) * 0.8
    torch.testing.assert_close(back.apply(img), p.apply(img), atol=0, rtol=0)
