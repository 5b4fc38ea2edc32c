"""The ASC CDL closest to a grade, by perceptual error, and how close it is.

A look (:class:`~workbench.model.look.LookModel`) or a baked grade (a 3D LUT,
:func:`cdl_from_lut`) is often more than a CDL can hold, yet a CDL is what every grading system
reads: every CDL that stands in for a bigger grade comes from here. :func:`fit_cdl_to_grade`
finds the slope, offset, power and saturation that come closest *as seen*: it minimises the
mean CIEDE2000 between the CDL and the grade over the colours that matter (the grade's own
training or shot colours when known, skin tones, neutrals), in the space the CDL is applied in,
and returns that error with the values (:class:`CDLFit`) so a caller can say how good the CDL
is, and say so clearly when it is not good enough (:data:`CDL_P95_LIMIT`).

ΔE2000 is not differentiable through OpenColorIO, so each target colour gets its local metric:
the 3x3 quadratic form ``M`` with ``ΔE2000(t, t + d)² ≈ dᵀ M d``, measured once by finite
differences through :func:`workbench.color.delta_e_2000`. The fit then minimises the weighted
mean of ``sqrt(dᵀ M d)`` with L-BFGS, from the least-squares CDL, and the reported errors are
true ΔE2000 of the fitted CDL.

References
----------
ASC CDL v1.2 (slope >= 0, power > 0, saturation >= 0; Rec.709 luma for saturation).
G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula", 2005.
B. Ottosson, "A perceptual color space for image processing" (Oklab), 2020.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from workbench.color import convert, delta_e_2000
from workbench.errors import ParameterError, ShapeError
from workbench.ops import CDLValues, CubeLUT, apply_cdl, apply_cube

__all__ = ["CDL_P95_LIMIT", "CDLFit", "SetError", "cdl_from_lut", "fit_cdl_to_grade",
           "neutral_colours", "picture_colours", "skin_colours"]

CDL_P95_LIMIT = 2.0
"""Above this 95th-percentile ΔE2000 (on any set) a CDL does not carry the grade: use the LUT."""

Grade = Callable[[torch.Tensor], torch.Tensor]
"""A grade on a float64 ``(1, 3, N, 1)`` image of colours, giving the same shape, one space."""

# Oklab -> LMS' and LMS -> linear Rec.709 (Ottosson 2020).
_OKLAB_TO_LMS = np.array([[1.0, 0.3963377774, 0.2158037573],
                          [1.0, -0.1055613458, -0.0638541728],
                          [1.0, -0.0894841775, -1.2914855480]])
_LMS_TO_REC709 = np.array([[4.0767416621, -3.3077115913, 0.2309699292],
                           [-1.2684380046, 2.6097574011, -0.3413193965],
                           [-0.0041960863, -0.7034186147, 1.7076147010]])
_SKIN_HUE_DEG = (25.0, 70.0)      # Oklab hue of skin, inside the title profiles' 20-75 degrees
_SKIN_CHROMA = (0.03, 0.12)
_SKIN_LIGHTNESS = (0.40, 0.88)
_NEUTRAL_STOPS = (-7.0, 2.5)      # linear Y from 2^-7 to 2.5 stops over white, within the domain
# Share of the objective per set: what the grade was made on first, then skin and neutrals.
_WEIGHTS = {"pixels": 0.8, "skin": 0.1, "neutrals": 0.1}
# Pixels weigh by count ** this: a held-out picture has other colours, and a few large areas
# must not decide the CDL alone.
_COUNT_POWER = 0.5
_FD_STEP = 2e-3                   # finite-difference step of the local metric, encoded units
_CHARBONNIER = 0.05               # ΔE under which the error is treated as quadratic


def _oklab_to_rec709(lab: np.ndarray) -> np.ndarray:
    lms = (lab @ _OKLAB_TO_LMS.T) ** 3
    return lms @ _LMS_TO_REC709.T


def _into(rec709: np.ndarray, space: str, domain: tuple[float, float]) -> torch.Tensor:
    """Linear Rec.709 ``(N, 3)`` into ``space``, keeping the colours inside ``domain``."""
    rec709 = rec709[(rec709 >= 0).all(axis=1)]
    img = torch.from_numpy(rec709.T.astype(np.float32).copy()).reshape(1, 3, -1, 1)
    enc = convert(img, "Linear Rec.709", space)[0, :, :, 0].t().contiguous()
    lo, hi = domain
    return enc[((enc >= lo) & (enc <= hi)).all(dim=1)]


def skin_colours(space: str, domain: tuple[float, float]) -> torch.Tensor:
    """Skin tones, light to dark, pale to saturated: ``(N, 3)`` in ``space`` (linear Y <= 0.7)."""
    light = np.linspace(*_SKIN_LIGHTNESS, 7)
    hue = np.radians(np.linspace(*_SKIN_HUE_DEG, 7))
    chroma = np.linspace(*_SKIN_CHROMA, 5)
    L, h, C = (a.ravel() for a in np.meshgrid(light, hue, chroma, indexing="ij"))
    lab = np.stack([L, C * np.cos(h), C * np.sin(h)], axis=1)
    return _into(_oklab_to_rec709(lab), space, domain)


def neutral_colours(space: str, domain: tuple[float, float]) -> torch.Tensor:
    """Greys at D65 from linear 2^-7 up to 2.5 stops over white (as far as ``domain`` reaches)."""
    y = 2.0 ** np.linspace(*_NEUTRAL_STOPS, 39)
    return _into(np.repeat(y[:, None], 3, axis=1), space, domain)


def picture_colours(space: str, domain: tuple[float, float]) -> torch.Tensor:
    """Colours of real pictures when none are known: Rec.709's gamut on an Oklab lattice."""
    light = np.linspace(0.2, 0.95, 9)
    ab = np.linspace(-0.25, 0.25, 11)
    L, a, b = (v.ravel() for v in np.meshgrid(light, ab, ab, indexing="ij"))
    rgb = _oklab_to_rec709(np.stack([L, a, b], axis=1))
    return _into(rgb[(rgb <= 1.0).all(axis=1)], space, domain)


