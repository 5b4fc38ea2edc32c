"""A title's (and a scene's) learned preference: the mean of its artists' adjustments, shrunk.

Each adjust decision (the latest decision of its shot) gives an :class:`~.measure.Adjustment`.
A scene's preference is the mean of its own adjustments, shrunk by ``n / (n + PRIOR)`` toward
what the rest of the title's adjustments say (itself shrunk the same way toward "no change"):
one decision moves the next proposals a third of the way, five most of it; a scene nobody has
adjusted yet follows the title, and a scene graded differently learns its own.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from workbench.model.preference.measure import Adjustment, adjustment
from workbench.ops import CDL, Pipeline
from workbench.title import Title, journal

__all__ = ["PRIOR", "Preference", "learn_preference"]

PRIOR = 2.0            # decisions' worth of "no change" every mean is shrunk toward
KELVIN_STEP = 25.0     # white-balance shifts under this are not worth a word


@dataclass(frozen=True)
class Preference:
    """What to change in a new proposal: a strength factor and a CDL look change (ACEScct)."""

    scene: str
    scene_decisions: int
    title_decisions: int
    strength_ratio: float = 1.0
    slope: tuple[float, float, float] = (1.0, 1.0, 1.0)
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    saturation: float = 1.0
    decisions: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No adjust decision to learn from."""
        return self.title_decisions == 0

    def look(self) -> CDL:
        """The look change as a CDL to run after the grade, inside the proposal's chain.

        The proposal's strength blends it with the rest of the chain, as it blended the
        artist's own operators when they decided.
        """
        return CDL(slope_r=max(0.0, self.slope[0]), slope_g=max(0.0, self.slope[1]),
                   slope_b=max(0.0, self.slope[2]),
                   offset_r=float(np.clip(self.offset[0], -1, 1)),
                   offset_g=float(np.clip(self.offset[1], -1, 1)),
                   offset_b=float(np.clip(self.offset[2], -1, 1)),
                   saturation=float(np.clip(self.saturation, 0, 4)))

    def apply(self, grade: Pipeline, strength: float, cap: float = 1.0
              ) -> tuple[Pipeline, float]:
        """``grade`` followed by the look change, and ``strength`` scaled by the ratio.

        A proposal at strength 0 (a guess) stays at 0: the preference moves proposals, it does
        not make a guess into a grade.
        """
        if self.empty or strength <= 0.0:
            return grade, strength
        new = float(np.clip(round(strength * self.strength_ratio, 3), 0.0, cap))
        if new <= 0.0:
            return grade, 0.0
        return Pipeline([*grade.operators, self.look()]), new

    def kelvin_shift(self, strength: float = 1.0) -> float:
        """Kelvin the look change at ``strength`` moves 18% grey's colour temperature by.

        Negative: warmer.
        """
        from workbench._colour import import_colour
        from workbench.color import convert

        colour = import_colour()
        grey = torch.full((1, 3, 1, 1), 0.18)
        after = Pipeline([self.look()]).at_strength(strength).apply(grey)
        to_xyz = np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ)

        def cct(img: torch.Tensor) -> float:
            xyz = to_xyz @ convert(img, "ACEScg", "ACEScg").reshape(3).double().numpy()
            xy = xyz[:2] / xyz.sum()
            return float(colour.xy_to_CCT(xy, method="Hernandez 1999"))

        return cct(after) - cct(grey)

    def sentence(self, strength: float = 1.0) -> str:
        """The preference at ``strength`` in words, with what it was learned from.

        Empty when it does nothing worth a word.
        """
        parts = []
        kelvin = self.kelvin_shift(strength)
        if abs(kelvin) >= KELVIN_STEP:
            way = "warmer" if kelvin < 0 else "cooler"
            parts.append(f"{way} by {round(abs(kelvin), -1):.0f} K")
        lift = strength * float(np.mean(self.offset))
        if abs(lift) >= 0.005:
            parts.append(f"shadows {'lifted' if lift > 0 else 'lowered'} by {abs(lift):.3f} "
                         f"(ACEScct)")
        contrast = 1 + strength * (float(np.mean(self.slope)) - 1)
        if abs(contrast - 1) >= 0.01:
            parts.append(f"slope ×{contrast:.2f}")
        if abs(strength * (self.saturation - 1)) >= 0.02:
            parts.append(f"saturation {100 * strength * (self.saturation - 1):+.0f}%")
        if abs(self.strength_ratio - 1) >= 0.02:
            parts.append(f"strength ×{self.strength_ratio:.2f}")
        if not parts:
            return ""
        n, t = self.scene_decisions, self.title_decisions
        source = (f"as you adjusted {n} shot{'s' * (n != 1)} of this scene" if n == t
                  else f"as you adjusted {t} shot{'s' * (t != 1)} of this title "
                       f"({n} of this scene)")
        return f"{', '.join(parts)}, {source}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record, kept with each proposal it changed."""
        d = asdict(self)
        d["kelvin_shift"] = round(self.kelvin_shift(), 1)
        return d


def _mean(items: list[Adjustment]) -> np.ndarray:
    """Mean departure from "no change": log ratio, slope − 1 (3), offset (3), saturation − 1."""
    rows = [[math.log(max(a.strength_ratio, 1e-3)), *(s - 1 for s in a.slope), *a.offset,
             a.saturation - 1] for a in items]
    return np.mean(rows, axis=0) if rows else np.zeros(8)


def learn_preference(title: Title, scene: str) -> Preference:
    """The preference for new proposals in ``scene`` of ``title``, from its journal.

    Only each shot's latest decision counts (an artist who changed their mind is heard once),
    and only adjusts: an accept says the proposal was right as it was.
    """
    latest = {d.shot: d for d in journal(title)}
    scenes = {s.name: s.scene for s in title.shots()}
    found = [a for d in latest.values() if (a := adjustment(title, d)) is not None]
    in_scene = [a for a in found if scenes.get(a.shot) == scene]
    others = [a for a in found if scenes.get(a.shot) != scene]
    prior = _mean(others) * len(others) / (len(others) + PRIOR)  # the rest of the title
    w = len(in_scene) / (len(in_scene) + PRIOR)
    v = w * _mean(in_scene) + (1 - w) * prior
    return Preference(scene, len(in_scene), len(found), strength_ratio=float(math.exp(v[0])),
                      slope=(1 + v[1], 1 + v[2], 1 + v[3]), offset=(v[4], v[5], v[6]),
                      saturation=1 + v[7], decisions=[a.decision for a in found])
