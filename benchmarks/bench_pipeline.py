"""A typical six-operator grade baked to one 33³ LUT with a 1D shaper, applied at UHD.

Exposure, WhiteBalance, CDL, Contrast, Saturation and a 33³ look LUT, built from
:mod:`workbench.ops` and baked with :func:`workbench.interchange.bake.bake_cube` (ACEScg in and
out, the ACEScct shaper so highlights above 1 survive). The workbench applies the baked
``.cube`` (:func:`workbench.ops.lut_interpolation.apply_cube`: shaper then tetrahedral lattice,
fused into one kernel on the CPU fast path); OpenColorIO applies the same file with a tetrahedral
``FileTransform``, at its best (one call or strips on every core).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import PyOpenColorIO as ocio
import torch

from benchmarks.bench_lut import look_table
from benchmarks.common import UHD, best_seconds, entry, ocio_best, uhd_frame
from workbench.interchange import lut_operator
from workbench.interchange.bake import bake_cube
from workbench.interchange.cube import CubeLUT, read_cube, write_cube
from workbench.ops import (
    CDL,
    LUT3D,
    Contrast,
    Exposure,
    Pipeline,
    Saturation,
    WhiteBalance,
    apply_cube,
)


def grade(look_path: Path) -> Pipeline:
    """The six operators of a typical grade; the look LUT at ``look_path`` (ACEScct)."""
    return Pipeline([
        Exposure(stops=0.35),
        WhiteBalance(source_kelvin=5600.0, target_kelvin=6500.0, tint=3.0),
        CDL(slope_r=1.08, slope_g=1.0, slope_b=0.94, offset_r=0.01, offset_g=0.0,
            offset_b=-0.008, power_r=1.04, power_g=1.0, power_b=0.96, saturation=1.05),
        Contrast(contrast=1.15),
        Saturation(saturation=0.9),
        lut_operator(look_path, LUT3D, space="ACEScct"),
    ])


def run() -> list[dict[str, Any]]:
    """Mpix/s of the baked grade (shaper + 33³ tetrahedral) on a UHD ACEScg float32 frame."""
    torch.set_num_threads(os.cpu_count() or 1)
    frame = uhd_frame("ACEScg")
    mpix = UHD[0] * UHD[1] / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        look = Path(tmp) / "look.cube"
        write_cube(look, CubeLUT(table=look_table()))
        baked = bake_cube(grade(look), size=33, input_space="ACEScg", working_space="ACEScg",
                          shaper="ACEScct")
        path = Path(tmp) / "baked.cube"
        write_cube(path, baked)
        lut = read_cube(path)  # what OCIO reads, to the digit
        transform = ocio.FileTransform(str(path), interpolation=ocio.INTERP_TETRAHEDRAL)
        processor = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    ocio_s, how = ocio_best(processor, frame)

    img = torch.from_numpy(frame).permute(2, 0, 1)[None].contiguous()
    with torch.inference_mode():
        start = time.perf_counter()
        apply_cube(img, lut)  # first call: compiles the CPU fast path
        first_s = time.perf_counter() - start
        ours_s = best_seconds(lambda: apply_cube(img, lut))
        check = apply_cube(img, lut)[0].permute(1, 2, 0).numpy()
    reference = frame.copy()
    processor.applyRGB(reference)
    error = float(np.abs(check - reference).max())
    print(f"pipeline (6 ops baked: shaper + 33³) uhd: workbench {mpix / ours_s:.1f} Mpix/s, "
          f"OCIO {mpix / ocio_s:.1f} ({how}), max |diff| {error:.2e}, first call {first_s:.1f} s")
    return [entry("pipeline6_baked_shaper_lut33_uhd_mpix_per_s", mpix / ours_s, "Mpix/s",
                  f"OpenColorIO {ocio.__version__} CPU FileTransform tetrahedral, same baked "
                  f".cube ({how})", mpix / ocio_s)]
