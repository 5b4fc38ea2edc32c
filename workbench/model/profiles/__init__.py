"""Profiles of shots, scenes and titles: measured lighting, palette, lens, grain and motion.

A profile is what a colourist notes about a shot before matching it: how bright and how hard
the light is, what colour the light is, which colours dominate, how the lens falls off and how
sharp it is, how much grain there is and how the camera moves. Every number is measured on
scene-linear ACEScg frames inside the active picture area (letterbox bars excluded) and is
plain JSON (``to_dict``/``from_dict``), so profiles are stored beside a title and compared by
:mod:`workbench.model.continuity`. All estimates are deterministic.

One module per part, each saying how its quantities are estimated:

- :mod:`~workbench.model.profiles.light`: exposure, contrast, key-to-fill, CCT/Duv, saturation;
- :mod:`~workbench.model.profiles.palette`: dominant Oklab colours and the skin-tone locus;
- :mod:`~workbench.model.profiles.lens`: vignetting and sharpness;
- :mod:`~workbench.model.profiles.grain`: noise per luminance band;
- :mod:`~workbench.model.profiles.motion`: global camera motion;
- :mod:`~workbench.model.profiles.shot`: :class:`ShotProfile` and :func:`shot_profile`;
- :mod:`~workbench.model.profiles.aggregate`: scene and title profiles;
- :mod:`~workbench.model.profiles.colour`: the colour helpers they share.
"""

from __future__ import annotations

from workbench.model.profiles.aggregate import (
    SceneProfile,
    TitleProfile,
    scene_profile,
    title_profile,
)
from workbench.model.profiles.colour import LUMA, acescct_encode, xy_to_cct_duv
from workbench.model.profiles.grain import GRAIN_BANDS, Grain
from workbench.model.profiles.lens import Lens
from workbench.model.profiles.light import QUANTILES, Lighting, estimate_illuminant
from workbench.model.profiles.motion import Motion, global_motion
from workbench.model.profiles.palette import SKIN_CHROMA, SKIN_HUE, SKIN_LIGHTNESS, Palette
from workbench.model.profiles.shot import ShotProfile, shot_profile

__all__ = [
    "GRAIN_BANDS",
    "LUMA",
    "QUANTILES",
    "SKIN_CHROMA",
    "SKIN_HUE",
    "SKIN_LIGHTNESS",
    "Grain",
    "Lens",
    "Lighting",
    "Motion",
    "Palette",
    "SceneProfile",
    "ShotProfile",
    "TitleProfile",
    "acescct_encode",
    "estimate_illuminant",
    "global_motion",
    "scene_profile",
    "shot_profile",
    "title_profile",
    "xy_to_cct_duv",
]
