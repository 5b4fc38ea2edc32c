"""Shot profiles on pictures with known answers: light colour, exposure, motion, grain."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench._colour import import_colour
from workbench.color import convert
from workbench.errors import ShapeError
from workbench.io import read_image
from workbench.model.profiles import (
    ShotProfile,
    global_motion,
    scene_profile,
    shot_profile,
    title_profile,
)

DATA = shared_path()


def grey_card(cct: float, reflectance: float = 0.18, size: int = 32) -> torch.Tensor:
    """A grey card lit by a light of ``cct`` (daylight locus above 4000 K, Planckian below)."""
    colour = import_colour()
    if cct >= 4000:
        xy = colour.temperature.CCT_to_xy_CIE_D(cct)
    else:
        xy = colour.UCS_uv_to_xy(colour.temperature.CCT_to_uv_Ohno2013(np.array([cct, 0.0])))
    m = np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ)
    rgb = np.linalg.solve(m, colour.xy_to_XYZ(xy) * reflectance)
    return torch.tensor(rgb, dtype=torch.float32).reshape(1, 3, 1, 1).expand(1, 3, size, size)


def photo(name: str = "skimage_astronaut.png", width: int = 192) -> torch.Tensor:
    rgb, _ = read_image(DATA / "photo" / name)
    step = max(1, rgb.shape[1] // width)
    x = torch.from_numpy(np.ascontiguousarray(rgb[::step, ::step])).permute(2, 0, 1)[None]
    return convert(x.contiguous(), "sRGB", "ACEScg")


@pytest.mark.parametrize("cct", [3200.0, 5000.0, 6500.0])
def test_grey_card_reads_its_light(cct: float):
    lighting = shot_profile(grey_card(cct)).lighting
    assert abs(lighting.cct - cct) < 150
    assert abs(lighting.exposure) < 0.01  # an 18 % card is mid grey: 0 stops


def test_exposure_in_stops_and_light_colour_survive_a_real_photo():
    img = photo("skimage_coffee.png")
    base = shot_profile(img).lighting
    darker = shot_profile(img * 0.5).lighting
    assert darker.exposure == pytest.approx(base.exposure - 1.0, abs=0.05)
    assert darker.cct == pytest.approx(base.cct, abs=20)
    assert darker.contrast == pytest.approx(base.contrast, abs=0.05)


def test_tungsten_light_reads_warmer_than_daylight_on_a_real_photo():
    colour = import_colour()
    img = photo()
    m = np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ)
    white = colour.xy_to_XYZ(colour.RGB_COLOURSPACES["ACEScg"].whitepoint)
    warm = colour.xy_to_XYZ(colour.UCS_uv_to_xy(
        colour.temperature.CCT_to_uv_Ohno2013(np.array([3200.0, 0.0]))))
    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(white, warm, "Bradford")
    full = torch.tensor(np.linalg.inv(m) @ cat @ m, dtype=torch.float32)
    lit = torch.einsum("ij,njhw->nihw", full, img)
    assert shot_profile(img).lighting.cct - shot_profile(lit).lighting.cct > 1500


def test_phase_correlation_finds_a_known_shift_of_a_real_image():
    img = photo(width=256)[0]
    luma = (img * torch.tensor([0.27, 0.67, 0.06])[:, None, None]).sum(0).numpy()
    frames = np.stack([luma[20:148, 20:148], luma[20:148, 26:154], luma[20:148, 32:160]])
    motion = global_motion(frames.astype(np.float32))
    assert motion is not None and motion.pairs == 2
    assert motion.speed == pytest.approx(6 / 128, abs=0.004)   # 6 px per frame
    assert abs(motion.direction - 180) < 5                      # the picture moves left
    assert motion.shakiness < 0.005
    assert global_motion(frames[:1]) is None


def test_grain_follows_added_noise():
    img = photo("skimage_coffee.png", width=200)
    gen = torch.Generator().manual_seed(0)
    levels = []
    for sigma in (0.0, 0.01, 0.02):
        cct = convert(img, "ACEScg", "ACEScct")
        noisy = cct + sigma * torch.randn(cct.shape, generator=gen)
        levels.append(shot_profile(convert(noisy, "ACEScct", "ACEScg")).grain.level)
    assert levels[0] < levels[1] < levels[2]
    # Immerkær's estimate of added white noise: within 30 % once the photo's own is removed.
    added = [np.sqrt(max(v**2 - levels[0] ** 2, 0)) for v in levels[1:]]
    assert added[0] == pytest.approx(0.01, rel=0.3)
    assert added[1] == pytest.approx(0.02, rel=0.3)


def test_profile_round_trips_through_json_and_aggregates():
    p = shot_profile(torch.cat([photo(), photo() * 0.9]), frame_indices=[0, 4])
    again = ShotProfile.from_dict(json.loads(json.dumps(p.to_dict())))
    assert again == p
    assert p.to_dict()["schema"] == "ShotProfile.1"
    assert p.lens.distortion is None
    assert 0.0 <= p.palette.skin_fraction <= 1.0 and p.palette.skin_hue is not None
    assert sum(p.palette.weights) == pytest.approx(1.0)
    scene = scene_profile([p, shot_profile(photo("skimage_coffee.png"))])
    assert scene.count == 2 and "exposure" in scene.median
    title = title_profile([scene, scene])
    assert title.median["exposure"] == pytest.approx(scene.median["exposure"])
    assert title.to_dict()["schema"] == "TitleProfile.1"


def test_bad_shapes_raise():
    with pytest.raises(ShapeError, match="expects"):
        shot_profile(torch.zeros(3, 8, 8))
    with pytest.raises(ShapeError):
        scene_profile([])


def test_non_finite_pixels_do_not_poison_the_profile():
    img = photo().clone()
    img[0, :, :4, :4] = float("nan")
    img[0, :, 4:8, :4] = float("inf")
    metrics = shot_profile(img).metrics()
    assert all(np.isfinite(v) for v in metrics.values())
