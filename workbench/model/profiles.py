"""Profiles of shots, scenes and titles: measured lighting, palette, lens, grain and motion.

A profile is what a colourist notes about a shot before matching it: how bright and how hard
the light is, what colour the light is, which colours dominate, how the lens falls off and how
sharp it is, how much grain there is and how the camera moves. Every number is measured on
scene-linear ACEScg frames inside the active picture area (letterbox bars excluded) and is
plain JSON (``to_dict``/``from_dict``), so profiles are stored beside a title and compared by
:mod:`workbench.model.continuity`.

How each quantity is estimated (all deterministic):

lighting
    ``exposure``: log2 of the log-average luminance (Reinhard's key) over 18 % grey, in stops
    (black pixels below 2^-12 left out).
    ``contrast``: log2 luminance between the 10th and 90th percentiles, in stops.
    ``key_to_fill``: the larger of the left/right and top/bottom differences of median log2
    luminance between the frame's halves, in stops (a frame-wide proxy: no face or subject
    detection; flat light reads near 0). ``cct``/``duv``: the illuminant estimated by
    shades-of-grey (Finlayson & Trezzi 2004, p = 6) on mid-tone pixels, ACEScg → XYZ → CIE
    1960 uv → CCT and Duv by Ohno (2013). ACEScg's white is ACES white (≈ 6000 K), so a
    neutrally balanced plate reads ≈ 6000 K; a grey card under a 3200 K light reads ≈ 3200 K.
    ``saturation``: median Oklab chroma over lightness, after the illuminant estimate is
    divided out (von Kries), so a white-balance change does not read as saturation.
palette
    Dominant colours by k-means (k-means++ seeding, fixed seed) in Oklab, with their pixel
    weights; the skin-tone locus is the fraction of pixels with Oklab hue 20°–75°, chroma
    0.02–0.16 and lightness 0.3–0.92 (where skin of every complexion lies), and their mean hue.
lens
    ``vignetting``: log2 of the corners' over the centre's mean luminance (median over
    frames), in stops; content-dependent, so it is meaningful compared across a scene.
    ``sharpness``: the Laplacian's spread over the luminance spread, both on ACEScct luma at
    the analysis size. ``distortion`` is ``None``: it is not measurable without a chart or
    straight lines known to be straight.
grain
    Immerkær's (1996) noise estimate on ACEScct luma (a log encoding, so an exposure change
    does not change it), per luminance band, with edges (top 20 % gradient) excluded.
motion
    Global translation between successive frames by phase correlation (``cv2.phaseCorrelate``
    with a Hanning window), divided by the frame gap and the width: mean speed, the direction
    the picture moves (degrees, 0 = right, 90 = down) and shakiness (spread of the per-pair
    velocity around its mean). ``None`` for a single frame.

References
----------
E. Reinhard et al., "Photographic tone reproduction for digital images", SIGGRAPH 2002.
G. Finlayson, E. Trezzi, "Shades of Gray and Colour Constancy", CIC 2004.
Y. Ohno, "Practical Use and Calculation of CCT and Duv", LEUKOS 10(1), 2014.
J. Immerkær, "Fast Noise Variance Estimation", CVIU 64(2), 1996.
B. Ottosson, "A perceptual color space for image processing" (Oklab), 2020.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np
import torch

from workbench._colour import import_colour
from workbench.errors import ShapeError
from workbench.model.framing import ActiveArea, active_area
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "GRAIN_BANDS",
    "Grain",
    "Lens",
    "Lighting",
    "Motion",
    "Palette",
    "SceneProfile",
    "ShotProfile",
    "TitleProfile",
    "acescct_encode",
    "estimate_illuminant",
    "global_motion",
    "scene_profile",
    "shot_profile",
    "title_profile",
    "xy_to_cct_duv",
]

LUMA = np.asarray(ACESCG_LUMA)
MID_GREY = 0.18
LOG_FLOOR = 2.0 ** -14          # luminance floor before log2: blacks and negatives
BLACK = 2.0 ** -12              # luminance left out of the log-average (black, not picture)
MAX_PIXELS = 120_000            # pixels sampled for the pooled statistics
PALETTE_PIXELS = 12_000
PALETTE_SIZE = 5
QUANTILES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
# Grain bands: edges in stops relative to 18 % grey (luminance), six bands.
GRAIN_BANDS = (-math.inf, -4.0, -2.5, -1.0, 0.5, 2.0, math.inf)
MIN_BAND_PIXELS = 200
SHADES_OF_GREY_P = 6.0
SKIN_HUE = (20.0, 75.0)
SKIN_CHROMA = (0.02, 0.16)
SKIN_LIGHTNESS = (0.30, 0.92)


# -- the profile's parts ---------------------------------------------------------------------

@dataclass(frozen=True)
class Lighting:
    """Exposure and contrast (stops), key-to-fill (stops), illuminant CCT (K), Duv, saturation."""

    exposure: float
    contrast: float
    key_to_fill: float
    key_side: str
    cct: float
    duv: float
    saturation: float
    log2_quantiles: tuple[float, ...]   # log2 luminance at QUANTILES
    illuminant_rgb: tuple[float, float, float]   # ACEScg, normalised to luminance 1


@dataclass(frozen=True)
class Palette:
    """Dominant colours in Oklab ``(L, a, b)`` by weight, and the skin-tone locus."""

    colours: tuple[tuple[float, float, float], ...]
    weights: tuple[float, ...]
    skin_fraction: float
    skin_hue: float | None   # degrees in Oklab, None when no skin-like pixels


@dataclass(frozen=True)
class Lens:
    """Vignetting (stops, corners relative to centre), sharpness, distortion (not measured)."""

    vignetting: float
    sharpness: float
    distortion: float | None = None


@dataclass(frozen=True)
class Grain:
    """Noise σ in ACEScct code values: overall and per luminance band (``None``: too few)."""

    level: float
    bands: tuple[float | None, ...]
    band_edges: tuple[float, ...] = GRAIN_BANDS[1:-1]


@dataclass(frozen=True)
class Motion:
    """Global motion: speed and shakiness in widths per frame, direction in degrees."""

    speed: float
    direction: float
    shakiness: float
    pairs: int


@dataclass(frozen=True)
class ShotProfile:
    """Everything measured on one shot (or one still) in ACEScg. ``schema``: ShotProfile.1."""

    width: int
    height: int
    frames: int
    area: ActiveArea
    lighting: Lighting
    palette: Palette
    lens: Lens
    grain: Grain
    motion: Motion | None
    metadata: dict[str, Any] = field(default_factory=dict)

    SCHEMA = "ShotProfile.1"

    @property
    def aspect(self) -> float:
        """Width over height of the active picture area."""
        return (self.area.right - self.area.left) / max(self.area.bottom - self.area.top, 1)

    @property
    def fill(self) -> float:
        """Fraction of the frame that is picture (1 without bars)."""
        return ((self.area.right - self.area.left) * (self.area.bottom - self.area.top)
                / max(self.width * self.height, 1))

    def metrics(self) -> dict[str, float]:
        """The profile's scalars by name (what scenes aggregate and continuity compares)."""
        out = {
            "exposure": self.lighting.exposure, "contrast": self.lighting.contrast,
            "key_to_fill": self.lighting.key_to_fill, "cct": self.lighting.cct,
            "duv": self.lighting.duv, "saturation": self.lighting.saturation,
            "skin_fraction": self.palette.skin_fraction, "vignetting": self.lens.vignetting,
            "sharpness": self.lens.sharpness, "grain": self.grain.level,
            "aspect": self.aspect, "fill": self.fill,
        }
        if self.motion is not None:
            out.update(motion_speed=self.motion.speed, shakiness=self.motion.shakiness)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"schema": self.SCHEMA, "width": self.width, "height": self.height,
                "frames": self.frames, "area": self.area.to_dict(),
                "lighting": asdict(self.lighting), "palette": asdict(self.palette),
                "lens": asdict(self.lens), "grain": asdict(self.grain),
                "motion": None if self.motion is None else asdict(self.motion),
                "metadata": dict(self.metadata)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShotProfile:
        """Inverse of :meth:`to_dict`."""
        lighting = dict(data["lighting"])
        lighting["log2_quantiles"] = tuple(lighting["log2_quantiles"])
        lighting["illuminant_rgb"] = tuple(lighting["illuminant_rgb"])
        palette = dict(data["palette"])
        palette["colours"] = tuple(tuple(c) for c in palette["colours"])
        palette["weights"] = tuple(palette["weights"])
        grain = dict(data["grain"])
        grain["bands"] = tuple(grain["bands"])
        grain["band_edges"] = tuple(grain["band_edges"])
        motion = data.get("motion")
        return cls(int(data["width"]), int(data["height"]), int(data["frames"]),
                   ActiveArea.from_dict(data["area"]), Lighting(**lighting),
                   Palette(**palette), Lens(**data["lens"]), Grain(**grain),
                   None if motion is None else Motion(**motion),
                   dict(data.get("metadata", {})))


