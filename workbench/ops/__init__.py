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
from workbench.ops.exposure import Exposure, apply_exposure
from workbench.ops.saturation import Saturation, apply_saturation
from workbench.ops.white_balance import WhiteBalance, apply_white_balance, white_balance_matrix

__all__ = [
    "CDL",
    "OPERATORS",
    "CDLValues",
    "Exposure",
    "Operator",
    "Pipeline",
    "Saturation",
    "UnknownOperator",
    "WhiteBalance",
    "apply_cdl",
    "apply_exposure",
    "apply_saturation",
    "apply_white_balance",
    "cdl_values_at_strength",
    "operator_from_dict",
    "register_operator",
    "white_balance_matrix",
]
