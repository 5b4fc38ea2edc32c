"""The keyer's contracts: declared bounds, shapes, strength 0 the identity, nothing clamped but
alpha, despill keeping luminance, and the matte shaping tools."""

from __future__ import annotations

import math

import pytest
import torch
from testkit import one_thread  # noqa: F401  (one torch thread for the module)

from workbench.errors import ParameterError, ShapeError
from workbench.matte.despill import DESPILL_METHODS, despill, spill
from workbench.matte.keyer import Keyer, KeyResult, key
from workbench.matte.screen import detect_screen
from workbench.matte.shaping import apply_garbage, apply_holdout, erode_matte, soften_matte
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.windows import ellipse_window


def green_plate(b: int = 1, h: int = 24, w: int = 32) -> torch.Tensor:
    """A green screen with a warm square in the middle, linear."""
    img = torch.empty(b, 3, h, w)
    img[:, 0], img[:, 1], img[:, 2] = 0.03, 0.4, 0.06
    img[:, :, h // 4:3 * h // 4, w // 4:3 * w // 4] = torch.tensor([0.5, 0.3, 0.2]).reshape(3, 1, 1)
    return img


def test_every_parameter_declares_type_default_bounds_and_help() -> None:
    for name in Keyer.parameter_names():
        p = Keyer.param[name]
        assert p.doc and p.label, name
        if hasattr(p, "bounds") and p.bounds is not None and name != "screen_colour":
            lo, hi = p.bounds
            assert lo is not None and hi is not None and lo <= p.default <= hi, name


@pytest.mark.parametrize("bad", [dict(clip_black=-0.1), dict(hue=21.0), dict(strength=1.5),
                                 dict(balance=math.nan), dict(clip_black=0.6, clip_white=0.5),
                                 dict(difference_low=0.2, difference_high=0.1),
                                 dict(screen="red"), dict(despill_method="max"), dict(gain=2)])
def test_bad_settings_raise_parameter_error_naming_the_parameter(bad: dict) -> None:
    with pytest.raises(ParameterError, match="Keyer"):
        Keyer(**bad)


def test_settings_round_trip_through_json() -> None:
    k = Keyer(screen="blue", screen_colour=(0.02, 0.06, 0.4), hue=2.5, erode=-2)
    again = Keyer.from_dict(k.to_dict())
    assert again.to_dict() == k.to_dict()
    assert k.to_dict()["schema"] == "Keyer.1"


@pytest.mark.parametrize("shape", [(1, 24, 32), (3, 17, 9), (2, 40, 40)])
def test_shapes_and_alpha_range(shape: tuple[int, int, int]) -> None:
    plate = green_plate(*shape)
    r = key(plate)
    assert isinstance(r, KeyResult)
    b, h, w = shape
    assert r.alpha.shape == (b, 1, h, w) and r.alpha.dtype == torch.float32
    assert r.foreground.shape == r.despilled.shape == r.screen.shape == (b, 3, h, w)
    assert float(r.alpha.min()) >= 0.0 and float(r.alpha.max()) <= 1.0
    assert r.screen_name == "green"
    if min(h, w) >= 24:  # a subject wider than the core's erosion and the refinement window
        assert float(r.alpha[0, 0, h // 2, w // 2]) == 1.0
        assert float(r.alpha[0, 0, 0, 0]) == 0.0


def test_strength_zero_is_the_identity_bit_for_bit() -> None:
    plate = green_plate()
    plate[0, 0, 0, 0] = 7.5  # above 1: kept as it is
    r = key(plate, Keyer(strength=0.0))
    assert torch.equal(r.foreground, plate) and torch.equal(r.despilled, plate)
    assert torch.equal(r.alpha, torch.ones(1, 1, *plate.shape[-2:]))


def test_strength_blends_alpha_toward_one() -> None:
    plate = green_plate()
    full, half = key(plate).alpha, key(plate, Keyer(strength=0.5)).alpha
    torch.testing.assert_close(half, 0.5 + 0.5 * full)


def test_foreground_is_not_clamped() -> None:
    plate = green_plate()
    plate[:, :, 10:14, 12:20] = torch.tensor([4.0, 2.5, 1.5]).reshape(3, 1, 1)  # a highlight
    r = key(plate)
    assert float(r.foreground[0, 0, 12, 16]) == pytest.approx(4.0, rel=1e-6)
    assert float(r.alpha.max()) <= 1.0


def test_no_crash_on_special_values() -> None:
    plate = green_plate()
    for i, v in enumerate([-1.0, 0.0, 1.0, math.inf, math.nan]):
        plate[0, :, 1, i] = v
    r = key(plate)
    assert bool(torch.isfinite(r.alpha).all())
    assert float(r.alpha.min()) >= 0.0 and float(r.alpha.max()) <= 1.0


def test_bad_plate_raises_shape_error() -> None:
    with pytest.raises(ShapeError, match="key plate"):
        key(torch.zeros(1, 4, 8, 8))
    with pytest.raises(ShapeError, match="clean plate"):
        key(green_plate(), clean_plate=torch.zeros(1, 3, 5, 5))


def test_screen_detection_green_and_blue() -> None:
    blue = green_plate()[:, [0, 2, 1]]
    assert detect_screen(torch.cat([green_plate(), blue])) == ["green", "blue"]
    assert key(blue).screen_name == "blue"


@pytest.mark.parametrize("method", sorted(DESPILL_METHODS))
def test_despill_keeps_luminance_and_removes_the_spill(method: str) -> None:
    g = torch.Generator().manual_seed(1)
    img = torch.rand(2, 3, 16, 16, generator=g) * 2.0 - 0.2
    out = despill(img, "green", method)
    w = torch.tensor(ACESCG_LUMA).reshape(1, 3, 1, 1)
    torch.testing.assert_close((out * w).sum(1), (img * w).sum(1), atol=1e-6, rtol=1e-6)
    assert float(spill(out, "green", method).max()) <= 1e-6
    unspilled = spill(img, "green", method) == 0
    assert torch.equal(out.masked_select(unspilled.expand_as(img)),
                       img.masked_select(unspilled.expand_as(img)))
    assert torch.equal(despill(img, "green", method, strength=0.0), img)
    # In place: the same values, written into the frame given.
    limit = torch.full((1, 1, 16, 16), 0.05)
    mine = img.clone()
    assert despill(mine, "green", method, 0.5, limit=limit, in_place=True) is mine
    assert torch.equal(mine, despill(img, "green", method, 0.5, limit=limit))


def test_despill_unknown_method_lists_the_known_ones() -> None:
    with pytest.raises(ParameterError, match="average, limit"):
        despill(green_plate(), "green", "max")


def test_erode_grow_soften() -> None:
    m = torch.zeros(1, 1, 21, 21)
    m[..., 5:16, 5:16] = 1.0
    assert float(erode_matte(m, 2).sum()) == 7 * 7
    assert float(erode_matte(m, -2).sum()) == 15 * 15
    assert torch.equal(erode_matte(m, 0), m)
    soft = soften_matte(m, 1.5)
    assert 0.0 < float(soft[0, 0, 10, 4]) < 1.0 and float(soft.max()) <= 1.0


def test_garbage_and_holdout_from_power_windows() -> None:
    plate = green_plate(h=40, w=40)
    plate[:, :, 1:11, 1:11] = 0.3  # a rig in the corner: grey, keyed as subject
    alpha = key(plate).alpha
    assert float(alpha[0, 0, 6, 6]) == 1.0
    garbage = ellipse_window(40, 40, size=0.3, feather=0.02)
    assert float(apply_garbage(alpha, garbage)[0, 0, 6, 6]) == 0.0
    r = key(plate, garbage=garbage)
    assert float(r.alpha[0, 0, 6, 6]) == 0.0 and float(r.alpha[0, 0, 20, 20]) == 1.0
    holdout = torch.zeros(1, 1, 40, 40)
    holdout[..., 32:37, 32:37] = 1.0
    held = key(plate, holdout=holdout).alpha
    assert float(held[0, 0, 35, 35]) == 1.0 and float(alpha[0, 0, 35, 35]) == 0.0
    assert torch.equal(apply_holdout(alpha, torch.zeros_like(alpha)), alpha)


def test_despill_limit_caps_what_is_removed() -> None:
    img = torch.tensor([0.2, 0.9, 0.1]).reshape(1, 3, 1, 1).expand(1, 3, 4, 4).contiguous()
    assert torch.equal(despill(img, "green", limit=torch.zeros(1, 1, 4, 4)), img)
    out = despill(img, "green", limit=torch.full((1, 1, 4, 4), 0.05))
    w_g = ACESCG_LUMA[1]
    torch.testing.assert_close(img[:, 1] - out[:, 1], torch.full((1, 4, 4), 0.05 * (1 - w_g)))


def test_threads_apply_to_one_key_only() -> None:
    plate = green_plate()
    before = torch.get_num_threads()
    other = 2 if before == 1 else 1
    assert torch.equal(key(plate, threads=other).alpha, key(plate).alpha)
    assert torch.get_num_threads() == before
    with pytest.raises(ParameterError, match="threads"):
        key(plate, threads=0)
    assert torch.get_num_threads() == before