@dataclass(frozen=True)
class SetError:
    """ΔE2000 between the CDL and the grade over one set of colours (weighted by pixels)."""

    mean: float
    p95: float
    colours: int

    def to_dict(self) -> dict[str, float | int]:
        """The figures as JSON values."""
        return {"de2000_mean": round(self.mean, 4), "de2000_p95": round(self.p95, 4),
                "colours": self.colours}


@dataclass(frozen=True)
class CDLFit:
    """A CDL fitted to a grade, and how far from the grade it lands.

    Attributes
    ----------
    values : CDLValues
        The correction, applied in :attr:`space` (no clamp, as OCIO's ``CDL_NO_CLAMP``).
    space : str
        The encoding the CDL is applied in (``"ACEScct"``, ``"sRGB"``...).
    errors : dict[str, SetError]
        ΔE2000 against the grade per set: ``"pixels"`` (the grade's training or shot colours,
        weighted by pixel count; Rec.709's gamut when none were given), ``"skin"`` and
        ``"neutrals"``.
    pixels_label : str
        What ``"pixels"`` were, for the sentence (``"training pixels"``, ``"image pixels"``...).
    """

    values: CDLValues
    space: str
    errors: dict[str, SetError] = field(default_factory=dict)
    pixels_label: str = "pixels"

    @property
    def worst_p95(self) -> float:
        """The largest 95th-percentile ΔE2000 over the sets."""
        return max((e.p95 for e in self.errors.values()), default=0.0)

    def carries_grade(self, limit: float = CDL_P95_LIMIT) -> bool:
        """Whether every set's 95th-percentile ΔE2000 is at most ``limit``."""
        return self.worst_p95 <= limit

    def describe(self) -> str:
        """One line: ``dE2000 vs the grade: training pixels mean 0.41 p95 1.20; skin ...``."""
        names = {"pixels": self.pixels_label, "skin": "skin", "neutrals": "neutrals"}
        parts = [f"{names.get(k, k)} mean {e.mean:.2f} p95 {e.p95:.2f}"
                 for k, e in self.errors.items()]
        return "dE2000 vs the grade: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Values, space and errors as JSON values."""
        v = self.values
        return {"slope": list(v.slope), "offset": list(v.offset), "power": list(v.power),
                "saturation": v.saturation, "space": self.space,
                "pixels": self.pixels_label, "carries_grade": self.carries_grade(),
                "errors": {k: e.to_dict() for k, e in self.errors.items()}}


def _as_image(rgb: torch.Tensor) -> torch.Tensor:
    """``(N, 3)`` as the ``(1, 3, N, 1)`` image the colour functions take."""
    return rgb.t().reshape(1, 3, -1, 1)


def _cdl(x: torch.Tensor, values: CDLValues) -> torch.Tensor:
    out = apply_cdl(_as_image(x.double()), values.slope, values.offset, values.power,
                    values.saturation)
    return out[0, :, :, 0].t()


def _delta_e(a: torch.Tensor, b: torch.Tensor, space: str) -> torch.Tensor:
    """Per-colour ΔE2000 between ``(N, 3)`` ``a`` and ``b`` in ``space``, float64."""
    d = delta_e_2000(_as_image(a.float()).contiguous(), _as_image(b.float()).contiguous(), space)
    return d.flatten().double()


