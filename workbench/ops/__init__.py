"""Composable operators: pure torch functions plus declared, bounded Operator classes."""

from workbench.ops.base import (
    OPERATORS,
    Operator,
    Pipeline,
    UnknownOperator,
    operator_from_dict,
    register_operator,
)
from workbench.ops.cdl import CDL, CDLValues, apply_cdl, cdl_values_at_strength
from workbench.ops.contrast import ACESCCT_MID_GREY, Contrast, apply_contrast
from workbench.ops.exposure import Exposure, apply_exposure
from workbench.ops.lift_gamma_gain import (
    LiftGammaGain,
    apply_lift_gamma_gain,
    invert_lift_gamma_gain,
)
from workbench.ops.matrix import Matrix3x3, apply_matrix, invert_matrix_operator
from workbench.ops.saturation import Saturation, apply_saturation
from workbench.ops.vibrance import Vibrance, apply_vibrance
from workbench.ops.white_balance import WhiteBalance, apply_white_balance, white_balance_matrix

# Last: LUT operators read .cube files through workbench.interchange, which uses the above.
from workbench.ops.lut import LUT1D, LUT3D, apply_cube, apply_lut1d, apply_lut3d, lut_operator  # isort: skip

__all__ = [
    "ACESCCT_MID_GREY",
    "CDL",
    "LUT1D",
    "LUT3D",
    "OPERATORS",
    "CDLValues",
    "Contrast",
    "Exposure",
    "LiftGammaGain",
    "Matrix3x3",
    "Operator",
    "Pipeline",
    "Saturation",
    "UnknownOperator",
    "Vibrance",
    "WhiteBalance",
    "apply_cdl",
    "apply_contrast",
    "apply_cube",
    "apply_exposure",
    "apply_lift_gamma_gain",
    "apply_lut1d",
    "apply_lut3d",
    "apply_matrix",
    "apply_saturation",
    "apply_vibrance",
    "apply_white_balance",
    "cdl_values_at_strength",
    "invert_lift_gamma_gain",
    "invert_matrix_operator",
    "lut_operator",
    "operator_from_dict",
    "register_operator",
    "white_balance_matrix",
]
