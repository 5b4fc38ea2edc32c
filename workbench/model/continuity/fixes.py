"""The fix continuity proposes for a flagged item: a CDL from the shot matcher."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["propose_fix"]


def propose_fix(frames: torch.Tensor, reference: torch.Tensor, reference_name: str
                ) -> dict[str, Any]:
    """A CDL (ACEScct) bringing ``frames`` to ``reference``, both ``(N,3,H,W)`` ACEScg.

    The one place continuity asks for a fix: the shot matcher
    (:func:`workbench.model.matching.match_frames`, method ``auto``), of whose grade the CDL is
    reported (its LUT, the cross-channel remainder, is left to ``workbench match``).
    """
    from workbench.model.matching import match_frames

    grade = match_frames(frames, reference, "auto", reference_name=reference_name)
    values = grade.cdl
    return {"method": f"match_frames/{grade.method}", "reference": reference_name,
            "confidence": round(float(grade.confidence), 3),
            "cdl": {"slope": [round(v, 5) for v in values.slope],
                    "offset": [round(v, 5) for v in values.offset],
                    "power": [round(v, 5) for v in values.power],
                    "saturation": round(values.saturation, 5)}}
