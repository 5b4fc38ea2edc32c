"""Fit the lighting operators that turn a shot's light into its anchor's, shape included.

What a global grade leaves of the difference between a shot and its anchor is the light's
*shape*: a side that is hotter, a corner that falls off, a key-to-fill or contrast that differs
in the shadows or highlights only. It is fitted with the operators an artist would reach for,
each editable afterwards and scaled by the strength slider:

* :class:`~workbench.ops.Exposure`: the overall level the shape is measured around;
* one or two :class:`~workbench.ops.Relight` lamps (a soft round gain in linear light): a lamp
  centred off the frame with a wide falloff is a directional light (a hot side, a gradient of
  key across the frame), one inside it a pool or a darker corner;
* :class:`~workbench.ops.ShadowsHighlights`: a gain in stops through soft luminance mattes, for a
  different key-to-fill or contrast at either end.

The fit minimises a robust (Charbonnier) error of log2 luminance between the anchor and the
shot put through the real operator functions, by Adam on a :data:`~.samples.FIT_WIDTH`-wide
proxy, from several starting lamps (a lamp's position is not convex to fit). An operator is
kept only when it lowers the error by :data:`MIN_GAIN_STOPS` at least, so a shot whose light
already has its anchor's shape gets none. Without a shared view only the tones can be compared
(:func:`fit_tones`: quantiles of log2 luminance), so only ``ShadowsHighlights`` is fitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from workbench.model.lighting.samples import ViewPair
from workbench.ops import (
    CDL,
    CDLValues,
    Exposure,
    Operator,
    Pipeline,
    Relight,
    ShadowsHighlights,
    apply_cdl,
)
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.windows import apply_relight, apply_shadows_highlights

__all__ = [
    "MIN_GAIN_STOPS",
    "LightingFit",
    "describe_lighting",
    "fit_light_shape",
    "fit_tones",
    "refine_with_cdl",
]

MIN_GAIN_STOPS = 0.05   # an operator must lower the robust log2 error by this much to stay
STEPS = 60              # Adam steps to refine the best start (each start gets 1/5)
MAX_SHAPE_STOPS = 1.0   # a mean light error above this is not a lamp: other content, moved
CHARBONNIER = 0.02      # stops: below it the error counts quadratically, above about linearly
_STARTS = [(-0.35, 0.5), (1.35, 0.5), (0.5, -0.35), (0.5, 1.35),
           (-0.2, -0.2), (1.2, -0.2), (-0.2, 1.2), (1.2, 1.2)]


@dataclass
class LightingFit:
    """The fitted lighting operators and how much of the difference they explain.

    ``before`` / ``after``: robust mean |log2 luminance error| (stops) without and with them,
    on the compared pixels (or tone quantiles); ``same_view``: whether pixels were compared.
    """

    operators: list[Operator] = field(default_factory=list)
    before: float = 0.0
    after: float = 0.0
    same_view: bool = False
    grade: Pipeline | None = None              # the global grade, refined with the lighting
    model: _Model | None = field(default=None, repr=False)

    def describe(self) -> str:
        """A sentence for a proposal's summary (empty when nothing is proposed)."""
        return describe_lighting(self.operators, self.before, self.after)


def _luma(img: torch.Tensor) -> torch.Tensor:
    w = torch.tensor(ACESCG_LUMA, dtype=img.dtype).reshape(1, 3, 1, 1)
    return (img * w).sum(1, keepdim=True).clamp_min(2.0 ** -14)


def _charbonnier(d: torch.Tensor) -> torch.Tensor:
    return (torch.sqrt(d * d + CHARBONNIER ** 2) - CHARBONNIER).mean()


