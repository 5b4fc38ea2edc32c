"""The palette of a shot: its dominant colours in Oklab and the share of skin tones.

Dominant colours by k-means (k-means++ seeding, fixed seed) in Oklab, with their pixel weights;
the skin-tone locus is the fraction of pixels with Oklab hue 20°–75°, chroma 0.02–0.16 and
lightness 0.3–0.92 (where skin of every complexion lies), and their mean hue.

References
----------
B. Ottosson, "A perceptual color space for image processing" (Oklab), 2020.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.model.profiles.colour import acescg_to_oklab

__all__ = [
    "PALETTE_PIXELS",
    "PALETTE_SIZE",
    "SKIN_CHROMA",
    "SKIN_HUE",
    "SKIN_LIGHTNESS",
    "Palette",
    "kmeans",
    "measure_palette",
    "merge_palettes",
    "skin_locus",
]

PALETTE_PIXELS = 12_000
PALETTE_SIZE = 5
SKIN_HUE = (20.0, 75.0)
SKIN_CHROMA = (0.02, 0.16)
SKIN_LIGHTNESS = (0.30, 0.92)


@dataclass(frozen=True)
class Palette:
    """Dominant colours in Oklab ``(L, a, b)`` by weight, and the skin-tone locus."""

    colours: tuple[tuple[float, float, float], ...]
    weights: tuple[float, ...]
    skin_fraction: float
    skin_hue: float | None   # degrees in Oklab, None when no skin-like pixels

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Palette:
        """Inverse of :func:`dataclasses.asdict` (JSON lists back to tuples)."""
        palette = dict(data)
        palette["colours"] = tuple(tuple(c) for c in palette["colours"])
        palette["weights"] = tuple(palette["weights"])
        return cls(**palette)


def kmeans(x: np.ndarray, k: int, seed: int = 0, iters: int = 20
           ) -> tuple[np.ndarray, np.ndarray]:
    """k-means++ then Lloyd iterations on ``x`` (P,D); centres ``(k,D)`` and labels ``(P,)``."""
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


def skin_locus(lab: np.ndarray) -> tuple[float, float | None]:
    """Fraction of Oklab ``(P,3)`` pixels in the skin-tone locus, and their mean hue (degrees)."""
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    skin = ((hue >= SKIN_HUE[0]) & (hue <= SKIN_HUE[1]) & (chroma >= SKIN_CHROMA[0])
            & (chroma <= SKIN_CHROMA[1]) & (lab[:, 0] >= SKIN_LIGHTNESS[0])
            & (lab[:, 0] <= SKIN_LIGHTNESS[1]))
    skin_hue = None
    if skin.any():
        rad = np.radians(hue[skin])
        skin_hue = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
    return float(skin.mean()), skin_hue


def measure_palette(px: np.ndarray) -> Palette:
    """The palette of pixels ``px`` (P,3) ACEScg, on an even subsample of ``PALETTE_PIXELS``."""
    sample = px[:: max(1, px.shape[0] // PALETTE_PIXELS)]
    lab = acescg_to_oklab(np.maximum(sample, 0.0))
    centres, labels = kmeans(lab, PALETTE_SIZE)
    weights = np.bincount(labels, minlength=centres.shape[0]) / labels.size
    order = np.argsort(-weights)
    skin_fraction, skin_hue = skin_locus(lab)
    return Palette(tuple(tuple(float(v) for v in centres[i]) for i in order),  # type: ignore[misc]
                   tuple(float(weights[i]) for i in order), skin_fraction, skin_hue)


def merge_palettes(palettes: Sequence[Palette]) -> Palette:
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
