"""The compiled fast path: per-pixel kernels through ``torch.compile``, eager as the fallback.

Used by the CDL and LUT operators for float32 CPU inference; autograd and
``WORKBENCH_NO_COMPILE=1`` keep the eager maths, and a failed compile warns once and falls back.
"""

from __future__ import annotations

import os
import threading
import types
import warnings
from collections.abc import Callable, Hashable
from typing import Any

import torch

__all__ = ["NO_COMPILE_ENV", "fast_path_wanted", "run_compiled"]

NO_COMPILE_ENV = "WORKBENCH_NO_COMPILE"
"""Set to ``1`` to keep every op on eager torch (no ``torch.compile`` fast path)."""

_KERNELS: dict[Hashable, Callable[..., torch.Tensor]] = {}
_WARMED: set[Hashable] = set()
_FAILED: set[str] = set()
_COMPILE_LOCK = threading.Lock()


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

    Each ``(name, variant)`` gets its own copy of ``fn``'s code object, so its own dynamo cache
    (variants specialise on Python constants in ``args``; shapes are dynamic, so a new image size
    does not recompile). The first call compiles (seconds; inductor caches on disk). If
    compiling or running fails, warn once and return ``None`` from then on: the caller goes eager.
    """
    if name in _FAILED:
        return None
    key = (name, variant)
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