@dataclass(frozen=True)
class SceneProfile:
    """Median and spread (1.4826 × MAD) of the member profiles' metrics. SceneProfile.1."""

    count: int
    median: dict[str, float]
    spread: dict[str, float]
    palette: Palette

    SCHEMA = "SceneProfile.1"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"schema": self.SCHEMA, "count": self.count, "median": dict(self.median),
                "spread": dict(self.spread), "palette": asdict(self.palette)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SceneProfile:
        """Inverse of :meth:`to_dict`."""
        palette = dict(data["palette"])
        palette["colours"] = tuple(tuple(c) for c in palette["colours"])
        palette["weights"] = tuple(palette["weights"])
        return cls(int(data["count"]), dict(data["median"]), dict(data["spread"]),
                   Palette(**palette))


@dataclass(frozen=True)
class TitleProfile(SceneProfile):
    """The same aggregate over a title's scene profiles. TitleProfile.1."""

    SCHEMA = "TitleProfile.1"


# -- colour helpers ---------------------------------------------------------------------------

def acescct_encode(lin: np.ndarray) -> np.ndarray:
    """ACEScct encoding of linear values (Academy S-2016-001), any shape."""
    lin = np.asarray(lin, dtype=np.float64)
    return np.where(lin <= 0.0078125, 10.5402377416545 * lin + 0.0729055341958355,
                    (np.log2(np.maximum(lin, 1e-10)) + 9.72) / 17.52)


