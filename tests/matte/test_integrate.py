"""VFX integration on real material: an element takes a real plate's grain, lens and colour.

The plate is a frame of ``opencv_vtest.avi`` (a real camera through a real codec: its grain is
what the profiles measure); the element is the JPEG XL test photo with its *synthetic* radial
alpha (``jxl_wesaturate_..._alpha.png``), a clean still standing in for a render.
"""

from __future__ import annotations

import json

import numpy as np
import OpenImageIO as oiio
import pytest
import torch
from testkit import one_thread, shared_path  # noqa: F401  (one_thread: module fixture)

from workbench.color.convert import convert_array
from workbench.errors import ParameterError, ShapeError
from workbench.io import read_movie_frames
from workbench.matte.grain_match import band_power, fit_grain, grain_of, inner_mask
from workbench.matte.integrate import (
    IntegrationFit,
    apply_integration,
    fit_integration,
    integrate,
)

SIZE = 400


@pytest.fixture(scope="module")
def plate() -> torch.Tensor:
    """Frame 30 of the walkway clip, cropped to 400x400, linear ACEScg."""
    _, frame = next(iter(read_movie_frames(shared_path("video", "opencv_vtest.avi"), 30, 31)))
    rgb = np.ascontiguousarray(frame[100:100 + SIZE, 200:200 + SIZE].astype(np.float32) / 255)
    lin = convert_array(rgb, "Rec.709", "ACEScg")
    return torch.from_numpy(lin).permute(2, 0, 1)[None].contiguous()


@pytest.fixture(scope="module")
def element() -> tuple[torch.Tensor, torch.Tensor]:
    """The tulip photo and its radial alpha, 400x400: straight colour, linear ACEScg."""
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    path = shared_path("keying", "jxl_wesaturate_tmshre_riaphotographs_alpha.png")
    px = oiio.ImageBuf(str(path), 0, 0, config).get_pixels(oiio.FLOAT)[50:450, 50:450]
    rgb = convert_array(np.ascontiguousarray(px[..., :3]), "sRGB", "ACEScg")
    alpha = torch.from_numpy(np.ascontiguousarray(px[..., 3]))[None, None]
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), alpha


def _checked_bands(plate_p, before_p, after_p):
    """Bands both measured where grain could be added (the element was not already noisier)."""
    return [i for i, (p, b, a) in enumerate(zip(plate_p, before_p, after_p, strict=True))
            if p is not None and a is not None and b is not None and b < p]


def test_grain_matches_the_plate_within_10_percent_per_band(plate, element):
    el, alpha = element
    fit, plate_grain, before = fit_grain(el, alpha, plate, seed=3)
    assert fit is not None
    plate_p, before_p = band_power(plate_grain), band_power(before)
    inside = inner_mask(alpha)
    from workbench.matte.grain_match import apply_grain
    for frame in (0, 17):  # the fitted frame, and another frame's grain from the same fit
        after_p = band_power(grain_of(apply_grain(el, fit, frames=[frame]), inside))
        bands = _checked_bands(plate_p, before_p, after_p)
        assert len(bands) >= 2, (plate_p, before_p, after_p)
        for i in bands:
            assert after_p[i] == pytest.approx(plate_p[i], rel=0.10), (i, plate_p, after_p)
    # before integration the element was far from the plate: the test can fail
    assert any(abs(before_p[i] / plate_p[i] - 1) > 0.5 for i in bands)


def test_integration_reports_before_and_after_and_repeats_exactly(plate, element):
    el, alpha = element
    out = integrate(el, alpha, plate, match=None, vignette=-0.5, seed=1)
    report = out.report
    assert report is not None
    text = report.summary()
    for row in ("levels", "colour temperature", "sharpness", "grain power per band"):
        assert row in text
    json.dumps(report.to_dict())  # plain data, for the journal
    ratios = [r for r in report.grain_ratio() if r is not None]
    assert ratios and all(abs(r - 1) <= 0.10 for r in ratios[:2]), ratios
    again, _, _ = apply_integration(el, alpha, plate, out.fit)
    assert torch.equal(again, out.image)
    # strength 0: the plate, bit for bit; the plate stays where the element's alpha is 0
    none, _, _ = apply_integration(el, alpha, plate, out.fit, strength=0.0)
    assert torch.equal(none, plate)
    clear = (alpha == 0).expand_as(plate)
    assert torch.equal(out.image[clear], plate[clear])


def test_a_piece_of_another_plate_takes_this_plates_light(plate, element):
    _, alpha = element
    # The same scene under a warmer light a stop down: the shot match, measured inside the
    # element's matte only, brings it back to the plate's colour and level.
    warm = torch.tensor([1.4, 1.0, 0.6]).reshape(1, 3, 1, 1) * 0.5
    piece = plate * warm
    out = integrate(piece, alpha, plate, match="von-kries", sharpness=False, grain=False)
    inside = (alpha > 0.5).expand_as(plate)

    def log_ratio(img: torch.Tensor) -> torch.Tensor:
        return torch.log2(img[inside].reshape(3, -1).mean(1) / plate[inside].reshape(3, -1)
                          .mean(1))

    before, after = log_ratio(piece).abs(), log_ratio(out.element).abs()
    assert float(after.max()) < float(before.max()) / 3, (before, after)
    report = out.report
    assert report is not None and report.after.cct is not None and report.before.cct is not None
    assert abs(report.after.cct - report.plate.cct) < abs(report.before.cct - report.plate.cct)


def test_lens_distortion_moves_the_element_and_its_alpha_together(plate, element):
    el, alpha = element
    fit = IntegrationFit(distortion=(0.2, 0.0), vignette=-1.0)
    image, warped, a = apply_integration(el, alpha, plate, fit)
    assert not torch.equal(a, alpha)
    # barrel (k1 > 0) draws the picture toward the centre: the element covers less
    assert float(a.sum()) < float(alpha.sum())
    assert torch.equal(image[(a == 0).expand_as(image)], plate[(a == 0).expand_as(image)])
    # the vignette darkens toward the corners of the plate's frame, not the centre
    plain, plain_el, _ = apply_integration(el, alpha, plate,
                                           IntegrationFit(distortion=(0.2, 0.0)))
    centre = (slice(None), slice(None), slice(195, 205), slice(195, 205))
    assert torch.allclose(warped[centre], plain_el[centre], rtol=0.01)
    assert float(image.mean()) < float(plain.mean())


def test_bad_input_is_refused(plate, element):
    el, alpha = element
    with pytest.raises(ShapeError, match="does not match the plate"):
        fit_integration(el, alpha, plate[..., :300], match=None)
    with pytest.raises(ShapeError, match="integrate element matte"):
        fit_integration(el, alpha.expand(1, 3, -1, -1), plate, match=None)
    with pytest.raises(ParameterError, match="vignette"):
        fit_integration(el, alpha, plate, match=None, vignette=9.0)
    with pytest.raises(ParameterError, match="too few"):
        fit_integration(el, torch.zeros_like(alpha), plate)