class _Model:
    """Exposure, up to two lamps and shadows/highlights, as free tensors."""

    def __init__(self, lamps: list[tuple[float, float, float]], tones: bool) -> None:
        self.exposure = torch.zeros((), requires_grad=True)
        self.lamps = [torch.tensor([cx, cy, 0.3, 0.9, s], requires_grad=True)
                      for cx, cy, s in lamps]
        self.tones = torch.zeros(2, requires_grad=tones)

    def params(self) -> list[torch.Tensor]:
        out = [self.exposure, *self.lamps]
        return [*out, self.tones] if self.tones.requires_grad else out

    @staticmethod
    def lamp_values(p: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Centre, radius, falloff, stops within the operator's bounds."""
        return (p[0].clamp(-1.0, 2.0), p[1].clamp(-1.0, 2.0), p[2].clamp(0.001, 4.0),
                p[3].clamp(0.02, 4.0), p[4].clamp(-4.0, 4.0))

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        out = img * torch.exp2(self.exposure)
        for p in self.lamps:
            cx, cy, r, f, s = self.lamp_values(p)
            out = apply_relight(out, s, cx, cy, r, f)
        if self.tones.requires_grad or bool(self.tones.any()):
            t = self.tones.clamp(-4.0, 4.0)
            out = apply_shadows_highlights(out, t[0], t[1])
        return out

    def operators(self) -> list[Operator]:
        ops: list[Operator] = []
        if abs(float(self.exposure.detach())) >= 0.005:
            ops.append(Exposure(stops=round(float(self.exposure.detach()), 3)))
        for p in self.lamps:
            cx, cy, r, f, s = (round(float(v), 3) for v in self.lamp_values(p.detach()))
            ops.append(Relight(centre_x=cx, centre_y=cy, radius=r, falloff=f, stops=s))
        t = self.tones.detach().clamp(-4.0, 4.0)
        if bool((t.abs() >= 0.005).any()):
            ops.append(ShadowsHighlights(shadows=round(float(t[0]), 3),
                                         highlights=round(float(t[1]), 3)))
        return ops


class _Adam:
    """Adam (Kingma & Ba, 2015) on a few tensors, in place.

    Written out because ``torch.optim`` imports ``torch._dynamo`` on first use: seconds of
    import for a fit that takes a fraction of that.
    """

    def __init__(self, params: list[torch.Tensor], lr: float) -> None:
        self.params, self.lr, self.t = params, lr, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def step(self) -> None:
        self.t += 1
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v, strict=True):
                if p.grad is None:
                    continue
                m.mul_(0.9).add_(p.grad, alpha=0.1)
                v.mul_(0.999).addcmul_(p.grad, p.grad, value=0.001)
                m_hat = m / (1 - 0.9 ** self.t)
                v_hat = v / (1 - 0.999 ** self.t)
                p.sub_(self.lr * m_hat / (v_hat.sqrt() + 1e-8))
                p.grad = None


def _train(model: _Model, loss_of: Callable[[_Model], torch.Tensor], steps: int,
           lr: float = 0.05) -> float:
    opt = _Adam(model.params(), lr)
    for _ in range(steps):
        loss_of(model).backward()
        opt.step()
    with torch.no_grad():
        return float(loss_of(model))


def _lamp_starts(residual: torch.Tensor, valid: torch.Tensor) -> list[tuple[float, float, float]]:
    """Lamp starts off each side and corner, signed by which side of the residual is lighter."""
    h, w = residual.shape[-2:]
    ys, xs = torch.meshgrid((torch.arange(h) + 0.5) / h, (torch.arange(w) + 0.5) / w,
                            indexing="ij")
    out = []
    r, v = residual[0, 0], valid[0, 0]
    for cx, cy in _STARTS:
        near = ((xs - cx) ** 2 + (ys - cy) ** 2).sqrt()
        close = v & (near <= near[v].median())
        far = v & ~close
        gain = float(r[close].median() - r[far].median()) if close.any() and far.any() else 0.0
        out.append((cx, cy, gain))
    return out


