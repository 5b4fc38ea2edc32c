"""Composable operators: pure torch functions plus declared, bounded Operator classes."""

from workbench.ops.base import (
    OPERATORS,
    Operator,
    Pipeline,
    UnknownOperator,
    operator_from_dict,
    register_operator,
)
from workbench.ops.cdl import CDL, CDLValues, apply_cdl, cdl_values_at_strength, is_plain_cdl
from workbench.ops.contrast import ACESCCT_MID_GREY, Contrast, apply_contrast
from workbench.ops.curves import Curves, apply_curves
from workbench.ops.exposure import Exposure, apply_exposure
from workbench.ops.hue_curves import (
    HueVsHue,
    HueVsSat,
    LumVsSat,
    apply_hue_vs_hue,
    apply_hue_vs_sat,
    apply_lum_vs_sat,
)
from workbench.ops.lens import (
    Blur,
    FilmGrain,
    LensDistortion,
    Sharpen,
    Vignette,
    apply_blur,
    apply_film_grain,
    apply_lens_distortion,
    apply_sharpen,
    apply_vignette,
    invert_lens_distortion,
)
from workbench.ops.lift_gamma_gain import (
    LiftGammaGain,
    apply_lift_gamma_gain,
    invert_lift_gamma_gain,
)
from workbench.ops.lut import LUT1D, LUT3D
from workbench.ops.lut_interpolation import apply_cube, apply_lut1d, apply_lut3d
from workbench.ops.lut_table import CubeLUT
from workbench.ops.matrix import Matrix3x3, apply_matrix, invert_matrix_operator
from workbench.ops.qualifier import HSLQualifier, hsl_qualifier, qualify
from workbench.ops.saturation import Saturation, apply_saturation
from workbench.ops.vibrance import Vibrance, apply_vibrance
from workbench.ops.white_balance import WhiteBalance, apply_white_balance, white_balance_matrix
from workbench.ops.windows import (
    Relight,
    ShadowsHighlights,
    apply_relight,
    apply_shadows_highlights,
    ellipse_window,
    gradient_window,
    rectangle_window,
)

__all__ = [
    "ACESCCT_MID_GREY",
    "CDL",
    "LUT1D",
    "LUT3D",
    "OPERATORS",
    "Blur",
    "CDLValues",
    "Contrast",
    "CubeLUT",
    "Curves",
    "Exposure",
    "FilmGrain",
    "HSLQualifier",
    "HueVsHue",
    "HueVsSat",
    "LensDistortion",
    "LiftGammaGain",
    "LumVsSat",
    "Matrix3x3",
    "Operator",
    "Pipeline",
    "Relight",
    "Saturation",
    "ShadowsHighlights",
    "Sharpen",
    "UnknownOperator",
    "Vibrance",
    "Vignette",
    "WhiteBalance",
    "apply_blur",
    "apply_cdl",
    "apply_contrast",
    "apply_cube",
    "apply_curves",
    "apply_exposure",
    "apply_film_grain",
    "apply_hue_vs_hue",
    "apply_hue_vs_sat",
    "apply_lens_distortion",
    "apply_lift_gamma_gain",
    "apply_lum_vs_sat",
    "apply_lut1d",
    "apply_lut3d",
    "apply_matrix",
    "apply_relight",
    "apply_saturation",
    "apply_shadows_highlights",
    "apply_sharpen",
    "apply_vibrance",
    "apply_vignette",
    "apply_white_balance",
    "cdl_values_at_strength",
    "ellipse_window",
    "gradient_window",
    "hsl_qualifier",
    "invert_lens_distortion",
    "invert_lift_gamma_gain",
    "invert_matrix_operator",
    "is_plain_cdl",
    "operator_from_dict",
    "qualify",
    "rectangle_window",
    "register_operator",
    "white_balance_matrix",
]