def _acescg_to_xyz(rgb: np.ndarray) -> np.ndarray:
    colour = import_colour()
    return rgb @ np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ).T


def xy_to_cct_duv(xy: np.ndarray) -> tuple[float, float]:
    """CCT (kelvin) and Duv of chromaticity ``xy`` by Ohno (2013), via CIE 1960 uv."""
    colour = import_colour()
    cct, duv = colour.temperature.uv_to_CCT_Ohno2013(colour.xy_to_UCS_uv(np.asarray(xy)))
    return float(cct), float(duv)


def estimate_illuminant(rgb: np.ndarray, p: float = SHADES_OF_GREY_P) -> np.ndarray:
    """The light's colour from pixels ``rgb`` (P,3) ACEScg by shades-of-grey on mid-tones.

    Pixels in the darkest 5 % (noise) and brightest 2 % (clipped speculars) of luminance are
    left out. Returns ACEScg ``(3,)`` scaled to luminance 1.
    """
    rgb = np.maximum(np.asarray(rgb, dtype=np.float64), 0.0)
    y = rgb @ LUMA
    lo, hi = np.quantile(y, [0.05, 0.98]) if y.size else (0.0, 0.0)
    mid = rgb[(y >= lo) & (y <= hi) & (y > 0)]
    if mid.shape[0] < 16:
        return np.ones(3)
    scale = mid.max()
    est = np.power(np.mean(np.power(mid / scale, p), axis=0), 1 / p) * scale
    est = np.maximum(est, 1e-9)
    return est / float(est @ LUMA)


def _oklab(rgb: np.ndarray) -> np.ndarray:
    """Oklab of ACEScg ``(P,3)``; ACES white is adapted to D65 (Bradford) so grey is neutral."""
    colour = import_colour()
    space = colour.RGB_COLOURSPACES["ACEScg"]
    d65 = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
        colour.xy_to_XYZ(space.whitepoint), colour.xy_to_XYZ(d65), "Bradford")
    return np.asarray(colour.XYZ_to_Oklab(_acescg_to_xyz(rgb) @ np.asarray(cat).T))


