"""Anchor: render graded shots of movies to ACEScg half-float EXR with PyAV, OCIO, OpenImageIO.

What a TD would write instead of ``workbench render``, doing the same work: decode each shot's
frames with PyAV and convert the Y'CbCr planes to float R'G'B' in numpy (BT.709, video range,
not clipped, so super-whites and sub-blacks survive, as the workbench keeps them), grade and
convert them with one OCIO processor (clip encoding -> the CDL's space -> ``CDLTransform`` ->
ACEScg; the letterbox bars converted without the grade), on every core, and write one
zip-compressed half-float EXR per frame with OpenImageIO, with the header a delivery carries
(chromaticities, frame rate, the shot's names), into a hidden folder renamed into place when the
shot is complete.

    python pyav_render.py JOB.json [--threads N]

JOB.json: ``{"config": URI, "working": NAME, "shots": [{"src", "space", "start", "count",
"out", "name", "fps": [num, den], "cdl": {"slope", "offset", "power", "sat", "space"} | null,
"area": {"top", "bottom", "left", "right"} | null}]}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import cv2
import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio

ACESCG_XY = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)
KR, KB = 0.2126, 0.0722  # BT.709


def ycbcr_to_rgb(frame: av.VideoFrame) -> np.ndarray:
    """Float32 (H, W, 3) R'G'B' of an 8-bit 4:2:0/4:2:2 video-range BT.709 frame, unclipped."""
    y, cb, cr = (np.frombuffer(p, np.uint8).reshape(p.height, -1)[:, : p.width]
                 for p in frame.planes[:3])
    h, w = y.shape
    chroma = cv2.resize(np.dstack([cb, cr]).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_LINEAR)
    ycc = np.dstack([y.astype(np.float32), chroma]) - np.float32([16, 128, 128])
    m = np.array([[1 / 219, 0, 2 * (1 - KR) / 224],
                  [1 / 219, -2 * (1 - KB) * KB / (1 - KR - KB) / 224,
                   -2 * (1 - KR) * KR / (1 - KR - KB) / 224],
                  [1 / 219, 2 * (1 - KB) / 224, 0]], np.float32)
    return np.ascontiguousarray(ycc @ m.T)


def processor(config: ocio.Config, shot: dict, working: str, graded: bool) -> ocio.CPUProcessor:
    """Clip encoding to ``working``, through the shot's CDL when ``graded``."""
    cdl = shot["cdl"]
    if not graded or cdl is None:
        proc = config.getProcessor(shot["space"], working)
    else:
        t = ocio.CDLTransform(slope=cdl["slope"], offset=cdl["offset"], power=cdl["power"],
                              sat=cdl["sat"])
        t.setStyle(ocio.CDL_NO_CLAMP)
        proc = config.getProcessor(ocio.GroupTransform([
            ocio.ColorSpaceTransform(src=shot["space"], dst=cdl["space"]), t,
            ocio.ColorSpaceTransform(src=cdl["space"], dst=working)]),
            ocio.TRANSFORM_DIR_FORWARD)
    return proc.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32,
                                         ocio.OPTIMIZATION_LOSSLESS)


def main() -> None:
    """Run the script on its command-line arguments."""
    parser = argparse.ArgumentParser()
    parser.add_argument("job", type=Path)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = parser.parse_args()
    job = json.loads(a.job.read_text())
    config = ocio.Config.CreateFromFile(job["config"])
    pool = ThreadPoolExecutor(a.threads)

    def apply(proc: ocio.CPUProcessor, rgb: np.ndarray) -> None:
        list(pool.map(proc.applyRGB, np.array_split(rgb.reshape(-1, 3), a.threads)))

    for shot in job["shots"]:
        graded = processor(config, shot, job["working"], True)
        plain = processor(config, shot, job["working"], False)
        area = shot["area"]
        out = Path(shot["out"])
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        start, stop = shot["start"], shot["start"] + shot["count"]
        with av.open(shot["src"]) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index < start:
                    continue
                if index >= stop:
                    break
                rgb = ycbcr_to_rgb(frame)
                if area is None:
                    apply(graded, rgb)
                else:
                    rows, cols = slice(area["top"], area["bottom"]), slice(area["left"],
                                                                           area["right"])
                    inside = rgb[rows, cols].copy()
                    apply(graded, inside)
                    apply(plain, rgb)
                    rgb[rows, cols] = inside
                h, w = rgb.shape[:2]
                spec = oiio.ImageSpec(w, h, 3, oiio.HALF)
                spec.attribute("compression", "zip")
                spec.attribute("chromaticities", oiio.TypeDesc("float[8]"), ACESCG_XY)
                spec.attribute("FramesPerSecond", oiio.TypeDesc("rational"), tuple(shot["fps"]))
                spec.attribute("shot", shot["name"])
                path = tmp / f"{shot['name']}.{index:04d}.exr"
                writer = oiio.ImageOutput.create(str(path))
                writer.open(str(path), spec)
                writer.write_image(rgb)
                writer.close()
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)


if __name__ == "__main__":
    main()
