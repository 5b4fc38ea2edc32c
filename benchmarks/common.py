"""What every benchmark shares: the machine, best-of timing, OCIO at its best, result entries."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import PyOpenColorIO as ocio

RESULTS = Path(__file__).with_name("results.json")
UHD = (2160, 3840)
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def machine() -> str:
    """A one-line description of where the numbers were measured."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, OCIO {ocio.__version__}"


def best_seconds(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> float:
    """The fastest of ``repeat`` timed calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def uhd_frame(encoding: str = "ACEScct") -> np.ndarray:
    """A real photograph (the daisies, ../shared/data) upscaled to UHD, float32 (H, W, 3).

    ``encoding`` is the space the values are converted into from the photo's sRGB.
    """
    from workbench.color import convert_array

    bgr = cv2.imread(str(SHARED_DATA / "photo" / "jxl_flower.png"), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"{SHARED_DATA}/photo/jxl_flower.png: needed for benchmarks")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    rgb = cv2.resize(rgb, (UHD[1], UHD[0]), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(convert_array(rgb, "sRGB", encoding), dtype=np.float32)


def ocio_best(processor: ocio.CPUProcessor, frame: np.ndarray, repeat: int = 5
              ) -> tuple[float, str]:
    """OCIO's best time on ``frame``: one ``applyRGB`` call, or strips over every core.

    ``applyRGB`` releases the GIL, so strips on threads scale; the faster is the anchor.
    """
    work = frame.copy()
    single = best_seconds(lambda: processor.applyRGB(work), repeat)
    threads = os.cpu_count() or 1
    strips = np.array_split(np.arange(frame.shape[0]), threads)
    views = [work[s[0]:s[-1] + 1] for s in strips]
    with ThreadPoolExecutor(threads) as pool:
        threaded = best_seconds(lambda: list(pool.map(processor.applyRGB, views)), repeat)
    if threaded < single:
        return threaded, f"{threads} threads"
    return single, "one call"


def entry(name: str, value: float, unit: str, anchor: str, anchor_value: float,
          higher_is_better: bool = True) -> dict[str, Any]:
    """A results.json entry; ``ratio`` > 1 means the workbench is better than the anchor."""
    ratio = value / anchor_value if higher_is_better else anchor_value / value
    return {"name": name, "value": round(value, 3), "unit": unit, "anchor": anchor,
            "anchor_value": round(anchor_value, 3), "ratio": round(ratio, 3),
            "machine": machine()}


def write_results(entries: list[dict[str, Any]]) -> None:
    """Merge ``entries`` into results.json by name (other benchmarks' entries are kept)."""
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    names = {e["name"] for e in entries}
    merged = [e for e in old if e["name"] not in names] + entries
    RESULTS.write_text(json.dumps(sorted(merged, key=lambda e: e["name"]), indent=2) + "\n")
