"""Conversions between colour spaces, on OpenColorIO's CPU processor.

Every conversion in the workbench goes through this module. Pixels go through OCIO in float32,
channels-last; nothing is clamped unless the transform itself clamps (display views do).
Conversions are not differentiable (they leave torch).

References
----------
OpenColorIO Python API: ``Config.getProcessor``, ``Processor.getOptimizedCPUProcessor``,
``CPUProcessor.applyRGB``, ``DisplayViewTransform``.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import PyOpenColorIO as ocio

from workbench.checks import check_image
from workbench.color.config import DISPLAY, VIEW, WORKING_SPACE, get_config, resolve_space
from workbench.errors import ShapeError

if TYPE_CHECKING:
    import numpy as np
    import torch

# numpy and torch are imported by the functions that use them: `workbench status` reads the
# colour-space registry through this package and should load neither.

__all__ = [
    "PARALLEL_MIN_PIXELS",
    "convert",
    "convert_array",
    "display_processor",
    "display_transform",
    "from_working",
    "processor",
    "to_working",
]

PARALLEL_MIN_PIXELS = 1 << 20
"""Images with more pixels than this are processed in horizontal strips on threads."""

# LOSSLESS keeps OCIO's exact log/exp/pow (the default uses fast SSE approximations that are
# off by ~1e-6, e.g. ACEScct(0.18) = 0.4135878 instead of 0.4135884).
_OPTIMIZATION = ocio.OPTIMIZATION_LOSSLESS


@functools.lru_cache(maxsize=128)
def _cpu_processor(src: str, dst: str) -> ocio.CPUProcessor:
    proc = get_config().getProcessor(src, dst)
    return proc.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32, _OPTIMIZATION)


def processor(src: str, dst: str) -> ocio.CPUProcessor:
    """Return the cached float32 OCIO CPU processor converting ``src`` to ``dst``.

    Parameters
    ----------
    src, dst
        Workbench or OCIO colour-space names (see :func:`~workbench.color.resolve_space`).

    Returns
    -------
    PyOpenColorIO.CPUProcessor
        Applies in place to float32 C-contiguous ``(..., 3)`` arrays.
    """
    return _cpu_processor(resolve_space(src), resolve_space(dst))


@functools.lru_cache(maxsize=1)
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="ocio")


def apply_processor(proc: ocio.CPUProcessor, rgb: np.ndarray,
                    min_pixels: int = PARALLEL_MIN_PIXELS) -> None:
    """Apply ``proc`` in place to a float32 C-contiguous ``(..., 3)`` array.

    Above ``min_pixels`` the pixels go through OCIO in strips on threads; a latency-bound
    caller (a slider preview) passes 0 to split even small frames.
    """
    import numpy as np

    flat = rgb.reshape(-1, 3)  # a view: rgb is C-contiguous
    workers = os.cpu_count() or 1
    if flat.shape[0] <= min_pixels or workers == 1:
        proc.applyRGB(flat)
        return
    # Row-major pixels split into contiguous runs are horizontal strips; applyRGB releases the GIL.
    strips = np.array_split(flat, workers * 2, axis=0)
    list(_executor().map(proc.applyRGB, strips))


def convert_array(rgb: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert an RGB array from ``src`` to ``dst``.

    Parameters
    ----------
    rgb
        ``(..., 3)`` array in ``src`` encoding, any nominal range (scene-linear data is
        unbounded). Never modified.
    src, dst
        Workbench or OCIO colour-space names.

    Returns
    -------
    numpy.ndarray
        New float32 ``(..., 3)`` C-contiguous array in ``dst`` encoding. When both names
        resolve to the same space it is a float32 copy of the input.

    Shape
    -----
    ``(..., 3) -> (..., 3)``

    Examples
    --------
    >>> import numpy as np
    >>> grey = np.full((1, 3), 0.18, np.float32)
    >>> [round(float(v), 5) for v in convert_array(grey, "ACEScg", "ACEScct")[0]]
    [0.41359, 0.41359, 0.41359]
    """
    import numpy as np

    rgb = np.asarray(rgb)
    if rgb.ndim == 0 or rgb.shape[-1] != 3:
        raise ShapeError(f"convert_array: expected shape (..., 3), got {rgb.shape}")
    out = np.array(rgb, dtype=np.float32, order="C", copy=True)
    src_name, dst_name = resolve_space(src), resolve_space(dst)
    if src_name == dst_name or out.size == 0:
        return out
    apply_processor(_cpu_processor(src_name, dst_name), out)
    return out


