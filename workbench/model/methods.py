"""Shot matching: bring a shot to a reference shot with a named method, as a parametric grade.

A method estimates a colour transfer from pixels (:mod:`workbench.model.transfer`); the result
is never generated pixels but a :class:`MatchGrade`: an ASC CDL in ACEScct fitted by least
squares to the transfer, plus a 33³ LUT in ACEScct holding whatever the CDL cannot (the
cross-channel part of a white-balance change, a histogram's curve), plus a strength. It becomes
an ordinary :class:`~workbench.ops.Pipeline` ``[CDL, LUT3D]``, so journal, render and export
treat it like any grade.

One grade per shot: :func:`match_frames` pools the pixels of every frame it is given (sample
frames across the shot), so a moving shot gets one set of numbers and cannot flicker.

Methods (:data:`MATCH_METHODS`, extended with :func:`register_method`):

``von-kries``
    Per-cone gains fitted as robust log-quantile shifts, in the cone space (Bradford, CAT02,
    CAT16, HPE, Sharp or the camera-like ACEScg primaries) that leaves the least mismatch: the
    physics of a light, white-balance or exposure change. Most accurate in
    ``benchmarks/bench_match.py`` and so what ``"auto"`` uses (see :data:`AUTO_METHOD`).
``mkl``
    Pitié & Kokaram's linear Monge–Kantorovich map in ACEScct.
``reinhard``
    Reinhard et al.'s per-axis mean/std transfer in lαβ axes of ACEScct.
``histogram``
    Per-channel quantile matching in log Bradford LMS (monotone curves, not sliced OT).
``mean-std``
    The first classical matcher (:func:`workbench.model.match.fit_mean_std_cdl`): a CDL.
``title``
    The learned matcher (:mod:`workbench.model.matcher`); needs a trained title model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.color import convert
from workbench.errors import ParameterError, ShapeError
from workbench.interchange.cube import CubeLUT, write_cube
from workbench.model import transfer
from workbench.model.framing import ActiveArea, active_area
from workbench.model.match import (
    chroma_overlap,
    describe_difference,
    fit_mean_std_cdl,
    shot_stats,
)
from workbench.ops import CDL, LUT3D, CDLValues, Pipeline, apply_cdl
from workbench.ops.lut import apply_lut3d

__all__ = [
    "AUTO_METHOD",
    "LUT_DOMAIN",
    "LUT_SIZE",
    "MATCH_METHODS",
    "MatchGrade",
    "MatchInputs",
    "MatchMethod",
    "PixelMap",
    "fit_grade",
    "match_frames",
    "register_method",
    "resolve_method",
    "sample_pixels",
]

PixelMap = Callable[[torch.Tensor], torch.Tensor]
"""A colour transfer: ``(P, 3)`` linear ACEScg in, ``(P, 3)`` linear ACEScg out."""

LUT_SIZE = 33
LUT_DOMAIN = (-0.05, 1.1)   # ACEScct: linear ≈ −0.012 … 750, beyond any camera's white
MAX_PIXELS = 1 << 20         # pixels sampled per side to fit a transfer (all, up to 1M)
FIT_PIXELS = 10_000         # of those, fitted by the CDL and measured for confidence
SLOPE_LIMITS = (0.25, 4.0)

# "auto" = the most accurate method needing no trained title model, measured by
# benchmarks/bench_match.py (36 relit real cases, same and other frames): von Kries worst
# case 0.72 mean ΔE2000 (mean 0.28), histogram 2.21 (0.90), MKL 2.79 (1.03), mean-std 3.02
# (1.11), Reinhard 5.18 (1.28). It models what changed (a light), so differing content moves
# it least; it cannot undo a grade that is not a light change (contrast, saturation): use
# mkl or the learned "title" method for those.
AUTO_METHOD = "von-kries"


@dataclass(frozen=True)
class MatchInputs:
    """What a method sees: both shots' frames (active area only) and pixel samples.

    ``shot`` ``(N, 3, H, W)`` and ``reference`` ``(M, 3, H', W')`` are scene-linear ACEScg;
    ``shot_pixels`` / ``reference_pixels`` ``(P, 3)`` are finite ACEScg samples of them.
    ``title_model`` is whatever the caller passed (a trained model or its directory).
    """

    shot: torch.Tensor
    reference: torch.Tensor
    shot_pixels: torch.Tensor
    reference_pixels: torch.Tensor
    title_model: Any = None


@dataclass(frozen=True)
class MatchMethod:
    """A registered method: ``fit(inputs) -> PixelMap``."""

    name: str
    fit: Callable[[MatchInputs], PixelMap]
    needs_title_model: bool = False
    description: str = ""


MATCH_METHODS: dict[str, MatchMethod] = {}


def register_method(name: str, fit: Callable[[MatchInputs], PixelMap], *,
                    needs_title_model: bool = False, description: str = "",
                    replace: bool = False) -> MatchMethod:
    """Add a match method to :data:`MATCH_METHODS` (from any module: plugins, the learned matcher).

    Parameters
    ----------
    name
        Registry key, e.g. ``"title"``; lower case with hyphens.
    fit
        ``fit(MatchInputs) -> PixelMap``: estimate, then return the transfer as a function of
        linear ACEScg pixels ``(P, 3)``.
    needs_title_model
        When True, :func:`match_frames` refuses to run the method without ``title_model``.
    replace
        Allow replacing an existing entry (the learned matcher replaces the ``title`` stub).
    """
    if not name or name != name.strip().lower() or name == "auto":
        raise ParameterError(f"match method name must be lower case and not 'auto', got {name!r}")
    if name in MATCH_METHODS and not replace:
        raise ParameterError(f"match method {name!r} is already registered; pass replace=True")
    method = MatchMethod(name, fit, needs_title_model, description)
    MATCH_METHODS[name] = method
    return method


def resolve_method(method: str, title_model: Any = None) -> MatchMethod:
    """The registered :class:`MatchMethod` for ``method`` (``"auto"`` → :data:`AUTO_METHOD`)."""
    name = AUTO_METHOD if method == "auto" else method
    if name not in MATCH_METHODS:
        raise ParameterError(f"unknown match method {method!r}; known: auto, "
                             f"{', '.join(MATCH_METHODS)}")
    found = MATCH_METHODS[name]
    if found.needs_title_model and title_model is None:
        classical = ", ".join(n for n, m in MATCH_METHODS.items() if not m.needs_title_model)
        raise ParameterError(f"match method {name!r} needs a trained title model (pass "
                             "title_model=, or --title-model DIR; train one with `workbench "
                             f"train`), or use a classical method: {classical}")
    return found


# -- encodings -------------------------------------------------------------------------------

def _cct(lin: torch.Tensor) -> torch.Tensor:
    """ACEScct of linear ACEScg ``(P, 3)`` (float32 through OCIO, as the pipeline does)."""
    return convert(lin.float().T.reshape(1, 3, -1, 1), "ACEScg", "ACEScct").reshape(3, -1).T


def _lin(cct: torch.Tensor) -> torch.Tensor:
    """Linear ACEScg of ACEScct ``(P, 3)``."""
    return convert(cct.float().T.reshape(1, 3, -1, 1), "ACEScct", "ACEScg").reshape(3, -1).T


_CONE = transfer.BRADFORD @ torch.tensor([[0.6624541811, 0.1340042065, 0.1561876870],
                                          [0.2722287168, 0.6740817658, 0.0536895174],
                                          [-0.0055746495, 0.0040607335, 1.0103391003]],
                                         dtype=torch.float64)
_CONE_INV = torch.linalg.inv(_CONE)


def _log_cone(lin: torch.Tensor) -> torch.Tensor:
    """Bradford LMS of linear ACEScg, ACEScct-encoded per cone (log2 above the toe)."""
    return _cct((lin.double() @ _CONE.T).float())


def _from_log_cone(enc: torch.Tensor) -> torch.Tensor:
    return (_lin(enc).double() @ _CONE_INV.T).float()


def _in_space(fit: Callable[..., Any], encode: Callable[[torch.Tensor], torch.Tensor],
              decode: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[MatchInputs], PixelMap]:
    """A method from a ``transfer.fit_*`` applied to pixels in another encoding."""
    def method(inputs: MatchInputs) -> PixelMap:
        t = fit(encode(inputs.shot_pixels), encode(inputs.reference_pixels))
        return lambda lin: decode(t(encode(lin)).float())
    return method


def _von_kries(inputs: MatchInputs) -> PixelMap:
    t = transfer.fit_von_kries(inputs.shot_pixels, inputs.reference_pixels)
    return lambda lin: t(lin).float()


def _mean_std(inputs: MatchInputs) -> PixelMap:
    values = fit_mean_std_cdl(shot_stats(inputs.shot), shot_stats(inputs.reference))

    def apply(lin: torch.Tensor) -> torch.Tensor:
        img = _cct(lin).T.reshape(1, 3, -1, 1)
        out = apply_cdl(img, values.slope, values.offset, values.power, values.saturation)
        return _lin(out.reshape(3, -1).T)
    return apply


def _title_stub(inputs: MatchInputs) -> PixelMap:
    """Load the learned matcher on first use; it registers itself over this stub."""
    try:
        import workbench.model.matcher  # noqa: F401  (registers "title" on import)
    except ImportError as exc:
        raise ParameterError(f"match method 'title': the learned matcher is not available "
                             f"({exc})") from None
    found = MATCH_METHODS["title"]
    if found.fit is _title_stub:
        raise ParameterError("match method 'title': workbench.model.matcher did not register "
                             "a learned matcher")
    return found.fit(inputs)


register_method("von-kries", _von_kries,
                description="per-cone gains in the best-fitting cone space (light, white "
                            "balance, exposure)")
register_method("mkl", _in_space(transfer.fit_mkl, _cct, _lin),
                description="linear Monge-Kantorovich map in ACEScct (Pitie & Kokaram 2007)")
register_method("reinhard", _in_space(transfer.fit_reinhard, _cct, _lin),
                description="mean/std per lab-opponent axis in ACEScct (Reinhard et al. 2001)")
register_method("histogram", _in_space(transfer.fit_quantile, _log_cone, _from_log_cone),
                description="per-channel quantile matching in log Bradford LMS")
register_method("mean-std", _mean_std, description="mean/std CDL in ACEScct, shared contrast")
register_method("title", _title_stub, needs_title_model=True,
                description="learned matcher trained on the title's dailies")


# -- the grade -------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MatchGrade:
    """A fitted match: CDL (ACEScct) then a 33³ LUT (ACEScct), at ``strength``.

    ``confidence`` in [0, 1] is how far the matched shot's chroma overlaps the reference's
    (:func:`~workbench.model.match.chroma_overlap`), 0 when there was too little to measure.
    """

    method: str
    cdl: CDLValues
    lut: CubeLUT
    strength: float = 1.0
    confidence: float = 0.0
    summary: str = ""

    def apply(self, img: torch.Tensor, strength: float | None = None) -> torch.Tensor:
        """The grade on ``img`` ``(B, 3, H, W)`` linear ACEScg, exactly as :meth:`pipeline` runs.

        Strength blends each stage in ACEScct (as the operators do); 0 returns a copy.
        """
        s = self.strength if strength is None else float(strength)
        if not 0.0 <= s <= 1.0:
            raise ParameterError(f"MatchGrade strength must be in [0, 1], got {s}")
        if s == 0.0:
            return img.clone()
        cct = convert(img, "ACEScg", "ACEScct")
        out = CDL.from_values(self.cdl, strength=s).forward(cct)
        assert self.lut.table is not None
        table = torch.from_numpy(np.array(self.lut.table)).to(out.dtype)
        looked = apply_lut3d(out, table, torch.from_numpy(np.array(self.lut.domain)))
        out = looked if s == 1.0 else out + s * (looked - out)
        return convert(out, "ACEScct", "ACEScg")

    def write_lut(self, lut_dir: Path) -> Path:
        """Write the LUT as ``lut_dir/<sha256 of its bytes>.cube`` (atomic) and return the path."""
        lut_dir = Path(lut_dir)
        lut_dir.mkdir(parents=True, exist_ok=True)
        staging = lut_dir / f".match-{id(self)}.cube.tmp"
        try:
            write_cube(staging, self.lut)
            data = staging.read_bytes()
        finally:
            staging.unlink(missing_ok=True)
        path = lut_dir / f"{hashlib.sha256(data).hexdigest()}.cube"
        if not path.exists():
            from workbench.io import atomic_write_bytes
            atomic_write_bytes(path, data)
        return path

    def pipeline(self, lut_dir: Path, strength: float | None = None) -> Pipeline:
        """``Pipeline([CDL, LUT3D])`` at ``strength``; the cube is ``lut_dir/<sha256>.cube``."""
        s = self.strength if strength is None else float(strength)
        path = self.write_lut(lut_dir)
        return Pipeline([CDL.from_values(self.cdl, strength=s),
                         LUT3D(path=str(path), space="ACEScct", strength=s)])

    def write_cdl(self, path: Path, cc_id: str = "match") -> Path:
        """Write the CDL part as an ASC ``.cc`` (the LUT carries the rest: say so to the artist)."""
        from workbench.interchange import write_cc
        return write_cc(Path(path), self.cdl, cc_id, f"workbench match ({self.method}); "
                        "the companion .cube holds the rest of the match")


TOE_CCT = 0.155251141552511   # ACEScct's linear toe ends here (linear 2^-7)


def _fit_cdl(x_cct: torch.Tensor, y_cct: torch.Tensor) -> CDLValues:
    """Per-channel least squares ``y ≈ slope·x + offset`` in ACEScct, bounded like the CDL.

    Fitted on the log segment (above ACEScct's toe, on both sides) when enough pixels are
    there: a gain is an exact offset there, and the toe's kink is left to the LUT.
    """
    x, y = x_cct.double(), y_cct.double()
    log_part = (x > TOE_CCT).all(dim=1) & (y > TOE_CCT).all(dim=1)
    if int(log_part.sum()) >= 256:
        x, y = x[log_part], y[log_part]
    slope, offset = [], []
    for c in range(3):
        xc, yc = x[:, c], y[:, c]
        var = float(((xc - xc.mean()) ** 2).mean())
        k = float(((xc - xc.mean()) * (yc - yc.mean())).mean()) / var if var > 1e-8 else 1.0
        k = float(np.clip(k, *SLOPE_LIMITS)) if np.isfinite(k) else 1.0
        o = float(yc.mean() - k * xc.mean()) if x.shape[0] else 0.0
        slope.append(k)
        offset.append(float(np.clip(o if np.isfinite(o) else 0.0, -1.0, 1.0)))
    return CDLValues(slope=tuple(slope), offset=tuple(offset))  # type: ignore[arg-type]


def fit_grade(pixel_map: PixelMap, shot_pixels: torch.Tensor) -> tuple[CDLValues, CubeLUT]:
    """A CDL fitted to ``pixel_map`` on ``shot_pixels`` ``(P, 3)`` ACEScg, and the LUT for the rest.

    The LUT's lattice (ACEScct, :data:`LUT_DOMAIN`) holds ``map(CDL⁻¹(c))``, so CDL then LUT
    reproduce the map anywhere in the domain, up to the lattice's interpolation.
    """
    x = _cct(shot_pixels)
    y = _cct(_safe(pixel_map(shot_pixels)))
    cdl = _fit_cdl(x, y) if x.shape[0] else CDLValues()
    g = torch.linspace(*LUT_DOMAIN, LUT_SIZE, dtype=torch.float64)
    lattice = torch.stack(torch.meshgrid(g, g, g, indexing="ij"), dim=-1).reshape(-1, 3)
    slope = torch.tensor(cdl.slope, dtype=torch.float64)
    before = (lattice - torch.tensor(cdl.offset, dtype=torch.float64)) / slope
    table = _cct(_safe(pixel_map(_lin(before.float())))).double()
    table = torch.nan_to_num(table, nan=0.0).clamp(-0.5, 2.0).reshape(LUT_SIZE, LUT_SIZE,
                                                                       LUT_SIZE, 3)
    domain = np.array([[LUT_DOMAIN[0]] * 3, [LUT_DOMAIN[1]] * 3])
    return cdl, CubeLUT(title="workbench match", table=table.numpy(), domain=domain)


def _safe(lin: torch.Tensor) -> torch.Tensor:
    """Finite, bounded linear values: a method's wild extrapolation never reaches a file."""
    return torch.nan_to_num(lin.float(), nan=0.0, posinf=65504.0, neginf=-65504.0
                            ).clamp(-65504.0, 65504.0)


# -- matching --------------------------------------------------------------------------------

def _check_frames(frames: torch.Tensor, name: str) -> None:
    if not isinstance(frames, torch.Tensor) or frames.ndim != 4 or frames.shape[1] != 3:
        shape = tuple(frames.shape) if isinstance(frames, torch.Tensor) else type(frames).__name__
        raise ShapeError(f"match_frames: {name} must be (N, 3, H, W) ACEScg, got {shape}")
    if frames.numel() == 0:
        raise ShapeError(f"match_frames: {name} is empty, got {tuple(frames.shape)}")


def sample_pixels(frames: torch.Tensor, limit: int = MAX_PIXELS, seed: int = 0) -> torch.Tensor:
    """Up to ``limit`` finite pixels ``(P, 3)`` of ``frames`` ``(N, 3, H, W)``, seeded draw.

    Drawn in random order, so the first ``k`` rows are themselves a fair sample.
    """
    pixels = frames.permute(0, 2, 3, 1).reshape(-1, 3).float()
    pixels = pixels[torch.isfinite(pixels).all(dim=1)]
    if pixels.shape[0] > limit:
        pick = torch.randperm(pixels.shape[0], generator=torch.Generator().manual_seed(seed))
        pixels = pixels[pick[:limit]]  # random order: any prefix is a fair sample too
    return pixels


def match_frames(shot: torch.Tensor, reference: torch.Tensor, method: str = "auto", *,
                 title_model: Any = None, shot_area: ActiveArea | None = None,
                 ref_area: ActiveArea | None = None, strength: float = 1.0,
                 reference_name: str = "reference") -> MatchGrade:
    """Fit one grade bringing ``shot`` to ``reference``.

    Parameters
    ----------
    shot, reference
        ``(N, 3, H, W)`` / ``(M, 3, H', W')`` scene-linear ACEScg: frames sampled across each
        shot (all of them count: one grade per shot, so no flicker). Sizes may differ.
    method
        A key of :data:`MATCH_METHODS`, or ``"auto"`` (:data:`AUTO_METHOD`).
    title_model
        A trained title model (or its directory) for ``"title"``.
    shot_area, ref_area
        Picture areas (letterbox bars excluded); detected when ``None``.
    strength
        The grade's default strength in [0, 1].

    Returns
    -------
    MatchGrade
        CDL + LUT in ACEScct, strength, confidence and a one-sentence summary.
    """
    _check_frames(shot, "shot")
    _check_frames(reference, "reference")
    found = resolve_method(method, title_model)
    shot_area = active_area(shot, 1) if shot_area is None else shot_area
    ref_area = active_area(reference, 1) if ref_area is None else ref_area
    shot_in = shot_area.crop(shot).contiguous().float()
    ref_in = ref_area.crop(reference).contiguous().float()
    if shot_in.numel() == 0 or ref_in.numel() == 0:
        shot_in, ref_in = shot.float(), reference.float()
    inputs = MatchInputs(torch.nan_to_num(shot_in), torch.nan_to_num(ref_in),
                         sample_pixels(shot_in, seed=0), sample_pixels(ref_in, seed=1),
                         title_model)
    pixel_map = found.fit(inputs)
    fit_px = inputs.shot_pixels[:FIT_PIXELS]
    cdl, lut = fit_grade(pixel_map, fit_px)
    grade = MatchGrade(found.name, cdl, lut, strength=float(strength))
    confidence = _confidence(grade, fit_px, inputs.reference_pixels[:FIT_PIXELS])
    before = describe_difference(shot_stats(inputs.shot), shot_stats(inputs.reference),
                                 reference_name)
    summary = f"{found.name} match: {before}; confidence {confidence:.2f}"
    return MatchGrade(found.name, cdl, lut, float(strength), confidence, summary)


def _confidence(grade: MatchGrade, shot_px: torch.Tensor, ref_px: torch.Tensor) -> float:
    """Chroma overlap of the matched shot with the reference, scaled down for tiny samples."""
    if shot_px.shape[0] < transfer.MIN_PIXELS or ref_px.shape[0] < transfer.MIN_PIXELS:
        return 0.0
    matched = grade.apply(shot_px.T.reshape(1, 3, -1, 1), 1.0).reshape(3, -1).T
    overlap = chroma_overlap(_cct(matched), _cct(ref_px))
    size = min(1.0, min(shot_px.shape[0], ref_px.shape[0]) / 1024)
    value = overlap * size
    return round(float(value), 3) if np.isfinite(value) else 0.0
