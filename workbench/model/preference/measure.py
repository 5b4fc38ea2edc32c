"""What an artist changed when adjusting a proposal, in terms that transfer to other shots.

An adjust decision says: "not this, that". The change is split into two parts that mean the
same on any shot of the title:

- the strength ratio: the decided strength over the proposed one (a "less of it" artist);
- the look change: an ASC CDL in ACEScct (slope, offset, saturation) fitted, on a fixed set
  of probe colours, from what the proposal rendered at the decided strength to what the
  decision renders (a "warmer", "lifted shadows", "less saturated" artist), divided by the
  decided strength: the slider blends the artist's operators with the rest of the chain, so
  this is the edit as it stands in the chain.

The probe colours (a 6³ grid in ACEScct, scene-linear ACEScg in and out) make the fit the
same whatever the shot shows: it describes the artist's edit, not the picture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from workbench.color import convert
from workbench.ops import Pipeline
from workbench.title import Decision, Proposal, Title, get_proposal

__all__ = ["EDITED_FROM", "Adjustment", "adjustment", "probe_colours", "source_proposal"]

# The app journals an artist's edit as its own proposal with this summary (ui.decision).
EDITED_FROM = re.compile(r"^edited by the artist from proposal (\d+)")
MIN_DECIDED = 0.1  # an edit decided at less strength says too little to scale up further
LUMA = torch.tensor([0.2126, 0.7152, 0.0722], dtype=torch.float64)  # the CDL's saturation luma


@dataclass(frozen=True)
class Adjustment:
    """One adjust decision's change from its proposal.

    ``slope``, ``offset`` are per channel (R, G, B) in ACEScct and ``saturation`` the ASC
    saturation of the look change; ``strength_ratio`` is decided / proposed strength.
    """

    shot: str
    decision: str
    strength_ratio: float
    slope: tuple[float, float, float]
    offset: tuple[float, float, float]
    saturation: float


def probe_colours(steps: int = 6) -> torch.Tensor:
    """``(steps³, 3)`` scene-linear ACEScg colours, evenly spread in ACEScct [0.15, 0.65]."""
    axis = torch.linspace(0.15, 0.65, steps, dtype=torch.float64)
    grid = torch.cartesian_prod(axis, axis, axis)
    img = grid.T.reshape(1, 3, -1, 1).float().contiguous()
    return convert(img, "ACEScct", "ACEScg").reshape(3, -1).T


def _render(pipeline: Pipeline, px: torch.Tensor) -> torch.Tensor:
    """``pipeline`` on ``(P, 3)`` ACEScg pixels, returned in ACEScct ``(P, 3)`` float64."""
    out = pipeline.apply(px.T.reshape(1, 3, -1, 1).contiguous())
    return convert(out, "ACEScg", "ACEScct").reshape(3, -1).T.double()


def fit_look_change(before: torch.Tensor, after: torch.Tensor
                    ) -> tuple[tuple[float, float, float], tuple[float, float, float], float]:
    """Slope, offset (per channel) and saturation taking ``before`` to ``after`` (ACEScct).

    Least squares of the ASC CDL without power: per-channel lines to start, then all seven
    numbers together.
    """
    ones = torch.ones(before.shape[0], 1, dtype=torch.float64)
    slope, offset = [], []
    for c in range(3):
        a = torch.cat([before[:, c:c + 1], ones], 1)
        sol = torch.linalg.lstsq(a, after[:, c:c + 1]).solution.flatten()
        slope.append(float(sol[0]))
        offset.append(float(sol[1]))
    # Then slope, offset and saturation together: a saturation change mixes the channels, so
    # per-channel lines alone would take part of it for a change of slope and offset.
    params = torch.tensor([*slope, *offset, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([params], max_iter=200, tolerance_grad=1e-12,
                            tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        sop = before * params[:3] + params[3:6]
        luma = (sop @ LUMA)[:, None]
        loss = (luma + params[6] * (sop - luma) - after).square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    v = [float(x) for x in params.detach()]
    return ((v[0], v[1], v[2]), (v[3], v[4], v[5]), v[6])


def source_proposal(title: Title, proposal: Proposal) -> Proposal:
    """The model's proposal an artist's edit started from (the edit itself otherwise)."""
    seen = set()
    while (m := EDITED_FROM.match(proposal.summary)) and proposal.id not in seen:
        seen.add(proposal.id)
        proposal = get_proposal(title, int(m.group(1)))
    return proposal


def adjustment(title: Title, decision: Decision) -> Adjustment | None:
    """The change ``decision`` made to the model's proposal.

    ``None`` when it is no adjust, names no proposal, or the proposal was at strength 0
    (there is no ratio to take).
    """
    if decision.verdict != "adjust" or decision.proposal_id is None:
        return None
    proposed = source_proposal(title, get_proposal(title, decision.proposal_id))
    if proposed.strength <= 0.0 or decision.strength is None:
        return None
    px = probe_colours()
    before = _render(proposed.pipeline.at_strength(decision.strength), px)
    after = _render(decision.applied_pipeline(), px)
    slope, offset, sat = fit_look_change(before, after)
    # The strength slider blends the artist's own operators with the rest of the chain, so
    # their edit is measured per unit of strength: what it is in the chain at full strength.
    k = 1.0 / max(decision.strength, MIN_DECIDED)
    return Adjustment(decision.shot, decision.id, decision.strength / proposed.strength,
                      (1 + k * (slope[0] - 1), 1 + k * (slope[1] - 1), 1 + k * (slope[2] - 1)),
                      (k * offset[0], k * offset[1], k * offset[2]), 1 + k * (sat - 1))