def fit_light_shape(pair: ViewPair, steps: int = STEPS) -> LightingFit:
    """Lighting operators taking ``pair.shot``'s light to ``pair.anchor``'s, pixel by pixel.

    One lamp is fitted from each start of :data:`_STARTS` (with the exposure and the
    shadows/highlights gains), the best refined, then a second lamp is tried; each part is
    kept only if it lowers the error by :data:`MIN_GAIN_STOPS`.
    """
    torch.manual_seed(0)
    shot, valid = pair.shot.float(), pair.valid
    target = torch.log2(_luma(pair.anchor.float()))

    def loss_of(model: _Model) -> torch.Tensor:
        d = torch.log2(_luma(model(shot))) - target
        return _charbonnier(d[valid])

    base = _Model([], tones=False)
    before = _train(base, loss_of, 40)                     # the level alone
    if not MIN_GAIN_STOPS <= before <= MAX_SHAPE_STOPS:
        return LightingFit([], before, before, same_view=True)
    with torch.no_grad():
        residual = target - torch.log2(_luma(base(shot)))
    best: tuple[float, _Model] | None = None
    for cx, cy, gain in _lamp_starts(residual, valid):
        m = _Model([(cx, cy, gain)], tones=True)
        m.exposure.data.fill_(float(base.exposure.detach()))
        loss = _train(m, loss_of, steps // 5)
        if best is None or loss < best[0]:
            best = (loss, m)
    assert best is not None
    one = best[1]
    one_loss = _train(one, loss_of, steps)
    # Shadows/highlights alone, to see whether the lamp earns its place.
    tones = _Model([], tones=True)
    tones.exposure.data.fill_(float(base.exposure.detach()))
    tones_loss = _train(tones, loss_of, steps // 2)
    chosen, chosen_loss = base, before
    if tones_loss <= before - MIN_GAIN_STOPS:
        chosen, chosen_loss = tones, tones_loss
    if one_loss <= chosen_loss - MIN_GAIN_STOPS:
        chosen, chosen_loss = one, one_loss
        # A second lamp where the first leaves most.
        with torch.no_grad():
            residual = target - torch.log2(_luma(one(shot)))
        starts = sorted(_lamp_starts(residual, valid), key=lambda s: -abs(s[2]))[:1]
        for cx, cy, gain in starts:
            two = _Model([(0.5, 0.5, 0.0), (cx, cy, gain)], tones=True)
            two.lamps[0].data.copy_(one.lamps[0].data)
            two.exposure.data.fill_(float(one.exposure.detach()))
            two.tones.data.copy_(one.tones.data)
            two_loss = _train(two, loss_of, steps)
            if two_loss <= chosen_loss - MIN_GAIN_STOPS:
                chosen, chosen_loss = two, two_loss
        if bool((chosen.tones.abs() < 0.05).all()):
            chosen.tones.data.zero_()   # a lamp explained it: no stray tonal gain
    if chosen is base:
        return LightingFit([], before, before, same_view=True)
    fitted = LightingFit(chosen.operators(), before, chosen_loss, same_view=True)
    fitted.model = chosen
    return fitted


def fit_tones(shot: torch.Tensor, anchor: torch.Tensor, steps: int = STEPS) -> LightingFit:
    """``ShadowsHighlights`` (and an exposure) matching the tones when views differ.

    ``shot`` and ``anchor`` are ``(P, 3)`` linear ACEScg pixels of each; the error is taken
    between their log2 luminance quantiles (2 % to 98 %), which a luminance gain keeps in
    order, so the shot's quantiles go through the operators as pixels.
    """
    q = torch.linspace(0.02, 0.98, 49, dtype=torch.float64)
    ys = _luma(shot.double().T.reshape(1, 3, -1, 1)).flatten()
    ya = _luma(anchor.double().T.reshape(1, 3, -1, 1)).flatten()
    qs, target = torch.quantile(ys, q), torch.log2(torch.quantile(ya, q))
    # Quantile luminances as grey pixels: the operators see their luminance.
    grey = qs.reshape(1, 1, -1, 1).expand(1, 3, -1, 1).contiguous()

    def loss_of(model: _Model) -> torch.Tensor:
        return _charbonnier(torch.log2(_luma(model(grey))).flatten() - target)

    base = _Model([], tones=False)
    before = _train(base, loss_of, 40)
    tones = _Model([], tones=True)
    tones.exposure.data.fill_(float(base.exposure.detach()))
    after = _train(tones, loss_of, steps)
    if after > before - MIN_GAIN_STOPS:
        return LightingFit([], before, before)
    return LightingFit(tones.operators(), before, after)


def _where(cx: float, cy: float) -> str:
    horiz = "left" if cx < 0.33 else "right" if cx > 0.67 else ""
    vert = "top" if cy < 0.33 else "bottom" if cy > 0.67 else ""
    place = " ".join(p for p in (vert, horiz) if p) or "centre"
    off = cx < 0 or cx > 1 or cy < 0 or cy > 1
    return f"{place}{', off frame' if off else ''}"


def describe_lighting(ops: list[Operator], before: float, after: float) -> str:
    """``"lighting: Relight -0.6 stop from the left, off frame; ..."``, or ``""``."""
    parts = []
    for op in ops:
        if isinstance(op, Relight):
            parts.append(f"Relight {op.stops:+.2f} stop at the {_where(op.centre_x, op.centre_y)}"
                         f" (radius {op.radius:.2f}, falloff {op.falloff:.2f})")
        elif isinstance(op, ShadowsHighlights):
            parts.append(f"ShadowsHighlights shadows {op.shadows:+.2f}, highlights "
                         f"{op.highlights:+.2f} stop")
        elif isinstance(op, Exposure):
            parts.append(f"Exposure {op.stops:+.2f} stop")
    if not parts:
        return ""
    return (f"lighting differs in shape: {', '.join(parts)} (light error {before:.2f} -> "
            f"{after:.2f} stop)")


# -- refining a global CDL together with the lighting ---------------------------------------

def _lin_to_cct(lin: torch.Tensor) -> torch.Tensor:
    """ACEScg → ACEScct (S-2016-001), differentiable."""
    safe = lin.clamp_min(2.0 ** -16)
    return torch.where(lin <= 0.0078125, 10.5402377416545 * lin + 0.0729055341958355,
                       (torch.log2(safe) + 9.72) / 17.52)


def _cct_to_lin(cct: torch.Tensor) -> torch.Tensor:
    """ACEScct → ACEScg (S-2016-001), differentiable."""
    return torch.where(cct <= 0.155251141552511, (cct - 0.0729055341958355) / 10.5402377416545,
                       torch.exp2(cct.clamp_max(20.0) * 17.52 - 9.72))


def refine_with_cdl(shot: torch.Tensor, pair: ViewPair, cdl: CDL, fit: LightingFit,
                    steps: int = STEPS) -> tuple[CDL, LightingFit]:
    """The CDL and the lighting fitted together: ``lighting(cdl(shot))`` ≈ the anchor.

    ``shot`` ``(1, 3, h, w)`` ACEScg is the shot on ``pair``'s grid before the CDL. A CDL fitted
    alone to a shot with a lamp on one side bends its contrast to average the lamp out; with
    the lamp fitted too, the CDL is refitted to the anchor with the lamp's gain divided out
    (ACEScct least squares, within the ASC bounds), then the lighting again; twice.
    """
    model = fit.model
    if model is None:
        return cdl, fit
    x = _lin_to_cct(shot.float())
    mask = pair.valid.expand_as(x)
    v = cdl.values()
    p = torch.tensor([*(math.log(max(s, 1e-3)) for s in v.slope), *v.offset,
                      *(math.log(max(q, 1e-2)) for q in v.power),
                      math.log(max(v.saturation, 1e-3))], dtype=torch.float32,
                     requires_grad=True)

    def values(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return (p[0:3].clamp(-6, 3).exp(), p[3:6].clamp(-1, 1), p[6:9].clamp(-4.6, 2.3).exp(),
                p[9].clamp(-6, 1.6).exp())

    def loss_of(m: _Model) -> torch.Tensor:
        d = torch.log2(_luma(m(graded))) - torch.log2(_luma(pair.anchor.float()))
        return _charbonnier(d[pair.valid])

    graded = _cct_to_lin(apply_cdl(x, *values(p))).detach()
    after = fit.after
    for _ in range(2):
        # The lamp's gain, held while the CDL is refitted to the anchor without it.
        with torch.no_grad():
            gain = _luma(model(graded)) / _luma(graded)
            delit = _lin_to_cct(pair.anchor.float() / gain)
        opt = _Adam([p], 0.03)
        for _ in range(steps * 3):
            (((apply_cdl(x, *values(p)) - delit)[mask]) ** 2).mean().backward()
            opt.step()
        graded = _cct_to_lin(apply_cdl(x, *values(p))).detach()
        after = _train(model, loss_of, steps // 2, lr=0.02)
    slope, offset, power, sat = (t.detach() for t in values(p))
    new = CDL.from_values(CDLValues(tuple(slope.tolist()), tuple(offset.tolist()),
                                    tuple(power.tolist()), float(sat)), strength=cdl.strength)
    refined = LightingFit(model.operators(), fit.before, after, same_view=True, model=model)
    return new, refined