# -- measurements ----------------------------------------------------------------------------

def _pixels(frames: np.ndarray, limit: int) -> np.ndarray:
    """``(N,3,H,W)`` → ``(P,3)``, an even deterministic subsample of at most ``limit``."""
    px = np.moveaxis(frames, 1, -1).reshape(-1, 3)
    if px.shape[0] > limit:
        px = px[:: math.ceil(px.shape[0] / limit)]
    return px.astype(np.float64)


def _lighting(frames: np.ndarray, px: np.ndarray) -> Lighting:
    y = np.maximum(px @ LUMA, LOG_FLOOR)
    logy = np.log2(y)
    quant = np.quantile(logy, QUANTILES)
    lit = logy[logy > math.log2(BLACK)]   # true blacks would pin the average to the floor
    exposure = float((np.mean(lit) if lit.size else math.log2(LOG_FLOOR)) - math.log2(MID_GREY))
    contrast = float(quant[QUANTILES.index(0.9)] - quant[QUANTILES.index(0.1)])
    key, side = _key_to_fill(frames)
    illum = estimate_illuminant(px)
    xyz = _acescg_to_xyz(illum)
    cct, duv = xy_to_cct_duv(xyz[:2] / xyz.sum())
    return Lighting(exposure, contrast, key, side, cct, duv, _saturation(px, illum),
                    tuple(float(q) for q in quant),
                    tuple(float(v) for v in illum))  # type: ignore[arg-type]


