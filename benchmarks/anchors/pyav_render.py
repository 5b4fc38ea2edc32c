"""Anchor: render shots of movies to ACEScg half-float EXR with PyAV, OpenColorIO, OpenImageIO.

What a TD would write instead of ``workbench render``: decode each shot's frames with PyAV,
convert them from the clip's encoding to ACEScg with OCIO (the workbench's pinned config, in
strips on every core), and write one zip-compressed half-float EXR per frame with OpenImageIO.
It applies no grade (the workbench also applies each accepted CDL), so it does less work.

    python pyav_render.py JOB.json [--threads N]

JOB.json: ``{"config": URI, "working": NAME, "shots": [{"src", "space", "start", "count",
"out", "name"}]}``.
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio


def main() -> None:
    """Run the script on its command-line arguments."""
    parser = argparse.ArgumentParser()
    parser.add_argument("job", type=Path)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = parser.parse_args()
    job = json.loads(a.job.read_text())
    config = ocio.Config.CreateFromFile(job["config"])
    pool = ThreadPoolExecutor(a.threads)
    for shot in job["shots"]:
        proc = config.getProcessor(shot["space"], job["working"]).getDefaultCPUProcessor()
        out = Path(shot["out"])
        out.mkdir(parents=True, exist_ok=True)
        start, stop = shot["start"], shot["start"] + shot["count"]
        with av.open(shot["src"]) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index < start:
                    continue
                if index >= stop:
                    break
                rgb = frame.to_ndarray(format="rgb24").astype(np.float32) / 255.0
                list(pool.map(proc.applyRGB, np.array_split(rgb.reshape(-1, 3), a.threads)))
                h, w = rgb.shape[:2]
                spec = oiio.ImageSpec(w, h, 3, oiio.HALF)
                spec.attribute("compression", "zip")
                path = out / f"{shot['name']}.{index:04d}.exr"
                writer = oiio.ImageOutput.create(str(path))
                writer.open(str(path), spec)
                writer.write_image(rgb)
                writer.close()


if __name__ == "__main__":
    main()