def _tensor_through(img: torch.Tensor, proc: ocio.CPUProcessor) -> torch.Tensor:
    import numpy as np
    import torch

    # One channels-last copy that OCIO may write into (never the caller's tensor).
    channels_last = img.detach().to("cpu", torch.float32).permute(0, 2, 3, 1).numpy()
    rgb = np.array(channels_last, dtype=np.float32, order="C", copy=True)
    if rgb.size:
        apply_processor(proc, rgb)
    out = torch.from_numpy(rgb).permute(0, 3, 1, 2).contiguous()
    return out.to(device=img.device, dtype=img.dtype)


def convert(img: torch.Tensor, src: str, dst: str) -> torch.Tensor:
    """Convert an image batch from ``src`` to ``dst``.

    Parameters
    ----------
    img
        ``(B, 3, H, W)`` float tensor in ``src`` encoding (unbounded). Never modified.
    src, dst
        Workbench or OCIO colour-space names.

    Returns
    -------
    torch.Tensor
        New ``(B, 3, H, W)`` tensor in ``dst`` encoding, same dtype and device as ``img``
        (computed in float32 by OCIO; not differentiable).

    Raises
    ------
    ShapeError
        If ``img`` is not a float ``(B, 3, H, W)`` tensor.
    ColourSpaceError
        If a name is unknown.

    Examples
    --------
    >>> import torch
    >>> img = torch.full((1, 3, 2, 2), 0.18)
    >>> round(float(convert(img, "ACEScg", "Sony S-Log3")[0, 0, 0, 0]), 5)
    0.41056
    """
    check_image(img, "convert")
    src_name, dst_name = resolve_space(src), resolve_space(dst)
    if src_name == dst_name:
        return img.detach().clone()
    return _tensor_through(img, _cpu_processor(src_name, dst_name))


def to_working(img: torch.Tensor, src: str) -> torch.Tensor:
    """Convert ``(B, 3, H, W)`` ``img`` from ``src`` to the working space (scene-linear ACEScg)."""
    return convert(img, src, WORKING_SPACE)


def from_working(img: torch.Tensor, dst: str) -> torch.Tensor:
    """Convert ``(B, 3, H, W)`` ``img`` from the working space (ACEScg) to ``dst``."""
    return convert(img, WORKING_SPACE, dst)


@functools.lru_cache(maxsize=16)
def display_processor(
    src: str = WORKING_SPACE, display: str = DISPLAY, view: str = VIEW
) -> ocio.CPUProcessor:
    """Return the cached CPU processor of OCIO's ``DisplayViewTransform(src -> display/view)``."""
    transform = ocio.DisplayViewTransform(src=resolve_space(src), display=display, view=view)
    proc = get_config().getProcessor(transform, ocio.TRANSFORM_DIR_FORWARD)
    return proc.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32, _OPTIMIZATION)


def display_transform(img_working: torch.Tensor) -> torch.Tensor:
    """Render working-space pixels for viewing, through the ACES 2.0 SDR view on sRGB.

    Parameters
    ----------
    img_working
        ``(B, 3, H, W)`` scene-linear ACEScg (unbounded).

    Returns
    -------
    torch.Tensor
        ``(B, 3, H, W)`` sRGB display-encoded values in [0, 1] (:data:`DISPLAY` /
        :data:`VIEW`), same dtype and device. For previews and thumbnails only.
    """
    check_image(img_working, "display_transform")
    out = _tensor_through(img_working, display_processor())
    return out.clamp_(0.0, 1.0)
