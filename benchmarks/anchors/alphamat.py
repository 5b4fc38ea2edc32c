"""OpenCV contrib mattes of one image, for bench_key: alphamat if built, and a guided filter.

Runs in its own small venv (opencv-contrib-python-headless, which must never share a venv with
the workbench's opencv-python-headless: the two overwrite each other's cv2).
Usage: ``python alphamat.py IMAGE.npy TRIMAP.npy HARD.npy OUTDIR``. IMAGE is (H, W, 3) uint8
BGR; TRIMAP (H, W) uint8 (0 background, 128 unknown, 255 foreground); HARD (H, W) float32, the
threshold key. Writes ``OUTDIR/alphamat.npy`` when this OpenCV has ``cv2.alphamat`` (the module
needs Eigen at build time; the PyPI contrib wheels are built without it) and always
``OUTDIR/guided.npy``: ``cv2.ximgproc.guidedFilter`` of HARD guided by IMAGE (radius 4,
eps (0.1 * 255)^2). Prints one JSON line: which ran and their seconds.
"""

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np


def main(image_path: str, trimap_path: str, hard_path: str, out_dir: str) -> None:
    """Run what this OpenCV has, save the alphas and print their seconds as JSON."""
    image, trimap, hard = np.load(image_path), np.load(trimap_path), np.load(hard_path)
    out = Path(out_dir)
    seconds = {}
    if hasattr(cv2, "alphamat"):
        start = time.perf_counter()
        alpha = np.asarray(cv2.alphamat.infoFlow(image, trimap), dtype=np.float32)
        seconds["alphamat"] = time.perf_counter() - start
        np.save(out / "alphamat.npy", alpha / 255.0 if alpha.max() > 1.5 else alpha)
    start = time.perf_counter()
    guided = cv2.ximgproc.guidedFilter(image, hard.astype(np.float32), 4, (0.1 * 255) ** 2)
    seconds["guided"] = time.perf_counter() - start
    np.save(out / "guided.npy", np.clip(guided, 0.0, 1.0).astype(np.float32))
    print(json.dumps({"seconds": seconds, "opencv": cv2.__version__}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