def _key_to_fill(frames: np.ndarray) -> tuple[float, str]:
    """Largest half-frame difference of median log2 luminance (stops) and the brighter side."""
    logy = np.log2(np.maximum(np.einsum("nchw,c->nhw", frames, LUMA), LOG_FLOOR))
    h, w = logy.shape[1:]
    sides = {
        "left": np.median(logy[:, :, : w // 2]) - np.median(logy[:, :, w - w // 2:]),
        "top": np.median(logy[:, : h // 2]) - np.median(logy[:, h - h // 2:]),
    }
    axis = max(sides, key=lambda k: abs(sides[k]))
    value = float(sides[axis])
    bright = axis if value >= 0 else {"left": "right", "top": "bottom"}[axis]
    return abs(value), bright


def _saturation(px: np.ndarray, illum: np.ndarray) -> float:
    """Median Oklab chroma / lightness of the white-balanced mid-tones."""
    balanced = np.maximum(px, 0.0) / illum
    lab = _oklab(balanced[:: max(1, balanced.shape[0] // 30_000)])
    keep = lab[:, 0] > 0.25
    if keep.sum() < 16:
        return 0.0
    chroma = np.hypot(lab[keep, 1], lab[keep, 2])
    return float(np.median(chroma / lab[keep, 0]))


def _kmeans(x: np.ndarray, k: int, seed: int = 0, iters: int = 20
            ) -> tuple[np.ndarray, np.ndarray]:
    """k-means++ then Lloyd iterations; returns centres ``(k,3)`` and labels ``(P,)``."""
    rng = np.random.default_rng(seed)
    k = min(k, x.shape[0])
    centres = [x[rng.integers(x.shape[0])]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1)
        total = d2.sum()
        idx = rng.choice(x.shape[0], p=d2 / total) if total > 0 else rng.integers(x.shape[0])
        centres.append(x[idx])
    c = np.asarray(centres)
    labels = np.zeros(x.shape[0], dtype=np.int64)
    for _ in range(iters):
        labels = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        new = np.stack([x[labels == j].mean(0) if np.any(labels == j) else c[j]
                        for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c, labels


def _palette(px: np.ndarray) -> Palette:
    sample = px[:: max(1, px.shape[0] // PALETTE_PIXELS)]
    lab = _oklab(np.maximum(sample, 0.0))
    centres, labels = _kmeans(lab, PALETTE_SIZE)
    weights = np.bincount(labels, minlength=centres.shape[0]) / labels.size
    order = np.argsort(-weights)
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    skin = ((hue >= SKIN_HUE[0]) & (hue <= SKIN_HUE[1]) & (chroma >= SKIN_CHROMA[0])
            & (chroma <= SKIN_CHROMA[1]) & (lab[:, 0] >= SKIN_LIGHTNESS[0])
            & (lab[:, 0] <= SKIN_LIGHTNESS[1]))
    skin_hue = None
    if skin.any():
        rad = np.radians(hue[skin])
        skin_hue = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
    return Palette(tuple(tuple(float(v) for v in centres[i]) for i in order),  # type: ignore[misc]
                   tuple(float(weights[i]) for i in order), float(skin.mean()), skin_hue)


def _luma_cct(frames: np.ndarray) -> np.ndarray:
    """ACEScct encoding of luminance, ``(N, H, W)`` float32."""
    return acescct_encode(np.einsum("nchw,c->nhw", frames, LUMA)).astype(np.float32)


def _lens(frames: np.ndarray, luma_cct: np.ndarray) -> Lens:
    y = np.maximum(np.einsum("nchw,c->nhw", frames, LUMA), LOG_FLOOR)
    h, w = y.shape[1:]
    ch, cw = max(h // 8, 1), max(w // 8, 1)
    corners = np.concatenate([y[:, :ch, :cw], y[:, :ch, -cw:], y[:, -ch:, :cw],
                              y[:, -ch:, -cw:]], axis=2).mean(axis=(1, 2))
    centre = y[:, 3 * h // 8: 5 * h // 8 + 1, 3 * w // 8: 5 * w // 8 + 1].mean(axis=(1, 2))
    vignetting = float(np.median(np.log2(np.maximum(corners, LOG_FLOOR)
                                         / np.maximum(centre, LOG_FLOOR))))
    sharp = [float(np.std(cv2.Laplacian(f, cv2.CV_32F, ksize=3)) / max(float(f.std()), 1e-4))
             for f in luma_cct]
    return Lens(vignetting, float(np.median(sharp)), None)


_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def _grain(frames: np.ndarray, luma_cct: np.ndarray) -> Grain:
    """Immerkær noise σ (ACEScct) per luminance band, edges excluded."""
    stops = np.log2(np.maximum(np.einsum("nchw,c->nhw", frames, LUMA), LOG_FLOOR) / MID_GREY)
    resid, band_of = [], []
    for f, s in zip(luma_cct, stops, strict=True):
        r = np.abs(cv2.filter2D(f, cv2.CV_32F, _IMMERKAER, borderType=cv2.BORDER_REFLECT))
        gx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3)
        grad = np.hypot(gx, gy)
        keep = grad <= np.quantile(grad, 0.8)
        keep[:1], keep[-1:], keep[:, :1], keep[:, -1:] = False, False, False, False
        resid.append(r[keep])
        band_of.append(np.digitize(s[keep], GRAIN_BANDS[1:-1]))
    r_all, b_all = np.concatenate(resid), np.concatenate(band_of)
    factor = math.sqrt(math.pi / 2) / 6   # mean |filter output| → σ for white noise
    level = float(np.mean(r_all) * factor) if r_all.size else 0.0
    bands = tuple(float(np.mean(r_all[b_all == i]) * factor)
                  if np.count_nonzero(b_all == i) >= MIN_BAND_PIXELS else None
                  for i in range(len(GRAIN_BANDS) - 1))
    return Grain(level, bands)


def global_motion(luma: np.ndarray, gaps: Sequence[int] | None = None) -> Motion | None:
    """Phase-correlation motion of ``luma`` ``(N, H, W)`` frames; ``None`` when N < 2.

    ``gaps`` are the frame-index steps between successive frames (1 each by default), so
    frames sampled across a shot give per-frame speeds.
    """
    n, h, w = luma.shape
    if n < 2:
        return None
    gaps = list(gaps) if gaps is not None else [1] * (n - 1)
    window = cv2.createHanningWindow((w, h), cv2.CV_64F)
    vel = []
    for i in range(n - 1):
        (dx, dy), _ = cv2.phaseCorrelate(luma[i].astype(np.float64),
                                         luma[i + 1].astype(np.float64), window)
        vel.append((dx / max(gaps[i], 1) / w, dy / max(gaps[i], 1) / w))
    v = np.asarray(vel)
    mean = v.mean(axis=0)
    speed = float(np.mean(np.hypot(v[:, 0], v[:, 1])))
    direction = float(np.degrees(np.arctan2(mean[1], mean[0])) % 360)
    shakiness = float(np.sqrt(((v - mean) ** 2).sum(axis=1).mean())) if n > 2 else 0.0
    return Motion(speed, direction, shakiness, n - 1)


# -- public API -------------------------------------------------------------------------------

def shot_profile(frames: torch.Tensor, area: ActiveArea | None = None,
                 frame_indices: Sequence[int] | None = None) -> ShotProfile:
    """Measure a shot's profile from frames sampled across it.

    Parameters
    ----------
    frames
        ``(N, 3, H, W)`` float32 scene-linear ACEScg, in shot order (a still: N = 1).
    area
        The active picture area; detected (letterbox bars, 1 px margin) when ``None``.
    frame_indices
        The frames' indices in the clip, for motion per frame; successive when ``None``.

    Returns
    -------
    ShotProfile

    Example
    -------
    >>> import torch
    >>> p = shot_profile(torch.full((1, 3, 32, 32), 0.18))
    >>> round(p.lighting.exposure, 3), round(p.lighting.cct, -2)
    (0.0, 6000.0)
    """
    if frames.ndim != 4 or frames.shape[1] != 3 or frames.shape[0] < 1:
        raise ShapeError(f"shot_profile expects (N, 3, H, W) frames, got {tuple(frames.shape)}")
    frames = torch.nan_to_num(frames.detach().float().cpu(), nan=0.0, posinf=0.0, neginf=0.0)
    n, _, h, w = frames.shape
    area = active_area(frames, 1) if area is None else area
    inner = np.ascontiguousarray(area.crop(frames).numpy())
    if inner.shape[-1] < 8 or inner.shape[-2] < 8:
        inner = np.ascontiguousarray(frames.numpy())
    px = _pixels(inner, MAX_PIXELS)
    luma_cct = _luma_cct(inner)
    gaps = None
    if frame_indices is not None:
        gaps = [int(b) - int(a) for a, b in itertools.pairwise(frame_indices)]
    return ShotProfile(w, h, n, area, _lighting(inner, px), _palette(px),
                       _lens(inner, luma_cct), _grain(inner, luma_cct),
                       global_motion(luma_cct, gaps))


def _aggregate(metrics: list[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    names = sorted({k for m in metrics for k in m})
    median, spread = {}, {}
    for k in names:
        vals = np.asarray([m[k] for m in metrics if k in m], dtype=np.float64)
        med = float(np.median(vals))
        median[k] = med
        spread[k] = float(1.4826 * np.median(np.abs(vals - med)))
    return median, spread


def _merge_palettes(palettes: Sequence[Palette]) -> Palette:
    """The heaviest colours over the members, weights re-normalised to sum to 1."""
    colours = [(c, w / len(palettes)) for p in palettes for c, w in
               zip(p.colours, p.weights, strict=True)]
    colours.sort(key=lambda cw: -cw[1])
    top = colours[:PALETTE_SIZE]
    total = sum(w for _, w in top) or 1.0
    skin = float(np.mean([p.skin_fraction for p in palettes]))
    hues = [p.skin_hue for p in palettes if p.skin_hue is not None]
    return Palette(tuple(c for c, _ in top), tuple(w / total for _, w in top), skin,
                   float(np.median(hues)) if hues else None)


def scene_profile(profiles: Sequence[ShotProfile]) -> SceneProfile:
    """Median and robust spread of the shots' metrics, and their merged palette."""
    if not profiles:
        raise ShapeError("scene_profile needs at least one shot profile, got none")
    median, spread = _aggregate([p.metrics() for p in profiles])
    return SceneProfile(len(profiles), median, spread,
                        _merge_palettes([p.palette for p in profiles]))


def title_profile(scenes: Sequence[SceneProfile]) -> TitleProfile:
    """The same aggregate over scene profiles (each scene counts once, whatever its size)."""
    if not scenes:
        raise ShapeError("title_profile needs at least one scene profile, got none")
    median, spread = _aggregate([s.median for s in scenes])
    return TitleProfile(len(scenes), median, spread, _merge_palettes([s.palette for s in scenes]))
