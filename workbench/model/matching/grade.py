"""A shot match as a parametric grade, and :func:`match_frames`, which fits one by method name.

A method (:mod:`~workbench.model.matching.registry`) estimates a colour transfer from pixels;
the result is never generated pixels but a :class:`MatchGrade`: an ASC CDL in ACEScct fitted by
least squares to the transfer, plus a 33³ LUT in ACEScct holding whatever the CDL cannot (the
cross-channel part of a white-balance change, a histogram's curve), plus a strength. When the
method is itself a chain of editable operators (``mean-std``: a CDL; ``title``: Exposure,
Matrix3x3 and CDL) the grade keeps those operators and renders with them. Either way it becomes
an ordinary :class:`~workbench.ops.Pipeline`, so journal, render and export treat it like any
grade.

One grade per shot: :func:`match_frames` pools the pixels of every frame it is given (sample
frames across the shot), so a moving shot gets one set of numbers and cannot flicker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from workbench.color import convert
from workbench.color.encodings import ACESCCT_Y_BRK
from workbench.errors import ParameterError, ShapeError
from workbench.interchange.cube import CubeLUT, write_cube
from workbench.io.hashing import sha256_bytes
from workbench.model.framing import ActiveArea, active_area
from workbench.model.matching.correspond import find_correspondences
from workbench.model.matching.registry import (
    Choice,
    LearnedMatcher,
    MatchInputs,
    PixelMap,
    resolve_method,
)
from workbench.model.matching.select import confidence_from_residual, residual
from workbench.model.matching.stats import (
    acescct_to_pixels,
    describe_difference,
    pixels_to_acescct,
    shot_stats,
)
from workbench.model.matching.transfer import MIN_PIXELS
from workbench.ops import CDL, LUT3D, CDLValues, Pipeline
from workbench.ops.lut_interpolation import apply_lut3d

__all__ = [
    "LUT_DOMAIN",
    "LUT_SIZE",
    "MatchGrade",
    "fit_grade",
    "match_frames",
    "match_inputs",
    "sample_pixels",
]

LUT_SIZE = 33
LUT_DOMAIN = (-0.05, 1.1)   # ACEScct: linear ≈ −0.012 … 750, beyond any camera's white
MAX_PIXELS = 1 << 20         # pixels sampled per side to fit a transfer (all, up to 1M)
FIT_PIXELS = 10_000         # of those, fitted by the CDL and measured for confidence
SLOPE_LIMITS = (0.25, 4.0)

# -- the grade -------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MatchGrade:
    """A fitted match: CDL (ACEScct) then a 33³ LUT (ACEScct), at ``strength``.

    ``confidence`` in [0, 1] rises as the grade's held-out residual falls: the mean ΔE2000
    it leaves on pixels that show the same surface in both shots and that no method was
    fitted on (at most 0.5 when the shots share no surface; 0 when there was too little to
    measure). ``operators``, when the method is itself a chain of operators, is that chain: the
    grade then renders with it (CDL + LUT stay its interchange form for ``.cc``/``.cube``).
    """

    method: str
    cdl: CDLValues
    lut: CubeLUT
    strength: float = 1.0
    confidence: float = 0.0
    summary: str = ""
    operators: Pipeline | None = None
    residual: float = float("nan")  # the held-out residual confidence rests on
    measure: str = ""               # its unit: "ΔE2000" on shared pixels, or the fallback's

    def apply(self, img: torch.Tensor, strength: float | None = None) -> torch.Tensor:
        """The grade on ``img`` ``(B, 3, H, W)`` linear ACEScg, exactly as :meth:`pipeline` runs.

        Strength blends each stage in ACEScct (as the operators do); 0 returns a copy.
        """
        s = self.strength if strength is None else float(strength)
        if not 0.0 <= s <= 1.0:
            raise ParameterError(f"MatchGrade strength must be in [0, 1], got {s}")
        if s == 0.0:
            return img.clone()
        if self.operators is not None:
            return self.operators.at_strength(s).apply(img)
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
        path = lut_dir / f"{sha256_bytes(data)}.cube"
        if not path.exists():
            from workbench.io import atomic_write_bytes
            atomic_write_bytes(path, data)
        return path

    def pipeline(self, lut_dir: Path, strength: float | None = None) -> Pipeline:
        """``Pipeline([CDL, LUT3D])`` at ``strength``; the cube is ``lut_dir/<sha256>.cube``.

        A grade with ``operators`` gives those, at ``strength``, and writes no cube.
        """
        s = self.strength if strength is None else float(strength)
        if self.operators is not None:
            return self.operators.at_strength(s)
        path = self.write_lut(lut_dir)
        return Pipeline([CDL.from_values(self.cdl, strength=s),
                         LUT3D(lut=self.lut, path=str(path), space="ACEScct", strength=s)])

    def write_cdl(self, path: Path, cc_id: str = "match") -> Path:
        """Write the CDL part as an ASC ``.cc`` (the LUT carries the rest: say so to the artist)."""
        from workbench.interchange import write_cc
        return write_cc(Path(path), self.cdl, cc_id, f"workbench match ({self.method}); "
                        "the companion .cube holds the rest of the match")


TOE_CCT = ACESCCT_Y_BRK   # ACEScct's linear toe ends here (linear 2^-7)


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


def fit_grade(pixel_map: PixelMap, shot_pixels: torch.Tensor, cdl: CDLValues | None = None
              ) -> tuple[CDLValues, CubeLUT]:
    """A CDL fitted to ``pixel_map`` on ``shot_pixels`` ``(P, 3)`` ACEScg, and the LUT for the rest.

    The LUT's lattice (ACEScct, :data:`LUT_DOMAIN`) holds ``map(CDL⁻¹(c))``, so CDL then LUT
    reproduce the map anywhere in the domain, up to the lattice's interpolation. A ``cdl``
    given (the method's own) is kept instead of fitted.
    """
    if cdl is None:
        x = pixels_to_acescct(shot_pixels)
        y = pixels_to_acescct(_safe(pixel_map(shot_pixels)))
        cdl = _fit_cdl(x, y) if x.shape[0] else CDLValues()
    g = torch.linspace(*LUT_DOMAIN, LUT_SIZE, dtype=torch.float64)
    lattice = torch.stack(torch.meshgrid(g, g, g, indexing="ij"), dim=-1).reshape(-1, 3)
    slope = torch.tensor(cdl.slope, dtype=torch.float64)
    before = (lattice - torch.tensor(cdl.offset, dtype=torch.float64)) / slope
    table = pixels_to_acescct(_safe(pixel_map(acescct_to_pixels(before.float())))).double()
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
                 title_model: LearnedMatcher | None = None, shot_area: ActiveArea | None = None,
                 ref_area: ActiveArea | None = None, strength: float = 1.0,
                 reference_name: str = "reference", inputs: MatchInputs | None = None
                 ) -> MatchGrade:
    """Fit one grade bringing ``shot`` to ``reference``.

    Parameters
    ----------
    shot, reference
        ``(N, 3, H, W)`` / ``(M, 3, H', W')`` scene-linear ACEScg: frames sampled across each
        shot (all of them count: one grade per shot, so no flicker). Sizes may differ.
    method
        A key of :data:`~workbench.model.matching.MATCH_METHODS`, or ``"auto"``: the learned
        matcher when ``title_model`` is given, else ``"von-kries"``
        (:func:`~workbench.model.matching.resolve_method` says why).
    title_model
        The trained matcher, for ``"title"`` (and ``"auto"``); from a title model or its
        directory with :func:`workbench.model.title_model.as_matcher`.
    shot_area, ref_area
        Picture areas (letterbox bars excluded); detected when ``None``.
    strength
        The grade's default strength in [0, 1].
    inputs
        What :func:`match_inputs` made of these frames and areas, when the caller fits more
        than one method to them (their pixel samples and correspondences are found once);
        made here when ``None``. Its ``title_model`` is replaced by ``title_model``.

    Returns
    -------
    MatchGrade
        CDL + LUT in ACEScct (and the method's own operators, if it has them), strength,
        confidence and a one-sentence summary.
    """
    if inputs is None:
        _check_frames(shot, "shot")
        _check_frames(reference, "reference")
    found = resolve_method(method, title_model)
    if inputs is None:
        inputs = match_inputs(shot, reference, shot_area, ref_area)
    inputs = replace(inputs, title_model=title_model)
    fitted = found.fit(inputs)
    chosen = ""
    evidence = inputs
    if isinstance(fitted, Choice):
        where = " on pixels shared with the title's frames" if fitted.pairs is not None else ""
        chosen = (f"; chose {fitted.name} by held-out residual {fitted.residual:.2f} "
                  f"{fitted.measure}{where}")
        if fitted.pairs is not None:  # the evidence is the title's frames, not the reference
            evidence = replace(inputs, pairs=fitted.pairs)
        fitted = fitted.fitted
    operators = fitted if isinstance(fitted, Pipeline) else None
    pixel_map = fitted if operators is None else _operators_map(operators)
    ops = operators.operators if operators is not None else []
    own_cdl = ops[0].values() if len(ops) == 1 and isinstance(ops[0], CDL) else None
    fit_px = inputs.shot_pixels[:FIT_PIXELS]
    cdl, lut = fit_grade(pixel_map, fit_px, own_cdl)
    grade = MatchGrade(found.name, cdl, lut, strength=float(strength), operators=operators)
    confidence, measured, value, unit = _confidence(grade, evidence)
    if evidence is not inputs:
        measured = measured.replace("both views show", "the shot shares with the title's frames")
    before = describe_difference(shot_stats(inputs.shot), shot_stats(inputs.reference),
                                 reference_name)
    summary = f"{found.name} match: {before}{chosen}; confidence {confidence:.2f} ({measured})"
    return MatchGrade(found.name, cdl, lut, float(strength), confidence, summary, operators,
                      value, unit)


def match_inputs(shot: torch.Tensor, reference: torch.Tensor,
                 shot_area: ActiveArea | None = None, ref_area: ActiveArea | None = None
                 ) -> MatchInputs:
    """What :func:`match_frames` fits on: both picture areas, pixel samples, shared pixels.

    ``shot`` ``(N, 3, H, W)`` and ``reference`` ``(M, 3, H', W')`` scene-linear ACEScg,
    cropped to ``shot_area`` / ``ref_area`` (detected when ``None``); no title model.
    """
    _check_frames(shot, "shot")
    _check_frames(reference, "reference")
    shot_area = active_area(shot, 1) if shot_area is None else shot_area
    ref_area = active_area(reference, 1) if ref_area is None else ref_area
    shot_in = shot_area.crop(shot).contiguous().float()
    ref_in = ref_area.crop(reference).contiguous().float()
    if shot_in.numel() == 0 or ref_in.numel() == 0:
        shot_in, ref_in = shot.float(), reference.float()
    shot_in, ref_in = torch.nan_to_num(shot_in), torch.nan_to_num(ref_in)
    return MatchInputs(shot_in, ref_in, sample_pixels(shot_in, seed=0),
                       sample_pixels(ref_in, seed=1), None,
                       find_correspondences(shot_in, ref_in, max_frames=2))


def _operators_map(operators: Pipeline) -> PixelMap:
    """``operators`` as a pixel map, ``(P, 3)`` linear ACEScg in and out."""
    def apply(lin: torch.Tensor) -> torch.Tensor:
        return operators.apply(lin.float().T.reshape(1, 3, -1, 1).contiguous()).reshape(3, -1).T
    return apply


def _confidence(grade: MatchGrade, inputs: MatchInputs) -> tuple[float, str, float, str]:
    """Confidence in [0, 1], what it rests on, and the held-out residual with its unit.

    With shared surfaces, the grade (as rendered: CDL + LUT, or its operators) is measured
    on shared pixels no method was fitted on (:func:`~.select.residual`); without, on how
    the graded shot's distribution misses the reference's, capped lower. Tiny samples give 0.
    """
    if inputs.shot_pixels.shape[0] < MIN_PIXELS or inputs.reference_pixels.shape[0] < MIN_PIXELS:
        return 0.0, "too few pixels to measure", float("nan"), ""

    def graded(lin: torch.Tensor) -> torch.Tensor:
        return grade.apply(lin.float().T.reshape(1, 3, -1, 1).contiguous(), 1.0
                           ).reshape(3, -1).T

    value, measure = residual(graded, inputs)
    confidence = confidence_from_residual(value, measure)
    if measure == "ΔE2000":
        note = f"held-out residual {value:.2f} ΔE2000 on pixels both views show"
    else:
        note = "the views share no surface: measured on distributions only"
    return ((round(float(confidence), 3) if np.isfinite(confidence) else 0.0), note,
            float(value), measure)
