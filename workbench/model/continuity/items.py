"""What continuity compares (:class:`ContinuityItem`) and says of each (:class:`Finding`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from workbench.model.profiles import ShotProfile

__all__ = ["ContinuityItem", "Finding"]


@dataclass
class ContinuityItem:
    """An item to compare: a name, its group (scene), its profile and optional frames.

    ``frames`` ``(N, 3, H, W)`` ACEScg are needed for paired measurement and a proposed fix.
    """

    name: str
    group: str
    profile: ShotProfile
    frames: torch.Tensor | None = None


@dataclass
class Finding:
    """One item's verdict. ``to_dict`` gives the JSON entry the CLI prints.

    ``reasons`` holds one sentence per flagged property, each naming the amount and the
    limit it passed; ``explanation`` says how ``score`` was reached (see
    :mod:`workbench.model.continuity`), for a report or a tooltip to show.
    """

    item: str
    group: str
    flag: bool
    score: float
    reasons: list[str]
    reference: str
    measures: dict[str, float] = field(default_factory=dict)
    properties: list[str] = field(default_factory=list)
    fix: dict[str, Any] | None = None
    limits: dict[str, float] = field(default_factory=dict)
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        """``{"item", "group", "flag", "score", "reasons", "explanation", ...}``, JSON-ready.

        ``explanation`` says what the score means for this item (its largest difference over
        that property's limit, and where the flag line is); ``limits`` are the thresholds
        each measured property was judged against, in the units of ``measures``.
        """
        return {"item": self.item, "group": self.group, "flag": self.flag,
                "score": self.score, "reasons": list(self.reasons),
                "explanation": self.explanation,
                "properties": list(self.properties), "reference": self.reference,
                "measures": {k: round(v, 5) for k, v in self.measures.items()},
                "limits": {k: round(v, 5) for k, v in self.limits.items()},
                "fix": self.fix}
