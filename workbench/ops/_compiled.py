"""The compiled fast path: per-pixel kernels through ``torch.compile``, eager as the fallback.

Used by the CDL and LUT operators for float32 CPU inference; autograd and
``WORKBENCH_NO_COMPILE=1`` keep the eager maths, and a failed compile warns once and falls back.

Compiling a kernel costs seconds in every new process (dynamo traces it again even when
inductor's disk cache holds the code), and on small work eager torch is done long before:
a 600x400 still through a 33³ LUT is ~0.1 s eager against ~5 s to compile. So a kernel is
compiled only once the work it is asked for is large enough to pay for it: when the pixels it
has been given in this process, or the frames a caller announced with :func:`planned_work` (a
render, a sequence, a movie) times the frame being graded, reach :data:`COMPILE_AFTER_PIXELS`.
Until then it runs eager.
"""

from __future__ import annotations

import os
import threading
import types
import warnings
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

__all__ = ["COMPILE_AFTER_PIXELS", "EAGER_SAVING", "NO_COMPILE_ENV", "fast_path_wanted",
           "planned_work", "run_compiled"]

NO_COMPILE_ENV = "WORKBENCH_NO_COMPILE"
"""Set to ``1`` to keep every op on eager torch (no ``torch.compile`` fast path)."""

COMPILE_AFTER_PIXELS = 16_000_000
"""Pixels of work (given so far, or announced) from which a kernel is worth compiling.

About where compiling pays on a 2-core machine for the 33³ LUT kernel (compile ~5 s; eager
~0.3 s per megapixel slower than compiled): two UHD frames, or ~36 frames of 768x576. Kernels
whose eager maths is cheaper need more work to repay a compile: see :data:`EAGER_SAVING`.
"""

EAGER_SAVING: dict[str, float] = {"lut": 1.0, "apply_cdl": 1 / 8}
"""Per kernel, what compiling saves per pixel relative to the LUT kernel's saving.

Measured on UHD float32 frames, eager minus compiled: the 33³ LUT 2.5 s, the CDL 0.3 s (its
eager maths is a few fused-enough element-wise ops); a kernel's threshold is
``COMPILE_AFTER_PIXELS / EAGER_SAVING[name]`` (unlisted kernels: 1).
"""

_KERNELS: dict[Hashable, Callable[..., torch.Tensor]] = {}
_WARMED: set[Hashable] = set()
_FAILED: set[str] = set()
_COMPILE_LOCK = threading.Lock()
_SEEN: dict[Hashable, int] = {}  # pixels each kernel ran eager on, while not worth compiling
_PLANNED = [0]  # frames announced by the planned_work blocks now open
_PLAN_LOCK = threading.Lock()


@contextmanager
def planned_work(frames: int) -> Iterator[None]:
    """Announce that about ``frames`` frames will be graded by the ops inside this block.

    A render, a sequence or a movie says how many frames it will grade before the first one,
    so a kernel that will pay for itself (frames x the size of the frame it is given) compiles
    at once instead of after the first frames. Blocks nest and may be open on several threads.
    """
    frames = max(int(frames), 0)
    with _PLAN_LOCK:
        _PLANNED[0] += frames
    try:
        yield
    finally:
        with _PLAN_LOCK:
            _PLANNED[0] -= frames


def _worth_compiling(key: Hashable, name: str, image: torch.Tensor) -> bool:
    """Ski rental: stay eager until the work seen or announced would pay for a compile.

    ``image`` is ``(B, 3, ...)``: B frames of ``numel / (3 B)`` pixels each.
    """
    pixels = image.numel() // 3
    per_frame = pixels // max(image.shape[0], 1)
    with _PLAN_LOCK:
        seen = _SEEN.get(key, 0) + pixels
        _SEEN[key] = seen
        work = max(seen, per_frame * _PLANNED[0])
    return work >= COMPILE_AFTER_PIXELS / EAGER_SAVING.get(name, 1.0)


def fast_path_wanted(img: torch.Tensor, *tensors: torch.Tensor) -> bool:
    """True when a compiled kernel may replace the eager maths for these inputs.

    Only for float32 CPU inference: not when ``WORKBENCH_NO_COMPILE=1``, and not when autograd
    would need the graph (grad enabled and an input requiring grad), which stays eager.
    """
    if os.environ.get(NO_COMPILE_ENV, "").strip() not in ("", "0"):
        return False
    if img.device.type != "cpu" or img.dtype != torch.float32 or img.numel() == 0:
        return False
    return not (torch.is_grad_enabled()
                and any(t.requires_grad for t in (img, *tensors)))


def run_compiled(name: str, variant: Hashable, fn: Callable[..., torch.Tensor],
                 *args: Any) -> torch.Tensor | None:
    """``fn(*args)`` through ``torch.compile`` (inductor: C++/OpenMP on CPU), or ``None``.

    ``args[0]`` is the image, ``(B, 3, N)`` or ``(B, 3, H, W)``. While the work is too small to
    pay for compiling (see :data:`COMPILE_AFTER_PIXELS`), return ``None``: the caller runs its
    eager maths. Each ``(name, variant)`` gets its own copy of ``fn``'s code object, so its own
    dynamo cache (variants specialise on Python constants in ``args``; shapes are dynamic, so a
    new image size does not recompile). The first compiled call compiles (seconds; inductor
    caches on disk). If compiling or running fails, warn once and return ``None`` from then on.
    """
    if name in _FAILED:
        return None
    key = (name, variant)
    if key not in _WARMED and not _worth_compiling(key, name, args[0]):
        return None
    try:
        kernel = _KERNELS.get(key)
        if kernel is None:
            code = fn.__code__.replace(co_name=f"{fn.__name__}_v{len(_KERNELS)}")
            copy = types.FunctionType(code, fn.__globals__, code.co_name, fn.__defaults__,
                                      fn.__closure__)
            # Indices are clamped into the table before every gather: no bounds checks needed.
            kernel = torch.compile(copy, dynamic=True,
                                   options={"assert_indirect_indexing": False})
            _KERNELS[key] = kernel
        with torch.no_grad():
            if key in _WARMED:
                return kernel(*args)
            with _COMPILE_LOCK:  # one compilation at a time
                out = kernel(*args)
            _WARMED.add(key)
            return out
    except Exception as exc:  # any compiler/toolchain failure means: go eager
        _FAILED.add(name)
        warnings.warn(f"workbench: compiled {name} unavailable ({type(exc).__name__}: {exc}); "
                      f"using eager torch (set {NO_COMPILE_ENV}=1 to silence)",
                      RuntimeWarning, stacklevel=3)
        return None
