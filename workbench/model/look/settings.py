"""Where a look lives and how it trains: its encoded spaces, its schema and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.color import resolve_space
from workbench.errors import ColourSpaceError
from workbench.model.look_net import CURVE_KNOTS, HUE_ORDER, LUT_LEVELS

__all__ = ["CDL_BINS", "DISPLAY_SPACES", "LOOK_SCHEMA", "LOOK_SPACES", "LookSettings",
           "clips_output", "look_domain"]

LOOK_SCHEMA = "LookModel.4"  # .4: clipped output, linear saturation gain (see LookSettings)
CDL_BINS = 32
"""Bins per channel of the colours a CDL is fitted on (a few thousand colours at most)."""

#: Encoded spaces a look can be learned in, with the values its LUT domain spans. ACEScct's
#: 1.25 is linear ~5.5 (2.5 stops over diffuse white); above it the border of the LUT holds.
LOOK_SPACES: dict[str, tuple[float, float]] = {
    "sRGB": (0.0, 1.0),
    "Rec.709": (0.0, 1.0),
    "ACEScct": (0.0, 1.25),
}

#: Display-referred spaces: a graded image in them cannot leave the domain, so a look learned
#: there clips its output to it (:attr:`LookSettings.clip_output`).
DISPLAY_SPACES = frozenset({"sRGB", "Rec.709"})


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
    clip_output : bool
        In a display-referred space (:data:`DISPLAY_SPACES`), treat after values at the edge of
        the domain as clipped (the true grade is there *or beyond*: the loss is one-sided) and
        clip the look's output to the domain. The smooth terms then learn the grade itself
        rather than a compromise with its clipping. ``False`` for looks saved without it.
    linear_saturation : bool
        The hue terms' saturation is a gain ``1 + series(hue)`` (a colourist's hue-vs-sat
        curve, 1 unchanged) rather than ``exp(series(hue))``. ``False`` for looks saved
        before ``LookModel.4``.
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
    clip_output: bool = True
    linear_saturation: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON values."""
        return {"steps": self.steps, "lr": self.lr, "bins": self.bins, "smooth": self.smooth,
                "magnitude": self.magnitude, "curve_smooth": self.curve_smooth,
                "count_power": self.count_power, "global_first": self.global_first,
                "levels": list(self.levels), "knots": self.knots,
                "hue_order": self.hue_order, "hue_smooth": self.hue_smooth,
                "clip_output": self.clip_output,
                "linear_saturation": self.linear_saturation}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LookSettings:
        """Settings from :meth:`to_dict`'s output."""
        d = dict(d)
        d["levels"] = tuple(d.get("levels", LUT_LEVELS))
        d.setdefault("hue_order", 0)  # LookModel.1 had no hue terms
        d.setdefault("clip_output", False)  # before LookModel.4: not clipped,
        d.setdefault("linear_saturation", False)  # and saturation was exp(series)
        return cls(**d)


def clips_output(settings: LookSettings, space: str) -> bool:
    """Whether a look with ``settings`` in ``space`` clips its output to the domain."""
    return settings.clip_output and space in DISPLAY_SPACES
