"""OpenCV alphamat (information-flow matting) on one image and trimap, for bench_key.

Runs in its own small venv (opencv-contrib-python-headless, which holds cv2.alphamat and must
never share a venv with the workbench's opencv-python-headless: the two overwrite each other's
cv2). Usage: ``python alphamat.py IMAGE.npy TRIMAP.npy OUT.npy``; IMAGE is (H, W, 3) uint8 BGR,
TRIMAP (H, W) uint8 (0 background, 128 unknown, 255 foreground); OUT gets (H, W) float32 alpha.
"""

import sys
import time

import cv2
import numpy as np


def main(image_path: str, trimap_path: str, out_path: str) -> None:
    """Matte the image with the trimap, save the alpha and print the seconds it took."""
    image = np.load(image_path)
    trimap = np.load(trimap_path)
    start = time.perf_counter()
    alpha = cv2.alphamat.infoFlow(image, trimap)
    seconds = time.perf_counter() - start
    alpha = np.asarray(alpha, dtype=np.float32)
    if alpha.max() > 1.5:
        alpha = alpha / 255.0
    np.save(out_path, alpha.reshape(trimap.shape))
    print(f"{seconds:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
