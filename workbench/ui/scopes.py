"""Scopes in torch on the display-encoded proxy: waveform, RGB parade, vectorscope, histogram.

Each scope is a small 2D histogram turned into an image (or, for the histogram, an array);
the :class:`Scopes` widget sends them as PNG / float32 bytes and draws graticules on top.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import anywidget
import cv2
import numpy as np
import torch
import traitlets as t

from workbench.color.luma import REC709_LUMA
from workbench.ui.frames import encode_png, one_torch_thread

__all__ = [
    "SKIN_TONE_DEGREES",
    "VECTORSCOPE_GAIN",
    "Scopes",
    "histogram",
    "scope_image",
    "vectorscope",
    "vectorscope_position",
    "vectorscope_targets",
    "waveform",
]

STATIC = Path(__file__).with_name("static")

# Rec.709 luma and chroma (display-encoded R'G'B' -> Y'CbCr), as broadcast scopes read it.
_LUMA = REC709_LUMA
_KR, _KB = _LUMA[0], _LUMA[2]
# The skin-tone (in-phase, "I") line: 123 degrees counter-clockwise from +Cb.
SKIN_TONE_DEGREES = 123.0
# Cb/Cr of +-0.5 reach this fraction of the scope's radius (100% colours stay inside).
VECTORSCOPE_GAIN = 0.9


def _luma(img: torch.Tensor) -> torch.Tensor:
    r, g, b = img[:, 0], img[:, 1], img[:, 2]
    return _LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b


def _chroma(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    y = _luma(img)
    return (img[:, 2] - y) / (2 * (1 - _KB)), (img[:, 0] - y) / (2 * (1 - _KR))


def waveform(img: torch.Tensor, bins: int = 256, columns: int = 256,
             parade: bool = False) -> torch.Tensor:
    """Count of pixels per (level, column) of ``img`` (1,3,H,W) display-encoded [0, 1].

    Returns
    -------
    torch.Tensor
        ``(C, bins, columns)`` float32 counts, row 0 the top (level 1.0); ``C`` is 1 (luma)
        or 3 (R, G, B parade).
    """
    chans = img[0] if parade else _luma(img)
    h, w = chans.shape[-2:]
    chans = chans.reshape(-1, h, w)
    col = (torch.arange(w) * columns // w).expand(h, w).reshape(-1)
    out = []
    for c in chans:
        level = (bins - 1) - (c.reshape(-1).clamp(0, 1) * (bins - 1)).round().long()
        counts = torch.bincount(level * columns + col, minlength=bins * columns)
        out.append(counts.reshape(bins, columns).float())
    return torch.stack(out)


def vectorscope_position(cb: float | torch.Tensor, cr: float | torch.Tensor,
                         size: int = 256) -> tuple[float | torch.Tensor, float | torch.Tensor]:
    """Pixel (x, y) of chroma ``(cb, cr)`` on a ``size`` scope; +Cr is up."""
    half = (size - 1) / 2
    return half + cb * 2 * VECTORSCOPE_GAIN * half, half - cr * 2 * VECTORSCOPE_GAIN * half


def vectorscope(img: torch.Tensor, size: int = 256) -> torch.Tensor:
    """Count of pixels per chroma position of ``img`` (1,3,H,W) display-encoded [0, 1].

    Returns
    -------
    torch.Tensor
        ``(size, size)`` float32 counts; x is Cb, y is -Cr (Rec.709).
    """
    cb, cr = _chroma(img.clamp(0, 1))
    x, y = vectorscope_position(cb.reshape(-1), cr.reshape(-1), size)
    xi = torch.as_tensor(x).round().long().clamp(0, size - 1)
    yi = torch.as_tensor(y).round().long().clamp(0, size - 1)
    return torch.bincount(yi * size + xi, minlength=size * size).reshape(size, size).float()


def vectorscope_targets(size: int = 256) -> dict[str, tuple[float, float]]:
    """Pixel positions of the 100% primaries and secondaries (R, Yl, G, Cy, B, Mg)."""
    colours = {"R": (1, 0, 0), "Yl": (1, 1, 0), "G": (0, 1, 0), "Cy": (0, 1, 1),
               "B": (0, 0, 1), "Mg": (1, 0, 1)}
    out = {}
    for name, rgb in colours.items():
        cb, cr = _chroma(torch.tensor(rgb, dtype=torch.float32).reshape(1, 3, 1, 1))
        x, y = vectorscope_position(float(cb), float(cr), size)
        out[name] = (float(x), float(y))
    return out


def histogram(img: torch.Tensor, bins: int = 256) -> torch.Tensor:
    """``(4, bins)`` pixel counts of R, G, B and luma of ``img`` (1,3,H,W) in [0, 1]."""
    planes = torch.cat([img[0], _luma(img)]).clamp(0, 1)
    idx = (planes.reshape(4, -1) * (bins - 1)).round().long()
    idx = idx + torch.arange(4)[:, None] * bins
    return torch.bincount(idx.reshape(-1), minlength=4 * bins).reshape(4, bins).float()


def scope_image(counts: torch.Tensor, colours: bool = False) -> np.ndarray:
    """Counts -> uint8 image with a log response (faint traces stay visible).

    ``counts`` (bins, columns) gives a grey image; (3, bins, columns) with ``colours`` an RGB
    image; (3, bins, columns) without ``colours`` three grey panels side by side (parade).
    """
    scaled = torch.log1p(counts) / math.log1p(max(float(counts.max()), 1.0))
    img = (scaled.clamp(0, 1) * 255).round().to(torch.uint8)
    if img.ndim == 2:
        return img.numpy()
    if colours:
        return img.permute(1, 2, 0).contiguous().numpy()
    return torch.cat(list(img), dim=1).numpy()


def _parade_rgb(counts: torch.Tensor) -> np.ndarray:
    """Three panels side by side, each tinted with its channel."""
    grey = scope_image(counts)  # (bins, 3*columns)
    cols = counts.shape[-1]
    rgb = np.zeros((*grey.shape, 3), np.uint8)
    for c in range(3):
        panel = grey[:, c * cols:(c + 1) * cols]
        rgb[:, c * cols:(c + 1) * cols, c] = panel
        # Keep some of the other channels so the traces read as bright, not only saturated.
        rgb[:, c * cols:(c + 1) * cols, [i for i in range(3) if i != c]] = (
            panel[..., None] // 3)
    return rgb


class Scopes(anywidget.AnyWidget):
    """Waveform (luma and RGB parade), vectorscope with the skin-tone line, and histogram.

    Call :meth:`update` with the preview's display-encoded pixels. Images are PNG bytes;
    the histogram is float32 ``(4, 256)`` bytes (R, G, B, luma), normalised to its peak.
    """

    _esm = STATIC / "scopes.js"
    _css = STATIC / "workbench.css"

    waveform = t.Bytes(b"").tag(sync=True)
    parade = t.Bytes(b"").tag(sync=True)
    vectorscope = t.Bytes(b"").tag(sync=True)
    histogram = t.Bytes(b"").tag(sync=True)
    targets = t.Dict().tag(sync=True)
    skin_tone_degrees = t.Float(SKIN_TONE_DEGREES).tag(sync=True)
    size = t.Int(256).tag(sync=True)
    mode = t.Enum(["waveform", "parade"], "parade").tag(sync=True)  # the first panel
    seq = t.Int(0).tag(sync=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.targets = {k: list(v) for k, v in vectorscope_targets(self.size).items()}

    def update(self, display: np.ndarray | torch.Tensor, max_width: int = 320
               ) -> dict[str, float]:
        """Recompute every scope from the display-encoded picture; returns the ms taken.

        ``display`` is ``(H, W, 3)`` uint8 RGB or a ``(1, 3, H, W)`` float tensor in [0, 1].
        It is first reduced to ``max_width``: scopes read statistics, not detail.
        """
        t0 = time.perf_counter()
        rgb = (display[0].permute(1, 2, 0).float().cpu().numpy()
               if isinstance(display, torch.Tensor) else display)
        if rgb.shape[1] > max_width:
            size = (max_width, max(1, round(rgb.shape[0] * max_width / rgb.shape[1])))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        img = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float()
        if rgb.dtype == np.uint8:
            img = img / 255.0
        n = self.size
        with one_torch_thread():
            wave = scope_image(waveform(img, n, n))
            par = _parade_rgb(waveform(img, n, n, parade=True))
            vec = scope_image(vectorscope(img, n))
            counts = histogram(img, n)
            hist = (counts / counts.max().clamp(min=1)).numpy().astype(np.float32)
        with self.hold_sync():
            self.waveform = encode_png(wave)
            self.parade = encode_png(par)
            self.vectorscope = encode_png(vec)
            self.histogram = hist.tobytes()
            self.seq += 1
        return {"scopes": (time.perf_counter() - t0) * 1e3}
