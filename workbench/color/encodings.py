"""Colour encodings and matrices written out once: the ACEScct curve and AP1 → CIE XYZ.

Most conversions go through OpenColorIO's processor (:func:`workbench.color.convert`); these
closed forms are for what OCIO cannot do: differentiable torch maths inside a model or a fit,
float64 shapers for a LUT bake, and per-pixel statistics. Each is checked against OCIO's
processor on the pinned config in ``tests/color/test_color_encodings.py``.

ACEScct (Academy S-2016-001) encodes linear AP1 values per channel: a straight line up to
``x = 2^-7`` (negatives included), ``(log2(x) + 9.72) / 17.52`` above; no clamp at the top.

References
----------
Academy S-2016-001, "ACEScct: A Quasi-Logarithmic Encoding of ACES Data for use within Color
Grading Systems". SMPTE ST 2065-1 and Academy S-2014-004 (ACEScg) for the AP1 matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = [
    "ACESCCT_A",
    "ACESCCT_B",
    "ACESCCT_UNITS_PER_STOP",
    "ACESCCT_X_BRK",
    "ACESCCT_Y_BRK",
    "ACES_WHITE_XY",
    "AP1_TO_XYZ",
    "acescct_to_lin",
    "acescct_to_lin_torch",
    "lin_to_acescct",
    "lin_to_acescct_torch",
]

ACESCCT_X_BRK = 0.0078125
"""Linear value (``2^-7``) where ACEScct's straight toe meets its log segment."""
ACESCCT_Y_BRK = 0.155251141552511
"""ACEScct code value at :data:`ACESCCT_X_BRK`."""
ACESCCT_A = 10.5402377416545
"""Slope of ACEScct's toe, ``y = A x + B`` below the break."""
ACESCCT_B = 0.0729055341958355
"""Offset of ACEScct's toe."""
_LOG_OFFSET, _LOG_SCALE = 9.72, 17.52
ACESCCT_UNITS_PER_STOP = 1.0 / _LOG_SCALE
"""ACEScct code values per stop of exposure on the log segment (``1 / 17.52``)."""

AP1_TO_XYZ: tuple[tuple[float, float, float], ...] = (
    (0.6624541811, 0.1340042065, 0.1561876870),
    (0.2722287168, 0.6740817658, 0.0536895174),
    (-0.0055746495, 0.0040607335, 1.0103391003),
)
"""Linear ACEScg (AP1 primaries) → CIE XYZ, with the ACES white (about D60) kept, no adaptation.

``AP1_TO_XYZ @ (1, 1, 1)`` is the ACES white point's XYZ, ``(0.95265, 1, 1.00883)``; the
second row gives ACEScg luminance. OCIO's ``ACEScg`` → ``CIE XYZ-D65`` is this matrix followed
by a Bradford adaptation from :data:`ACES_WHITE_XY` to D65.
"""
ACES_WHITE_XY = (0.32168, 0.33767)
"""CIE 1931 xy of the ACES white point (SMPTE ST 2065-1)."""


def lin_to_acescct(lin: np.ndarray | float) -> np.ndarray:
    """ACEScct code values of linear AP1 values, float64, any shape.

    Parameters
    ----------
    lin
        Scene-linear ACEScg (or any AP1 channel) values; negatives follow the straight toe.

    Returns
    -------
    numpy.ndarray
        ACEScct, same shape, float64 (0.18 → 0.4136; 1.0 code value at linear ~222).

    Examples
    --------
    >>> round(float(lin_to_acescct(0.18)), 6)
    0.413588
    """
    x = np.asarray(lin, dtype=np.float64)
    log = (np.log2(np.maximum(x, ACESCCT_X_BRK)) + _LOG_OFFSET) / _LOG_SCALE
    return np.where(x <= ACESCCT_X_BRK, ACESCCT_A * x + ACESCCT_B, log)


def acescct_to_lin(cct: np.ndarray | float) -> np.ndarray:
    """Linear AP1 values of ACEScct code values, float64, any shape (inverse of the above).

    Examples
    --------
    >>> round(float(acescct_to_lin(0.4135884)), 6)
    0.18
    """
    y = np.asarray(cct, dtype=np.float64)
    lin = np.exp2(y * _LOG_SCALE - _LOG_OFFSET)
    return np.where(y <= ACESCCT_Y_BRK, (y - ACESCCT_B) / ACESCCT_A, lin)


def lin_to_acescct_torch(lin: torch.Tensor) -> torch.Tensor:
    """:func:`lin_to_acescct` in torch: elementwise, differentiable, in ``lin``'s dtype.

    Shape: any. The log branch is evaluated on values clamped to the break, so neither branch
    produces NaN or an infinite gradient for zero or negative input.
    """
    import torch

    log = (torch.log2(lin.clamp(min=ACESCCT_X_BRK)) + _LOG_OFFSET) / _LOG_SCALE
    return torch.where(lin <= ACESCCT_X_BRK, ACESCCT_A * lin + ACESCCT_B, log)


def acescct_to_lin_torch(cct: torch.Tensor) -> torch.Tensor:
    """:func:`acescct_to_lin` in torch: elementwise, differentiable, in ``cct``'s dtype.

    Shape: any.
    """
    import torch

    lin = torch.exp2(cct * _LOG_SCALE - _LOG_OFFSET)
    return torch.where(cct <= ACESCCT_Y_BRK, (cct - ACESCCT_B) / ACESCCT_A, lin)
