import pytest

from workbench.color import (
    COLOUR_SPACES,
    CONFIG_URI,
    DISPLAY,
    VIEW,
    WORKING_SPACE,
    get_config,
    is_display_referred,
    resolve_space,
)
from workbench.errors import ColourSpaceError


def test_config_is_pinned_and_cached():
    assert "latest" not in CONFIG_URI
    assert "v5.0.0" in CONFIG_URI
    assert get_config() is get_config()


@pytest.mark.parametrize("key", list(COLOUR_SPACES))
def test_every_registry_entry_exists_in_config(key):
    space = get_config().getColorSpace(COLOUR_SPACES[key])
    assert space is not None
    assert space.getName() == COLOUR_SPACES[key]


def test_required_keys():
    required = {
        "ACEScg": "ACEScg",
        "ACEScct": "ACEScct",
        "ACES2065-1": "ACES2065-1",
        "Linear Rec.709": "Linear Rec.709 (sRGB)",
        "sRGB": "sRGB Encoded Rec.709 (sRGB)",
        "Rec.709": "Rec.1886 Rec.709 - Display",
        "Camera Rec.709": "Camera Rec.709",
        "ARRI LogC3": "ARRI LogC3 (EI800)",
        "ARRI LogC4": "ARRI LogC4",
        "Sony S-Log3": "S-Log3 S-Gamut3.Cine",
        "Sony S-Log3 S-Gamut3": "S-Log3 S-Gamut3",
        "Linear Rec.2020": "Linear Rec.2020",
        "Rec.2100-HLG": "Rec.2100-HLG - Display",
        "Raw": "Raw",
    }
    for key, value in required.items():
        assert COLOUR_SPACES[key] == value


def test_display_and_view_exist():
    config = get_config()
    assert DISPLAY in list(config.getDisplays())
    assert VIEW in list(config.getViews(DISPLAY))
    assert resolve_space(WORKING_SPACE) == "ACEScg"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("arri logc3", "ARRI LogC3 (EI800)"),
        ("SONY S-LOG3", "S-Log3 S-Gamut3.Cine"),
        ("  sRGB ", "sRGB Encoded Rec.709 (sRGB)"),
        ("lin_ap1", "ACEScg"),  # OCIO alias
        ("S-Log3 Venice S-Gamut3", "S-Log3 Venice S-Gamut3"),  # OCIO name not in registry
        ("acescc", "ACEScc"),
        ("Rec.1886 Rec.709 - Display", "Rec.1886 Rec.709 - Display"),
    ],
)
def test_resolve_space(name, expected):
    assert resolve_space(name) == expected


@pytest.mark.parametrize("name", ["LogC9", "", "sRGB2"])
def test_unknown_name_lists_known(name):
    with pytest.raises(ColourSpaceError) as info:
        resolve_space(name)
    message = str(info.value)
    assert f"unknown colour space {name!r}" in message
    assert "known: ACEScg, ACEScct" in message
    assert "ARRI LogC3" in message


def test_display_referred_flags():
    assert is_display_referred("Rec.709")
    assert is_display_referred("Rec.2100-HLG")
    assert not is_display_referred("sRGB")
    assert not is_display_referred("ACEScg")
