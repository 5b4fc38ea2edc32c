"""Where a look lives and how it trains: its encoded spaces, its schema and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.color import resolve_space
from workbench.errors import ColourSpaceError
from workbench.model.look_net import CURVE_KNOTS, HUE_ORDER, LUT_LEVELS

__all__ = ["CDL_BINS", "LOOK_SCHEMA", "LOOK_SPACES", "LookSettings", "look_domain"]

LOOK_SCHEMA = "LookModel.3"  # .3: the training colours travel in the weights file
CDL_BINS = 32
"""Bins per channel of the colours a CDL is fitted on (a few thousand colours at most)."""

#: Encoded spaces a look can be learned in, with the values its LUT domain spans. ACEScct's
#: 1.25 is linear ~5.5 (2.5 stops over diffuse white); above it the border of the LUT holds.
LOOK_SPACES: dict[str, tuple[float, float]] = {
    "sRGB": (0.0, 1.0),
    "Rec.709": (0.0, 1.0),
    "ACEScct": (0.0, 1.25),
}


def look_domain(space: str) -> tuple[float, float]:
    """The encoded values a look in ``space`` spans, ``(lo, hi)``; raises for other spaces."""
    if space not in LOOK_SPACES:
        raise ColourSpaceError(f"look space must be one of {sorted(LOOK_SPACES)}, got {space!r}")
    resolve_space(space)
    return LOOK_SPACES[space]


@dataclass(frozen=True)
class LookSettings:
    """How :func:`fit_look` trains; stored in ``look.json``.

    Attributes
    ----------
    steps : int
        Adam steps over every colour bin.
    lr : float
        Adam's learning rate, decayed on a cosine to 5 % by the last step.
    bins : int
        Colour bins per channel that the pairs are averaged into.
    smooth : float
        Weight of the residual LUT's squared second derivative (how linearly it extrapolates).
    magnitude : float
        Weight pulling the residual LUT toward zero where no pair says otherwise.
    curve_smooth : float
        Weight of the curves' squared second derivative.
    global_first : float
        Share of the steps spent on the curves and matrix alone, before the residual LUT
        learns.
    count_power : float
        Each bin weighs ``count ** count_power``: 1 fits the pixels as shot, 0 every colour
        alike; in between keeps rare colours (and other images' colours) from being ignored.
    hue_order : int
        Highest harmonic of the hue terms (0: none, as in ``LookModel.1``).
    hue_smooth : float
        Weight of the hue terms' squared derivative in hue.
    """

    steps: int = 400
    lr: float = 0.01
    bins: int = 64
    smooth: float = 1e-6
    magnitude: float = 1e-6
    curve_smooth: float = 1e-7
    count_power: float = 0.25
    global_first: float = 0.15
    levels: tuple[int, ...] = LUT_LEVELS
    knots: int = CURVE_KNOTS
    hue_order: int = HUE_ORDER
    hue_smooth: float = 1e-3

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON values."""
        return {"steps": self.steps, "lr": self.lr, "bins": self.bins, "smooth": self.smooth,
                "magnitude": self.magnitude, "curve_smooth": self.curve_smooth,
                "count_power": self.count_power, "global_first": self.global_first,
                "levels": list(self.levels), "knots": self.knots,
                "hue_order": self.hue_order, "hue_smooth": self.hue_smooth}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LookSettings:
        """Settings from :meth:`to_dict`'s output."""
        d = dict(d)
        d["levels"] = tuple(d.get("levels", LUT_LEVELS))
        d.setdefault("hue_order", 0)  # LookModel.1 had no hue terms
        return cls(**d)
