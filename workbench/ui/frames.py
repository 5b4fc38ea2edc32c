"""Frames for the widgets: display encoding, JPEG/PNG bytes, and the cached preview of a shot.

Every widget shows display-referred pixels: the ACES 2.0 SDR view on sRGB of
:func:`workbench.color.display_transform`, baked into a 3D LUT for speed
(:func:`display_lut`), sent as JPEG or PNG bytes.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import PyOpenColorIO as ocio
import torch

from workbench.color import convert, convert_array, processor, to_working
from workbench.color.convert import apply_processor, display_processor
from workbench.ops import Operator, Pipeline
from workbench.title import Shot, read_clip_frames
from workbench.title.timecode import offset_timecode

__all__ = [
    "JPEG_QUALITY",
    "PROXY_WIDTH",
    "PreviewFrame",
    "ShotPreview",
    "bake_preview_lut",
    "display_encode",
    "display_lut",
    "encode_jpeg",
    "encode_png",
    "one_torch_thread",
    "render_baked",
    "render_preview",
]

PROXY_WIDTH = 1024
JPEG_QUALITY = 85
# A grade made only of per-pixel operators (``Operator.per_pixel``) is previewed through a 3D
# LUT baked per update (49^3 lattice: ~10x fewer points than a 1024 px frame; mean error 0.2
# code values on the daisies), not run on every pixel.
BAKED_SIZE = 49
SHAPER = "ACEScct"  # the display LUT's input: log, so a 65-point lattice spans -0.01..222
LUT_SIZE = 65


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run torch single-threaded in this thread (OpenMP's setting is per thread).

    On a 2-core machine shared with the kernel and OCIO's strips, OpenMP threads spinning
    against each other made small per-pixel ops 5-40x slower (scopes: 200 ms -> 40 ms).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@functools.lru_cache(maxsize=2)
def _display_lut_transform(size: int = LUT_SIZE) -> ocio.Lut3DTransform:
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")  # blue fastest, as OCIO stores it
    lattice = convert_array(np.stack([r, g, b], -1).reshape(-1, 3), SHAPER, "ACEScg")
    display_processor().applyRGB(lattice)
    return _lut3d(lattice)


def _lut3d(values: np.ndarray) -> ocio.Lut3DTransform:
    """A tetrahedral 3D LUT from ``(size**3, 3)`` values, blue index fastest."""
    size = round(len(values) ** (1 / 3))
    lut = ocio.Lut3DTransform(size)
    lut.setData(np.ascontiguousarray(values.reshape(-1), np.float32))
    lut.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    return lut


def _cpu(*transforms: ocio.Transform) -> ocio.CPUProcessor:
    # A raw config of its own: processor caches must never confuse it with another LUT.
    raw = ocio.Config.CreateRaw().getProcessor(ocio.GroupTransform(list(transforms)))
    return raw.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32,
                                        ocio.OPTIMIZATION_DEFAULT)


@functools.lru_cache(maxsize=2)
def display_lut(size: int = LUT_SIZE) -> ocio.CPUProcessor:
    """ACEScct -> the display (ACES 2.0 SDR on sRGB) baked into a ``size``^3 3D LUT.

    The exact ACES 2.0 output transform costs ~0.5 s per 1024 px frame on a CPU core; the
    LUT (tetrahedral) takes a few ms and stays within about one 8-bit code value of it
    (measured in tests/ui). For previews only; renders use the exact transform.
    """
    return _cpu(_display_lut_transform(size))


def _apply(proc: ocio.CPUProcessor, rgb: np.ndarray) -> None:
    """In place on float32 C-contiguous ``(H, W, 3)``, in strips even for a small proxy."""
    apply_processor(proc, rgb, min_pixels=0)


def display_encode(img: torch.Tensor, space: str = "ACEScg") -> np.ndarray:
    """``(1, 3, H, W)`` pixels in ``space`` -> display-encoded ``(H, W, 3)`` uint8 RGB.

    Through :func:`display_lut`; a space other than ACEScct is converted to it first.
    """
    rgb = img[0].detach().float().permute(1, 2, 0).contiguous().numpy()
    rgb = rgb.copy() if rgb.base is not None or not rgb.flags.writeable else rgb
    if space != SHAPER:
        _apply(processor(space, SHAPER), rgb)
    _apply(display_lut(), rgb)
    return cv2.convertScaleAbs(rgb, alpha=255.0)  # LUT outputs lie in [0, 1]: no sign


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """``(H, W, 3)`` uint8 RGB -> JPEG bytes."""
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - cv2 only fails on empty input
        raise ValueError(f"JPEG encoding failed for an image of shape {rgb.shape}")
    return buf.tobytes()


def encode_png(img: np.ndarray) -> bytes:
    """``(H, W)`` or ``(H, W, 3)`` uint8 (RGB) -> PNG bytes."""
    arr = img if img.ndim == 2 else np.ascontiguousarray(img[..., ::-1])
    ok, buf = cv2.imencode(".png", arr, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover
        raise ValueError(f"PNG encoding failed for an image of shape {img.shape}")
    return buf.tobytes()


@dataclass
class PreviewFrame:
    """One rendered preview: JPEG bytes, the display pixels (for scopes) and stage timings."""

    jpeg: bytes
    display: np.ndarray  # (H, W, 3) uint8 display-encoded sRGB
    width: int
    height: int
    ms: dict[str, float] = field(default_factory=dict)


class ShotPreview:
    """One frame of a shot, decoded once and kept in ACEScg at proxy and full resolution.

    Per update only the pipeline, the display transform and the JPEG encode run.

    Parameters
    ----------
    shot
        The catalogued shot.
    frame
        Clip frame index (0-based); default the shot's middle frame.
    proxy_width
        Width of the interactive proxy (never upscaled).
    """

    def __init__(self, shot: Shot, frame: int | None = None,
                 proxy_width: int = PROXY_WIDTH) -> None:
        self.shot = shot
        self.index = (shot.start_frame + shot.frame_count // 2) if frame is None else frame
        self.proxy_width = proxy_width
        self._working: dict[bool, torch.Tensor] = {}
        self._in_space: dict[tuple[bool, str], torch.Tensor] = {}
        self._before: dict[bool, bytes] = {}

    @property
    def frame_number(self) -> int:
        """The frame number as the source counts it (``first_frame`` + index)."""
        return self.shot.clip.first_frame + self.index

    @property
    def timecode(self) -> str:
        """SMPTE timecode of the frame, or ``""`` when the clip has none."""
        clip = self.shot.clip
        return offset_timecode(clip.timecode, self.index, clip.fps) if clip.timecode else ""

    def working(self, proxy: bool = True) -> torch.Tensor:
        """The frame in ACEScg, ``(1, 3, H, W)`` float32 (cached)."""
        if proxy not in self._working:
            width = self.proxy_width if proxy else None
            _, rgb = next(read_clip_frames(self.shot.clip, self.index, self.index + 1,
                                           max_width=width, proxy=proxy))
            batch = torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()
            self._working[proxy] = to_working(batch, self.shot.clip.input_space)
        return self._working[proxy]

    def in_space(self, space: str, proxy: bool = True) -> torch.Tensor:
        """The frame converted to ``space`` (cached: the first operator's space)."""
        key = (proxy, space)
        if key not in self._in_space:
            self._in_space[key] = convert(self.working(proxy), "ACEScg", space)
        return self._in_space[key]

    def before(self, proxy: bool = True) -> bytes:
        """JPEG of the untouched frame (cached)."""
        if proxy not in self._before:
            self._before[proxy] = encode_jpeg(display_encode(self.working(proxy)))
        return self._before[proxy]

    def render(self, pipeline: Pipeline, strength: float, proxy: bool = True) -> PreviewFrame:
        """Apply ``pipeline`` at ``strength`` and encode for display; timings in ``ms``."""
        graded = pipeline.at_strength(strength)
        ops = [op for op in graded if isinstance(op, Operator) and op.strength != 0.0]
        if all(op.per_pixel for op in ops):
            return render_baked(self.in_space(SHAPER, proxy), graded)
        space = ops[0].space if ops else SHAPER
        return render_preview(self.in_space(space, proxy), graded, space)


def apply_to_last_space(img: torch.Tensor, pipeline: Pipeline,
                        space: str = "ACEScg") -> tuple[torch.Tensor, str]:
    """Run ``pipeline`` on ``img`` in ``space``, staying in the last operator's space.

    As :meth:`Pipeline.apply` without the final conversion back: the display LUT reads
    ACEScct, the space a grade usually ends in, so the round trip would be wasted.
    """
    current, out = space, img
    for op in pipeline:
        if not isinstance(op, Operator) or op.strength == 0.0:
            continue
        if op.space != current:
            out, current = convert(out, current, op.space), op.space
        out = op.forward(out)
    return out, current


def render_preview(img: torch.Tensor, pipeline: Pipeline, space: str = "ACEScg"
                   ) -> PreviewFrame:
    """``(1, 3, H, W)`` pixels in ``space`` through ``pipeline``, the display LUT and JPEG."""
    pipeline.validate()
    t0 = time.perf_counter()
    with one_torch_thread():
        graded, current = apply_to_last_space(img, pipeline, space)
    t1 = time.perf_counter()
    rgb = display_encode(graded, current)
    t2 = time.perf_counter()
    jpeg = encode_jpeg(rgb)
    t3 = time.perf_counter()
    ms = {"pipeline": t1 - t0, "display": t2 - t1, "jpeg": t3 - t2}
    return PreviewFrame(jpeg, rgb, rgb.shape[1], rgb.shape[0],
                        {k: v * 1e3 for k, v in ms.items()})


@functools.lru_cache(maxsize=2)
def _lattice(size: int) -> torch.Tensor:
    """``(1, 3, size*size, size)`` ACEScct lattice, blue fastest (OCIO's LUT order)."""
    axis = torch.linspace(0.0, 1.0, size)
    r, g, b = torch.meshgrid(axis, axis, axis, indexing="ij")
    return torch.stack([r, g, b]).reshape(1, 3, size * size, size).contiguous()


def bake_preview_lut(pipeline: Pipeline, size: int = BAKED_SIZE) -> ocio.CPUProcessor:
    """``pipeline`` baked as a ``size``^3 LUT on ACEScct, followed by the display LUT.

    Only for per-pixel operators (``Operator.per_pixel``). The display view stays a separate LUT
    (:func:`display_lut`): baked together, its sharp gamut compression cost 7 code values at
    the 99th percentile on saturated flowers; apart, 2.
    """
    graded, space = apply_to_last_space(_lattice(size), pipeline, SHAPER)
    rgb = graded[0].permute(1, 2, 0).contiguous().numpy().copy()
    if space != SHAPER:
        processor(space, SHAPER).applyRGB(rgb)
    # One processor, two lookups: the frame is read and written once.
    return _cpu(_lut3d(rgb.reshape(-1, 3)), _display_lut_transform())


def render_baked(img_acescct: torch.Tensor, pipeline: Pipeline) -> PreviewFrame:
    """As :func:`render_preview`, for per-pixel grades: the baked grade, the display, JPEG.

    ``img_acescct`` is ``(1, 3, H, W)`` ACEScct (cached per shot); see
    :func:`bake_preview_lut`.
    """
    pipeline.validate()
    t0 = time.perf_counter()
    with one_torch_thread():
        proc = bake_preview_lut(pipeline)
    t1 = time.perf_counter()
    rgb = img_acescct[0].permute(1, 2, 0).contiguous().numpy().copy()
    _apply(proc, rgb)
    out = cv2.convertScaleAbs(rgb, alpha=255.0)
    t2 = time.perf_counter()
    jpeg = encode_jpeg(out)
    t3 = time.perf_counter()
    ms = {"pipeline": t1 - t0, "display": t2 - t1, "jpeg": t3 - t2}
    return PreviewFrame(jpeg, out, out.shape[1], out.shape[0],
                        {k: v * 1e3 for k, v in ms.items()})
