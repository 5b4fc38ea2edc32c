"""Colour management on OpenColorIO's built-in ACES studio config.

Images inside the workbench are ``(B, 3, H, W)`` float32 scene-linear ACEScg; every conversion
between colour spaces goes through this subpackage, on OCIO's CPU processor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports
from workbench.color.config import (
    COLOUR_SPACES,
    CONFIG_URI,
    DISPLAY,
    VIEW,
    WORKING_SPACE,
    XYZ_D65,
    get_config,
    is_display_referred,
    resolve_space,
)
from workbench.color.convert import (
    convert,
    convert_array,
    display_processor,
    display_transform,
    from_working,
    processor,
    to_working,
)
from workbench.color.luma import REC709_LUMA

if TYPE_CHECKING:
    from workbench.color.difference import (
        delta_e_2000,
        lab_delta_e_2000,
        mean_delta_e_2000,
        xyz_to_lab,
    )
    from workbench.color.encodings import (
        ACESCCT_UNITS_PER_STOP,
        AP1_TO_XYZ,
        acescct_to_lin,
        acescct_to_lin_torch,
        lin_to_acescct,
        lin_to_acescct_torch,
    )

# CIEDE2000 is torch maths: loaded on first use, so colour-space lookups stay light.
__getattr__, __dir__ = lazy_exports(__name__, {
    "difference": ("delta_e_2000", "lab_delta_e_2000", "mean_delta_e_2000", "xyz_to_lab"),
    "encodings": ("ACESCCT_UNITS_PER_STOP", "AP1_TO_XYZ", "acescct_to_lin", "acescct_to_lin_torch",
                  "lin_to_acescct", "lin_to_acescct_torch"),
})

__all__ = [
    "ACESCCT_UNITS_PER_STOP",
    "AP1_TO_XYZ",
    "COLOUR_SPACES",
    "CONFIG_URI",
    "DISPLAY",
    "REC709_LUMA",
    "VIEW",
    "WORKING_SPACE",
    "XYZ_D65",
    "acescct_to_lin",
    "acescct_to_lin_torch",
    "convert",
    "convert_array",
    "delta_e_2000",
    "display_processor",
    "display_transform",
    "from_working",
    "get_config",
    "is_display_referred",
    "lab_delta_e_2000",
    "lin_to_acescct",
    "lin_to_acescct_torch",
    "mean_delta_e_2000",
    "processor",
    "resolve_space",
    "to_working",
    "xyz_to_lab",
]
