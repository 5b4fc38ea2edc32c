"""Compositing maths on real pictures: premultiplied over against OpenImageIO, decontamination,
light wrap, the background's defocus, and the operator contracts (strength 0, bad input).

The alphas are the keying folder's: the alphamat plant's matte (a real object matte with soft
leaf edges) and the ``jxl_*`` RGBA photos, whose alpha is synthetic (fine for the maths).
"""

from __future__ import annotations

import numpy as np
import OpenImageIO as oiio
import pytest
import torch
from testkit import one_thread, shared_path  # noqa: F401  (one_thread: module fixture)

from workbench.color.convert import convert_array
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.matte.background import (
    apply_background_fit,
    detail_ratio,
    estimate_defocus,
    fit_background,
    replace_background,
)
from workbench.matte.composite import (
    composite,
    decontaminate,
    fill_from_known,
    light_wrap,
    over,
    premultiply,
    unpremultiply,
)
from workbench.ops.lens import gaussian_blur

KEYING = shared_path("keying")
PHOTO = shared_path("photo")
HALF_EPS = 2.0 ** -11   # half float's relative precision


def _rgba(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """An RGBA PNG as float32 (H, W, 4), colour unassociated, optionally cropped (w, h)."""
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    buf = oiio.ImageBuf(str(KEYING / name), 0, 0, config)
    px = buf.get_pixels(oiio.FLOAT)
    return px if size is None else px[:size[1], :size[0]]


def _linear(rgb: np.ndarray) -> torch.Tensor:
    lin = convert_array(np.ascontiguousarray(rgb, dtype=np.float32), "sRGB", "ACEScg")
    return torch.from_numpy(lin).permute(2, 0, 1)[None].contiguous()


def _photo(name: str, w: int, h: int) -> torch.Tensor:
    px = oiio.ImageBuf(str(PHOTO / name)).get_pixels(oiio.FLOAT)[:h, :w, :3]
    return _linear(px)


@pytest.fixture(scope="module")
def plant() -> tuple[torch.Tensor, torch.Tensor]:
    """The alphamat plant (linear ACEScg) and its real matte, 500x333."""
    rgb = oiio.ImageBuf(str(KEYING / "opencv_alphamat_plant.jpg")).get_pixels(oiio.FLOAT)
    matte = oiio.ImageBuf(str(KEYING / "opencv_alphamat_plant_matte.png")).get_pixels(oiio.FLOAT)
    return _linear(rgb), torch.from_numpy(np.ascontiguousarray(matte[..., 0]))[None, None]


def test_premultiplied_over_matches_openimageio_within_half_precision():
    fg = _rgba("jxl_flower_alpha.png", (500, 400))              # luminance-copy alpha
    bg = _rgba("jxl_wesaturate_tmshre_riaphotographs_alpha.png", (500, 400))  # radial alpha
    # Linear colour, premultiplied, as a compositor holds it; both alphas are partial.
    fg_lin = convert_array(np.ascontiguousarray(fg[..., :3]), "sRGB", "ACEScg") * 4.0  # >1 too
    bg_lin = convert_array(np.ascontiguousarray(bg[..., :3]), "sRGB", "ACEScg")
    fg_p = np.dstack([fg_lin * fg[..., 3:], fg[..., 3:]]).astype(np.float32)
    bg_p = np.dstack([bg_lin * bg[..., 3:], bg[..., 3:]]).astype(np.float32)

    def buf(px: np.ndarray) -> oiio.ImageBuf:
        b = oiio.ImageBuf(oiio.ImageSpec(px.shape[1], px.shape[0], 4, oiio.FLOAT))
        b.specmod().alpha_channel = 3
        b.set_pixels(oiio.ROI(), px)
        return b

    ref = oiio.ImageBufAlgo.over(buf(fg_p), buf(bg_p)).get_pixels(oiio.FLOAT)

    def chw(px: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(px)).permute(2, 0, 1)[None]

    rgb, alpha = over(chw(fg_p[..., :3]), chw(fg_p[..., 3:]), chw(bg_p[..., :3]),
                      chw(bg_p[..., 3:]))
    ours = torch.cat([rgb, alpha], dim=1)[0].permute(1, 2, 0).numpy()
    tol = HALF_EPS * np.maximum(1.0, np.abs(ref))
    assert np.all(np.abs(ours - ref) <= tol)
    assert float(ref[..., :3].max()) > 1.0  # values above 1 went through unclamped
    # and premultiply / unpremultiply are each other's inverse where alpha > 0
    a = chw(fg[..., 3:])
    straight = chw(fg_lin)
    back = unpremultiply(premultiply(straight, a), a)
    keep = (a > 0).expand_as(back)
    assert torch.allclose(back[keep], straight[keep], rtol=1e-6, atol=0)


def test_strength_zero_is_the_plate_bit_for_bit_and_one_is_the_composite(plant):
    plate, matte = plant
    bg = _photo("skimage_rocket.jpg", 500, 333)
    assert torch.equal(composite(plate, matte, bg, strength=0.0), plate)
    full = composite(plate, matte, bg, light_wrap_amount=0.2)
    half = composite(plate, matte, bg, light_wrap_amount=0.2, strength=0.5)
    assert torch.allclose(half, 0.5 * (plate + full), atol=1e-6)
    # opaque matte: the plate; clear matte: the background, bit for bit
    assert torch.equal(composite(plate, torch.ones_like(matte), bg, light_wrap_amount=0.3),
                       plate)
    assert torch.equal(composite(plate, torch.zeros_like(matte), bg), bg)
    # nothing clamped: a background above 1 stays above 1
    hot = composite(plate, matte, bg * 50.0)
    assert float(hot.max()) > 1.0


def test_decontamination_takes_the_old_background_out_of_soft_edges(plant):
    plate, matte = plant
    # Soft-edged plates whose truth is known: the plant's real colour and real matte over an
    # old background, then over a new one. The old backgrounds: an unevenly lit green screen
    # (synthetic: there is no real green-screen footage here) and a real photo's bokeh,
    # defocused further (a busy background, where decontamination must not make it worse).
    new = _photo("skimage_rocket.jpg", 500, 333)
    truth = matte * plate + (1 - matte) * new
    edge = ((matte > 0.1) & (matte < 0.9)).expand_as(truth)
    ramp = torch.linspace(0.6, 1.2, 500).reshape(1, 1, 1, 500)
    screen = torch.tensor([0.1, 0.6, 0.15]).reshape(1, 3, 1, 1) * ramp
    bokeh = gaussian_blur(_photo("jxl_wesaturate_u76c0g_bliznaca_srgb8.png", 500, 333),
                          torch.tensor([6.0]))
    errors = {}
    for name, old in (("screen", screen), ("bokeh", bokeh)):
        filmed = matte * plate + (1 - matte) * old
        kept = composite(filmed, matte, new, decontaminate_edges=False)
        cleaned = composite(filmed, matte, new)
        errors[name] = (float((cleaned - truth).abs()[edge].mean()),
                        float((kept - truth).abs()[edge].mean()))
        solid = (matte >= 1.0).expand_as(filmed)
        assert torch.equal(decontaminate(filmed, matte)[solid], filmed[solid])
    assert errors["screen"][0] < 0.5 * errors["screen"][1], errors
    assert errors["bokeh"][0] < errors["bokeh"][1], errors


def test_fill_from_known_keeps_known_pixels_and_reaches_everywhere(plant):
    plate, matte = plant
    known = (matte <= 0.02).float()
    filled = fill_from_known(plate, known)
    k = known.bool().expand_as(plate)
    assert torch.equal(filled[k], plate[k])
    assert torch.isfinite(filled).all()
    assert torch.equal(fill_from_known(plate, torch.zeros_like(matte)), torch.zeros_like(plate))


def test_light_wrap_is_background_light_on_the_foreground_edge_only(plant):
    _, matte = plant
    bg = _photo("skimage_rocket.jpg", 500, 333)
    wrap = light_wrap(bg, matte, 1.0, radius=4.0)
    assert float(wrap.min()) >= -1e-6  # blur rounding only: it adds light, never takes it
    clear = (matte == 0).expand_as(wrap)
    assert float(wrap[clear].abs().max()) == 0.0           # nothing on the background
    deep = (-torch.nn.functional.max_pool2d(-matte, 41, 1, 20) >= 1.0).expand_as(wrap)
    assert int(deep.sum()) > 0
    assert float(wrap[deep].max()) < 1e-4                   # nothing deep inside
    edge = ((matte > 0.3) & (matte < 0.7)).expand_as(wrap)
    assert float(wrap[edge].mean()) > 0.05 * float(bg.mean())
    assert torch.equal(light_wrap(bg * 2, matte, 1.0, 4.0), 2 * wrap)  # it is the bg's light


def test_defocus_estimate_recovers_a_known_blur(plant):
    _, matte = plant
    sharp = _photo("skimage_rocket.jpg", 500, 333)
    for sigma in (1.5, 4.0):
        plate = gaussian_blur(sharp, torch.tensor([sigma]))   # the plate's background: soft
        found, plate_ratio, bg_ratio = estimate_defocus(plate, matte, sharp)
        assert found == pytest.approx(sigma, rel=0.25), (sigma, found)
        assert plate_ratio < bg_ratio
    assert estimate_defocus(sharp, matte, gaussian_blur(sharp, torch.tensor([3.0])))[0] == 0.0
    assert detail_ratio(gaussian_blur(sharp, torch.tensor([2.0]))) < detail_ratio(sharp)


def test_background_is_matched_to_the_plates_light(plant):
    plate, matte = plant
    sharp = _photo("skimage_rocket.jpg", 500, 333)
    # the plate's own background, under a warmer light 1 stop down: the new one must follow
    warm = torch.tensor([1.3, 1.0, 0.7]).reshape(1, 3, 1, 1) * 0.5
    lit = (matte * plate + (1 - matte) * sharp * warm)
    fit = fit_background(lit, matte, sharp, match="von-kries", defocus=False)
    matched = apply_background_fit(sharp, fit)
    clear = (matte <= 0.02).expand(1, 3, -1, -1)
    ratio = matched[clear].reshape(3, -1).mean(1) / sharp[clear].reshape(3, -1).mean(1)
    assert ratio[0] / ratio[2] > 1.4          # warmer: red up against blue (1.3/0.7 = 1.86)
    assert float(ratio.mean()) < 0.8          # and darker
    result = replace_background(lit, matte, sharp, fit=fit)
    assert result.fit is fit and result.image.shape == plate.shape


def test_bad_input_is_refused_naming_it(plant):
    plate, matte = plant
    bg = _photo("skimage_rocket.jpg", 500, 333)
    with pytest.raises(ShapeError, match=r"composite matte.*one-channel"):
        composite(plate, matte.expand(1, 3, -1, -1), bg)
    with pytest.raises(ShapeError, match="composite background"):
        composite(plate, matte, bg[..., :300])
    with pytest.raises(ParameterError, match=r"matte values must be in \[0, 1\]"):
        composite(plate, matte * 2, bg)
    nan = plate.clone()
    nan[0, 1, 5, 5] = float("nan")
    with pytest.raises(MediaError, match="composite plate: NaN in 1"):
        composite(nan, matte, bg)
    with pytest.raises(ParameterError, match=r"composite\.strength"):
        composite(plate, matte, bg, strength=1.5)
    with pytest.raises(ParameterError, match=r"light_wrap\.amount"):
        composite(plate, matte, bg, light_wrap_amount=-0.1)


def test_a_batch_of_frames_shares_one_still_background(plant):
    plate, matte = plant
    bg = _photo("skimage_rocket.jpg", 500, 333)
    frames = torch.cat([plate, plate * 0.5])          # two frames of a shot, one background
    both = composite(frames, matte, bg, light_wrap_amount=0.1)
    for i in range(2):
        one = composite(frames[i:i + 1], matte, bg, light_wrap_amount=0.1)
        assert torch.allclose(both[i:i + 1], one, atol=1e-6)
