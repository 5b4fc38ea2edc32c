"""Anchor: apply a LUT file to a still or a ``####`` sequence with OpenColorIO and OpenImageIO.

What a TD would write instead of ``workbench apply``: read each frame with OpenImageIO, run
OCIO's ``FileTransform`` (tetrahedral) over it in horizontal strips on every core (``applyRGB``
releases the GIL), write it in the source's pixel format. Run as a whole process by
``benchmarks.bench_cli``::

    python ocio_apply.py LUT SRC DST [--threads N]

SRC and DST are a file each, or patterns with ``####`` (frames found by listing the folder).
"""

from __future__ import annotations

import argparse
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio


def frames(src: Path, dst: Path) -> list[tuple[Path, Path]]:
    """(source, destination) pairs; a ``####`` pattern lists the folder."""
    if "#" not in src.name:
        return [(src, dst)]
    hashes = re.search(r"#+", src.name)
    assert hashes is not None
    head, tail = src.name[:hashes.start()], src.name[hashes.end():]
    found = sorted(p for p in src.parent.iterdir()
                   if p.name.startswith(head) and p.name.endswith(tail))
    out = []
    for p in found:
        number = p.name[len(head):len(p.name) - len(tail)]
        out.append((p, dst.with_name(re.sub(r"#+", number, dst.name))))
    return out


def main() -> None:
    """Run the script on its command-line arguments."""
    parser = argparse.ArgumentParser()
    parser.add_argument("lut", type=Path)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = parser.parse_args()
    config = ocio.Config.CreateRaw()
    transform = ocio.FileTransform(str(a.lut), interpolation=ocio.INTERP_TETRAHEDRAL)
    proc = config.getProcessor(transform).getDefaultCPUProcessor()
    pool = ThreadPoolExecutor(a.threads)
    for src, dst in frames(a.src, a.dst):
        inp = oiio.ImageInput.open(str(src))
        spec = inp.spec()
        rgb = np.ascontiguousarray(inp.read_image(0, 0, 0, 3, oiio.FLOAT), dtype=np.float32)
        inp.close()
        flat = rgb.reshape(-1, 3)
        list(pool.map(proc.applyRGB, np.array_split(flat, a.threads * 2)))
        out_spec = oiio.ImageSpec(spec.width, spec.height, 3, spec.format)
        if src.suffix.lower() == ".exr":
            out_spec.attribute("compression", "zip")
        out = oiio.ImageOutput.create(str(dst))
        out.open(str(dst), out_spec)
        out.write_image(rgb)
        out.close()


if __name__ == "__main__":
    main()
