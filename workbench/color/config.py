"""The pinned OpenColorIO config and the workbench's registry of colour-space names.

Users type the names in :data:`COLOUR_SPACES` ("ARRI LogC3", "Sony S-Log3", "Rec.709", ...);
:func:`resolve_space` maps them, case-insensitively, to the names of OCIO's built-in ACES studio
config. Any colour space or alias of that config is also accepted as it is spelled there.

References
----------
OpenColorIO built-in configs: https://opencolorio.readthedocs.io/en/latest/guides/using_ocio/\
using_ocio.html (``ocio://`` URIs); ACES studio config v5.0.0 (ACES 2.1, OCIO 2.6).
"""

from __future__ import annotations

import functools

import PyOpenColorIO as ocio

from workbench.errors import ColourSpaceError

__all__ = [
    "COLOUR_SPACES",
    "CONFIG_URI",
    "DISPLAY",
    "VIEW",
    "WORKING_SPACE",
    "XYZ_D65",
    "get_config",
    "is_display_referred",
    "resolve_space",
]

CONFIG_URI = "ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6"
"""Pinned, versioned built-in config (never ``-latest``: names change between versions)."""

COLOUR_SPACES: dict[str, str] = {
    # ACES
    "ACEScg": "ACEScg",
    "ACEScct": "ACEScct",
    "ACES2065-1": "ACES2065-1",
    # Scene-linear utility spaces
    "Linear Rec.709": "Linear Rec.709 (sRGB)",
    "Linear Rec.2020": "Linear Rec.2020",
    "Linear P3-D65": "Linear P3-D65",
    "CIE XYZ-D65": "CIE XYZ-D65 - Scene-referred",
    # Encoded Rec.709 / sRGB (stills, textures, video)
    "sRGB": "sRGB Encoded Rec.709 (sRGB)",
    # Display-encoded BT.709 / BT.1886 (pure 2.4 gamma) video, what H.264 dailies decode to.
    "Rec.709": "Rec.1886 Rec.709 - Display",
    # Scene-referred BT.709 OETF (camera encoding).
    "Camera Rec.709": "Camera Rec.709",
    "Rec.2100-HLG": "Rec.2100-HLG - Display",
    "Rec.2100-PQ": "Rec.2100-PQ - Display",
    # Cameras
    "ARRI LogC3": "ARRI LogC3 (EI800)",
    "ARRI LogC4": "ARRI LogC4",
    # S-Gamut3.Cine is Sony's recommended gamut for grading and the common on-set default.
    "Sony S-Log3": "S-Log3 S-Gamut3.Cine",
    "Sony S-Log3 S-Gamut3": "S-Log3 S-Gamut3",
    "Sony S-Log3 S-Gamut3.Cine": "S-Log3 S-Gamut3.Cine",
    "RED Log3G10": "Log3G10 REDWideGamutRGB",
    "Panasonic V-Log": "V-Log V-Gamut",
    "Blackmagic Film Gen5": "BMDFilm WideGamut Gen5",
    "DaVinci Intermediate": "DaVinci Intermediate WideGamut",
    # No conversion at all (data, mattes, normals).
    "Raw": "Raw",
}
"""Workbench name (what users type) -> OCIO colour-space name in :data:`CONFIG_URI`.

Every entry round-trips ACEScg -> space -> ACEScg within 1e-5 on [-0.1, 4]. Spaces that do not
(ACEScc floors small values; Canon Log3 and Apple Log invert approximately in this config) are
left out of the registry but stay reachable by their OCIO names.
"""

WORKING_SPACE = "ACEScg"
"""Every image tensor inside the package is scene-linear ACEScg (AP1, ACES ~D60 white)."""

DISPLAY = "sRGB - Display"
"""Display used for previews and thumbnails."""

VIEW = "ACES 2.0 - SDR 100 nits (Rec.709)"
"""ACES 2.0 SDR output transform (view) used for previews and thumbnails."""

XYZ_D65 = "CIE XYZ-D65 - Scene-referred"
"""OCIO name of scene-referred CIE 1931 XYZ, D65 white (Y = 1 for linear Rec.709 white)."""

_LOWER_KEYS = {key.lower(): value for key, value in COLOUR_SPACES.items()}


@functools.lru_cache(maxsize=1)
def get_config() -> ocio.Config:
    """Return the pinned built-in OCIO config (:data:`CONFIG_URI`), created once."""
    return ocio.Config.CreateFromFile(CONFIG_URI)


@functools.lru_cache(maxsize=256)
def resolve_space(name: str) -> str:
    """Return the OCIO colour-space name for a workbench or OCIO colour-space name.

    Parameters
    ----------
    name
        A key of :data:`COLOUR_SPACES` (case-insensitive), or any colour-space name or alias of
        the config (case-insensitive, inactive spaces included).

    Returns
    -------
    str
        The canonical OCIO colour-space name.

    Raises
    ------
    ColourSpaceError
        If the name is neither in the registry nor in the config; the message lists the
        registry's keys.

    Examples
    --------
    >>> resolve_space("arri logc3")
    'ARRI LogC3 (EI800)'
    >>> resolve_space("lin_ap1")
    'ACEScg'
    """
    if not isinstance(name, str):
        raise ColourSpaceError(f"colour space name must be a str, got {type(name).__name__}")
    mapped = _LOWER_KEYS.get(name.strip().lower())
    if mapped is not None:
        return mapped
    space = get_config().getColorSpace(name.strip()) if name.strip() else None
    if space is None:
        known = ", ".join(COLOUR_SPACES)
        raise ColourSpaceError(
            f"unknown colour space {name!r}; known: {known} "
            f"(or any colour-space name or alias of {CONFIG_URI})"
        )
    return str(space.getName())


def is_display_referred(name: str) -> bool:
    """Return True if ``name`` resolves to a display-referred colour space of the config."""
    space = get_config().getColorSpace(resolve_space(name))
    return bool(space.getReferenceSpaceType() == ocio.REFERENCE_SPACE_DISPLAY)
