"""ASC CDL at UHD: the workbench's torch ``apply_cdl`` against OpenColorIO's CPU processor."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import PyOpenColorIO as ocio
import torch

from benchmarks.common import UHD, best_seconds, entry, ocio_best, uhd_frame
from workbench.ops import apply_cdl

SLOPE, OFFSET, POWER, SAT = (1.1, 1.0, 0.92), (0.01, -0.005, 0.02), (1.05, 1.0, 0.95), 1.15


def run() -> list[dict[str, Any]]:
    """Mpix/s of a CDL (no clamp) on a UHD float32 frame, both at their best."""
    torch.set_num_threads(os.cpu_count() or 1)
    frame = uhd_frame("ACEScct")
    mpix = UHD[0] * UHD[1] / 1e6

    cdl = ocio.CDLTransform(slope=SLOPE, offset=OFFSET, power=POWER, sat=SAT)
    cdl.setStyle(ocio.CDL_NO_CLAMP)
    processor = ocio.Config.CreateRaw().getProcessor(cdl).getDefaultCPUProcessor()
    ocio_s, how = ocio_best(processor, frame)

    img = torch.from_numpy(frame).permute(2, 0, 1)[None].contiguous()
    with torch.inference_mode():
        start = time.perf_counter()
        apply_cdl(img, SLOPE, OFFSET, POWER, SAT)  # first call: compiles the CPU fast path
        first_s = time.perf_counter() - start
        ours_s = best_seconds(lambda: apply_cdl(img, SLOPE, OFFSET, POWER, SAT))
        check = apply_cdl(img, SLOPE, OFFSET, POWER, SAT)[0].permute(1, 2, 0).numpy()
    reference = frame.copy()
    processor.applyRGB(reference)
    error = float(np.abs(check - reference).max())
    print(f"cdl uhd: workbench {mpix / ours_s:.1f} Mpix/s, OCIO {mpix / ocio_s:.1f} ({how}), "
          f"max |diff| {error:.2e}, first call {first_s:.1f} s")
    return [entry("cdl_uhd_mpix_per_s", mpix / ours_s, "Mpix/s",
                  f"OpenColorIO {ocio.__version__} CPU CDLTransform ({how})", mpix / ocio_s)]
