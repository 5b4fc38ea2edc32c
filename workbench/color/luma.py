"""Luma weights: how much each primary of an RGB encoding contributes to its luminance.

``REC709_LUMA`` are the ITU-R BT.709 coefficients, ``Y = 0.2126 R + 0.7152 G + 0.0722 B``,
the Y row of the Rec.709 (and sRGB) RGB → XYZ matrix rounded to four places. They apply to
linear Rec.709/sRGB light, and (as ``E'Y``) to gamma-encoded values for Y'CbCr.

References
----------
ITU-R BT.709-6, "Parameter values for the HDTV standards", item 3.2.
"""

from __future__ import annotations

__all__ = ["REC709_LUMA"]

REC709_LUMA: tuple[float, float, float] = (0.2126, 0.7152, 0.0722)
"""ITU-R BT.709 luma coefficients ``(K_R, K_G, K_B)``; they sum to 1."""