def _local_metric(target: torch.Tensor, space: str) -> torch.Tensor:
    """``(N, 3, 3)`` PSD ``M`` with ``ΔE2000(t, t + d)² ≈ dᵀ M d`` near each target ``t``."""
    h = _FD_STEP
    eye = torch.eye(3, dtype=torch.float64)

    def quad(direction: torch.Tensor) -> torch.Tensor:
        # Both signs, so the odd terms of the expansion cancel.
        plus = _delta_e(target, target + h * direction, space) ** 2
        minus = _delta_e(target, target - h * direction, space) ** 2
        return (plus + minus) / (2 * h * h)

    diag = [quad(eye[j]) for j in range(3)]
    m = torch.zeros(target.shape[0], 3, 3, dtype=torch.float64)
    for j in range(3):
        m[:, j, j] = diag[j]
    for j, k in ((0, 1), (0, 2), (1, 2)):
        off = (quad(eye[j] + eye[k]) - diag[j] - diag[k]) / 2
        m[:, j, k] = m[:, k, j] = off
    vals, vecs = torch.linalg.eigh(torch.nan_to_num(m))
    return vecs @ torch.diag_embed(vals.clamp(min=0)) @ vecs.transpose(1, 2)


def _least_squares_start(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> CDLValues:
    """Weighted per-channel ``y ≈ slope·x + offset``: where the perceptual fit starts."""
    slope, offset = [], []
    for c in range(3):
        xc, yc = x[:, c], y[:, c]
        mx, my = (w * xc).sum(), (w * yc).sum()
        var = float((w * (xc - mx) ** 2).sum())
        k = float((w * (xc - mx) * (yc - my)).sum()) / var if var > 1e-10 else 1.0
        k = min(max(k, 0.05), 20.0) if math.isfinite(k) else 1.0
        slope.append(k)
        offset.append(min(max(float(my - k * mx), -1.0), 1.0))
    return CDLValues(slope=tuple(slope), offset=tuple(offset))  # type: ignore[arg-type]


def _weighted_quantile(v: torch.Tensor, w: torch.Tensor, q: float) -> float:
    order = torch.argsort(v)
    cum = torch.cumsum(w[order], 0)
    at = int(torch.searchsorted(cum, q * cum[-1]).clamp(max=v.numel() - 1))
    return float(v[order][at])


def _optimise(x: torch.Tensor, target: torch.Tensor, metric: torch.Tensor, w: torch.Tensor,
              start: CDLValues, iterations: int) -> CDLValues:
    """L-BFGS on the weighted mean local ΔE2000; slope, power, saturation kept > 0 by logs."""
    x4 = _as_image(x.double())
    log_slope = torch.tensor(start.slope, dtype=torch.float64).log().requires_grad_()
    offset = torch.tensor(start.offset, dtype=torch.float64).requires_grad_()
    log_power = torch.tensor(start.power, dtype=torch.float64).log().requires_grad_()
    log_sat = torch.tensor([start.saturation], dtype=torch.float64).log().requires_grad_()
    params = [log_slope, offset, log_power, log_sat]
    opt = torch.optim.LBFGS(params, lr=1, max_iter=iterations, history_size=20,
                            line_search_fn="strong_wolfe")

    def loss_fn() -> torch.Tensor:
        out = apply_cdl(x4, log_slope.exp(), offset, log_power.exp(), log_sat.exp()[0])
        d = out[0, :, :, 0].t() - target
        q = torch.einsum("ni,nij,nj->n", d, metric, d)
        return (w * torch.sqrt(q + _CHARBONNIER ** 2)).sum()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    opt.step(closure)

    def triple(t: torch.Tensor) -> tuple[float, float, float]:
        a, b, c = (float(v) for v in t.detach())
        return (a, b, c)

    values = CDLValues(slope=triple(log_slope.exp()), offset=triple(offset),
                       power=triple(log_power.exp()),
                       saturation=float(log_sat.detach().exp()[0]))
    finite = all(math.isfinite(v) for v in (*values.slope, *values.offset, *values.power,
                                           values.saturation))
    return values if finite else start


def fit_cdl_to_grade(grade: Grade, space: str, domain: tuple[float, float],
                     pixels: torch.Tensor | None = None, counts: torch.Tensor | None = None, *,
                     pixels_label: str = "training pixels",
                     iterations: int = 200) -> CDLFit:
    """The ASC CDL (no clamp) in ``space`` closest in ΔE2000 to ``grade``, with its errors.

    Parameters
    ----------
    grade
        The grade on a float64 ``(1, 3, N, 1)`` image of ``space``-encoded colours, giving the
        same shape in ``space`` (``LookModel.apply``, ``apply_cube`` with a LUT); called once,
        without gradients.
    space
        The encoding the CDL is applied in and the grade works in (``"ACEScct"``, ``"sRGB"``).
    domain
        ``(lo, hi)`` encoded values that the grade is meaningful over; the skin and neutral
        sets stay inside it.
    pixels
        ``(N, 3)`` colours the grade is used on, in ``space`` (its training before-colours, a
        shot's pixels); ``None``: Rec.709's gamut on an Oklab lattice.
    counts
        ``(N,)`` pixels per colour (default one each): the ``pixels`` error is over pixels.
    pixels_label
        What ``pixels`` are, for :meth:`CDLFit.describe`.
    iterations
        L-BFGS iterations.

    Returns
    -------
    CDLFit
        Values with slope and power > 0 and saturation > 0, and the ΔE2000 mean and p95 per set
        (``"pixels"``, ``"skin"``, ``"neutrals"``).

    Raises
    ------
    ShapeError
        ``pixels`` is not ``(N, 3)`` or ``counts`` not ``(N,)``.
    ParameterError
        ``pixels`` holds NaN or Inf, or ``counts`` a negative value.
    """
    if pixels is None:
        pixels, counts, pixels_label = picture_colours(space, domain), None, "Rec.709 gamut"
    if pixels.ndim != 2 or pixels.shape[1] != 3 or pixels.shape[0] == 0:
        raise ShapeError(f"fit_cdl_to_grade: pixels must be (N, 3) with N > 0, got "
                         f"{tuple(pixels.shape)}")
    if not bool(torch.isfinite(pixels).all()):
        raise ParameterError("fit_cdl_to_grade: NaN or Inf in the pixels")
    if counts is None:
        counts = torch.ones(pixels.shape[0], dtype=torch.float64)
    if counts.shape != (pixels.shape[0],):
        raise ShapeError(f"fit_cdl_to_grade: counts must be ({pixels.shape[0]},), got "
                         f"{tuple(counts.shape)}")
    if bool((counts < 0).any()) or not float(counts.sum()) > 0:
        raise ParameterError("fit_cdl_to_grade: counts must be >= 0 and not all 0")
    # Skin and neutrals only as bright as the pixels: above them the grade was never taught.
    reach = (domain[0], min(domain[1], float(pixels.max())))
    skin, grey = skin_colours(space, reach), neutral_colours(space, reach)
    sets = {"pixels": (pixels.detach().float(), counts.detach().double()),
            "skin": (skin, torch.ones(skin.shape[0], dtype=torch.float64)),
            "neutrals": (grey, torch.ones(grey.shape[0], dtype=torch.float64))}
    xs, ws, names = [], [], []
    for name, (x, c) in sets.items():
        if x.shape[0] == 0:
            continue
        xs.append(x)
        sw = c.pow(_COUNT_POWER) if name == "pixels" else c
        ws.append(_WEIGHTS[name] * sw / sw.sum())
        names.append((name, c))
    x = torch.cat(xs)
    w = torch.cat(ws)
    w = w / w.sum()
    with torch.no_grad():
        # float64 runs eager: a few thousand colours do not pay for a compiled float32 kernel.
        target = grade(_as_image(x.double()).contiguous())[0, :, :, 0].t().double()
    metric = _local_metric(target, space)
    start = _least_squares_start(x.double(), target, w)
    values = _optimise(x, target, metric, w, start, iterations)
    with torch.no_grad():
        de = _delta_e(_cdl(x, values), target, space)
    errors, at = {}, 0
    for name, c in names:
        part, wc = de[at:at + c.shape[0]], c
        at += c.shape[0]
        mean = float((part * wc).sum() / wc.sum())
        errors[name] = SetError(mean, _weighted_quantile(part, wc, 0.95), int(c.shape[0]))
    return CDLFit(values=values, space=space, errors=errors, pixels_label=pixels_label)


def cdl_from_lut(lut: CubeLUT) -> CDLFit:
    """The ASC CDL closest in ΔE2000 to a 3D LUT that takes and gives ACEScct, with its error.

    Fitted by :func:`fit_cdl_to_grade` over Rec.709's gamut, skin tones and neutrals (the LUT's
    unreachable corners do not pull it); the CDL is applied in ACEScct.
    """
    domain = np.asarray(lut.domain, dtype=np.float64)
    return fit_cdl_to_grade(lambda img: apply_cube(img, lut), "ACEScct",
                            (float(domain[0].min()), float(domain[1].max())),
                            pixels_label="Rec.709 gamut")
