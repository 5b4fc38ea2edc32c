"""A 33³ 3D LUT at UHD: the workbench's tetrahedral ``apply_lut3d`` against OpenColorIO's."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import PyOpenColorIO as ocio
import torch

from benchmarks.common import UHD, best_seconds, entry, ocio_best, uhd_frame
from workbench.interchange.cube import CubeLUT, write_cube
from workbench.ops.lut_interpolation import apply_lut3d


def look_table(size: int = 33) -> np.ndarray:
    """A filmic look on an ACEScct lattice: contrast, warm split-tone, luma-dependent saturation."""
    g = np.linspace(0.0, 1.0, size)
    r, gg, b = np.meshgrid(g, g, g, indexing="ij")
    rgb = np.stack([r, gg, b], axis=-1)
    luma = rgb @ np.array([0.2722, 0.6741, 0.0537])
    s_curve = 0.5 + (luma - 0.5) * 1.25
    out = rgb + (s_curve - luma)[..., None]
    out += np.stack([0.02 * (1 - luma), np.zeros_like(luma), -0.02 * luma], axis=-1)
    out = s_curve[..., None] + (out - s_curve[..., None]) * (1.1 - 0.3 * luma)[..., None]
    return out.astype(np.float64)


def run() -> list[dict[str, Any]]:
    """Mpix/s of a 33³ tetrahedral LUT on a UHD float32 frame, both at their best."""
    torch.set_num_threads(os.cpu_count() or 1)
    frame = uhd_frame("ACEScct")
    mpix = UHD[0] * UHD[1] / 1e6
    table = look_table()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "look.cube"
        write_cube(path, CubeLUT(table=table))
        transform = ocio.FileTransform(str(path), interpolation=ocio.INTERP_TETRAHEDRAL)
        processor = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    ocio_s, how = ocio_best(processor, frame)

    img = torch.from_numpy(frame).permute(2, 0, 1)[None].contiguous()
    lut = torch.from_numpy(table).float()
    with torch.inference_mode():
        start = time.perf_counter()
        apply_lut3d(img, lut)  # first call: compiles the CPU fast path
        first_s = time.perf_counter() - start
        ours_s = best_seconds(lambda: apply_lut3d(img, lut), repeat=5)
        check = apply_lut3d(img, lut)[0].permute(1, 2, 0).numpy()
    reference = frame.copy()
    processor.applyRGB(reference)
    error = float(np.abs(check - reference).max())
    print(f"lut 33 uhd: workbench {mpix / ours_s:.1f} Mpix/s, OCIO {mpix / ocio_s:.1f} ({how}), "
          f"max |diff| {error:.2e}, first call {first_s:.1f} s")
    return [entry("lut33_uhd_mpix_per_s", mpix / ours_s, "Mpix/s",
                  f"OpenColorIO {ocio.__version__} CPU FileTransform tetrahedral ({how})",
                  mpix / ocio_s)]
