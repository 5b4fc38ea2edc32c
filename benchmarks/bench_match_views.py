"""Shot matching across camera angles: a relit view matched back to ANOTHER view of the scene.

Contents (real pictures, ../shared/data): the view pairs leuven A/B (a street from two shifted
viewpoints), graf 1/3 (a graffiti wall from two angles), rubberwhale 1/2 (consecutive frames,
small motion), and pairs of frames from DIFFERENT cameras of the ISCC live band session (the
opening title card, frames 0–300, is skipped):

- live 400/600: the guitarist in a medium shot (camera A) / the two guitarists wider (camera B);
- live 1120/800: the singer close, lamp behind (camera C) / the two-shot (camera B);
- live 880/1320: the second guitarist, glasses (camera D) / the wide of the band (camera E);
- live 1040/960: the wide of the band (camera E) / the singer against the amps (camera F).

Each content's first view is relit physically in linear ACEScg (:data:`RELIGHTS`: exposure
in stops, white balance as a von Kries chromatic adaptation from 6500 K to another CCT and
Duv (tint), and contrast as a power about mid grey 0.18), then matched to the second view,
which is not relit. What is scored is the matched shot against the truth, mean CIEDE2000
over the picture (bars cropped). The truth is the relit view with its relight undone: the
first view as it was. For that to be what a perfect match gives, the two views must share
one look, as a production's matched cameras do. Real view pairs rarely do exactly (graf 3
is lower in contrast than graf 1: about 3 ΔE2000 between them on the surfaces both show,
leuven about 2, rubberwhale 0.3), so for the photo pairs the second view is first brought
into the first view's look (:func:`camera_matched`): per ACEScct channel, the quantiles of
its pixels on the surfaces both views show
(:func:`workbench.model.matching.correspond.find_correspondences`) mapped onto the first
view's. Curves, not the ``views`` method's own 3×3-after-power model, so no method is
scored against itself. The live frames (different cameras) share too few surfaces
for that, and are used as shot: the session's cameras are taken as matched.

Methods run in the same process on the same cases: ``views`` (correspondences then a fitted
change of light), ``von-kries``, ``mkl`` (the anchor), ``histogram``, ``reinhard``, and the
learned ``title`` method (:func:`workbench.model.matching.match_frames` with a title model,
as the product uses it). A title model is trained on a title's dailies; the relit shot is a
pickup under other light, so the model never sees the shot view (the truth) nor anything
within two seconds of it (:func:`training_material`):

- the photo pairs: the reference view (in the first view's look, as matched) and five crops
  of it; one model per pair;
- the live session: one model for the whole session, on every 4th frame from 300 to 1440
  except the eight scored frames and 48 frames either side of each (frames of the same
  cameras further away in time, and of the other cameras; the second guitarist's camera D,
  the wide E and camera F appear nowhere else, so their shots find no setup of their own).

Each model is trained with the default settings (500 steps, as ``workbench train`` does);
the training time is printed. The model remembers up to 64 of its frames and matches a shot
through those it shares surfaces with (:mod:`workbench.model.matching.memory`).

Also the confidence calibration: Spearman's rank correlation between each grade's
``confidence`` and its true ΔE2000 over every case and method, reported as the correlation
of confidence with *minus* the error (higher confidence, lower error: positive is good).
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import cv2
import numpy as np
import torch

from benchmarks.common import SHARED_DATA, entry
from workbench.color import convert, delta_e_2000

WIDTH = 256
CLASSICAL = ("views", "von-kries", "mkl", "histogram", "reinhard")
LIVE = "iscc_demo_livesession.mp4"
LIVE_PAIRS = ((400, 600), (1120, 800), (880, 1320), (1040, 960))
# (label, kelvin, Duv, stops, contrast): the shot's light relative to the 6500 K original.
RELIGHTS = (
    ("3200K +0.7 stop", 3200, 0.0, 0.7, 1.0),
    ("9000K +0.008 Duv -1 stop", 9000, 0.008, -1.0, 1.0),
    ("5000K -0.01 Duv contrast 1.2", 5000, -0.01, 0.0, 1.2),
    ("7500K +0.3 stop contrast 0.85", 7500, 0.0, 0.3, 0.85),
)
LIVE_RANGE = (300, 1441, 4)   # the session after its title card, every 4th frame
EXCLUDE = 48                  # frames either side of a scored frame kept out of training


def _photo(relative: str) -> torch.Tensor:
    bgr = cv2.imread(str(SHARED_DATA / relative), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"{SHARED_DATA / relative}: needed for bench_match_views")
    h, w = bgr.shape[:2]
    bgr = cv2.resize(bgr, (WIDTH, round(h * WIDTH / w)), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    return convert(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), "sRGB", "ACEScg")


def _live_frames(indices: set[int]) -> dict[int, torch.Tensor]:
    """Frames of the live session, ACEScg ``(1, 3, H, W)``, letterbox bars cropped."""
    from workbench.io import read_movie_frames
    from workbench.model.framing import active_area

    out = {}
    for index, rgb in read_movie_frames(SHARED_DATA / "video" / LIVE, 0, max(indices) + 1):
        if index in indices:
            frame = torch.from_numpy(rgb.astype(np.float32) / 255).permute(2, 0, 1)[None]
            frame = convert(frame.contiguous(), "sRGB", "ACEScg")
            out[index] = active_area(frame, 1).crop(frame).contiguous()
    return out


def contents(live: dict[int, torch.Tensor] | None = None
             ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """``name -> (shot view, reference view)``, original (un-relit) ACEScg ``(1, 3, H, W)``."""
    out = {
        "leuven A/B": (_photo("pairs/opencv_leuvenA.jpg"), _photo("pairs/opencv_leuvenB.jpg")),
        "graf 1/3": (_photo("pairs/opencv_graf1.png"), _photo("pairs/opencv_graf3.png")),
        "rubberwhale 1/2": (_photo("pairs/opencv_rubberwhale1.png"),
                            _photo("pairs/opencv_rubberwhale2.png")),
    }
    live = live or _live_frames({i for pair in LIVE_PAIRS for i in pair})
    for a, b in LIVE_PAIRS:
        out[f"live {a}/{b}"] = (live[a], live[b])
    return out


def relight(frames: torch.Tensor, kelvin: float, duv: float, stops: float,
            contrast: float) -> torch.Tensor:
    """``frames`` (N,3,H,W) linear ACEScg under another light: CAT, exposure, then contrast."""
    from benchmarks.bench_match import relight_matrix

    lin = torch.einsum("ij,njhw->nihw", relight_matrix(kelvin, duv, stops, "Bradford"), frames)
    if contrast != 1.0:
        lin = torch.where(lin > 0, 0.18 * (lin.clamp_min(1e-12) / 0.18) ** contrast, lin)
    return lin.contiguous()


def camera_matched(view: torch.Tensor, other: torch.Tensor) -> tuple[torch.Tensor, float]:
    """``other`` in ``view``'s look (see the module doc), and the mean ΔE2000 that moved it.

    Per ACEScct channel, the quantiles of ``other``'s pixels on the surfaces both views show
    are mapped onto ``view``'s (129 knots, slope 1 beyond the ends): distributions, so a
    pixel of misalignment between the views biases nothing. ``other`` as it is when the views
    share too few surfaces.
    """
    from workbench.model.matching.correspond import find_correspondences
    from workbench.model.matching.transfer import fit_quantile

    pairs = find_correspondences(other, view, max_frames=1)
    if pairs is None:
        return other, 0.0

    def cct(lin: torch.Tensor) -> torch.Tensor:
        c = convert(lin.float().T.reshape(1, 3, -1, 1).contiguous(), "ACEScg", "ACEScct")
        return c.reshape(3, -1).T

    curve = fit_quantile(cct(pairs.shot), cct(pairs.reference), knots=129)
    flat = cct(other.permute(1, 0, 2, 3).reshape(3, -1).T)
    lin = convert(curve(flat).float().T.reshape(1, 3, -1, 1).contiguous(), "ACEScct", "ACEScg")
    matched = lin.reshape(3, other.shape[0], *other.shape[2:]).permute(1, 0, 2, 3).contiguous()
    return matched, mean_de(matched, other)


def mean_de(matched: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean CIEDE2000 of two ``(N, 3, H, W)`` linear ACEScg images."""
    return float(delta_e_2000(matched, truth).double().mean())


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation: Pearson's on ranks, tied values sharing their mean rank."""
    def ranks(values: list[float]) -> np.ndarray:
        x = np.asarray(values, dtype=np.float64)
        r = np.empty(len(x))
        r[x.argsort(kind="mergesort")] = np.arange(len(x))
        for v in np.unique(x):
            r[x == v] = r[x == v].mean()
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def live_training_indices() -> list[int]:
    """Frames of the live session a title model may learn from: none near a scored frame."""
    scored = [i for pair in LIVE_PAIRS for i in pair]
    return [i for i in range(*LIVE_RANGE) if all(abs(i - s) > EXCLUDE for s in scored)]


def crops(frame: torch.Tensor) -> list[torch.Tensor]:
    """``frame`` (1, 3, H, W) and five crops of it (the four corners and the centre, 60 %)."""
    h, w = frame.shape[-2:]
    ch, cw = round(0.6 * h), round(0.6 * w)
    corners = [(0, 0), (0, w - cw), (h - ch, 0), (h - ch, w - cw),
               ((h - ch) // 2, (w - cw) // 2)]
    return [frame[0], *(frame[0, :, y:y + ch, x:x + cw].contiguous() for y, x in corners)]


def training_material(content: str, other: torch.Tensor,
                      live: dict[int, torch.Tensor]) -> tuple[str, list[torch.Tensor]]:
    """(title, frames) a title model for ``content`` is trained on; never the shot view."""
    if content.startswith("live"):
        return "live", [live[i][0] for i in live_training_indices()]
    return content, crops(other)


def train(frames: list[torch.Tensor]) -> Any:
    """A title's learned matcher, default settings, on ``frames`` ((3, H, W) ACEScg)."""
    from workbench.model.matching.learned import train_matcher

    start = time.perf_counter()
    matcher = train_matcher(frames, [0] * len(frames), seed=0, progress=False)
    print(f"  trained on {len(frames)} frames in {time.perf_counter() - start:.0f} s; "
          f"validation {matcher.metrics.get('validation')}", flush=True)
    return matcher


def run_cases(methods: tuple[str, ...] = (*CLASSICAL, "title"), learned: bool = True
              ) -> dict[str, dict[str, list[tuple[float, float, float]]]]:
    """``results[method][content] = [(ΔE2000, confidence, chroma overlap) per relight]``.

    The chroma overlap of the matched shot with the reference is the former confidence,
    measured on the same grades as the anchor of the calibration.
    """
    from workbench.model.matching import chroma_overlap, match_frames
    from workbench.model.matching.stats import pixels_to_acescct

    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {}
    learned = learned and "title" in methods
    live = _live_frames({i for pair in LIVE_PAIRS for i in pair}
                        | (set(live_training_indices()) if learned else set()))
    matchers: dict[str, Any] = {}
    for content, (view, other) in contents(live).items():
        other, native = camera_matched(view, other)
        print(f"  {content}: second view brought to the first's look ({native:.2f} ΔE2000)",
              flush=True)
        matcher = None
        if learned:
            title, frames = training_material(content, other, live)
            if title not in matchers:
                matchers[title] = train(frames)
            matcher = matchers[title]
        for label, kelvin, duv, stops, contrast in RELIGHTS:
            shot = relight(view, kelvin, duv, stops, contrast)
            row = [f"as shot {mean_de(shot, view):.2f}"]
            for method in methods:
                if method == "title" and matcher is None:
                    continue
                grade = match_frames(shot, other, method,
                                     title_model=matcher if method == "title" else None)
                matched = grade.apply(shot)
                overlap = chroma_overlap(pixels_to_acescct(_pixels(matched)),
                                         pixels_to_acescct(_pixels(other)))
                score = (mean_de(matched, view), grade.confidence, overlap)
                results.setdefault(method, {}).setdefault(content, []).append(score)
                chose = re.search(r"chose (.+?) by", grade.summary)
                row.append(f"{method} {score[0]:.2f} ({score[1]:.2f}"
                           + (f", {chose.group(1)})" if chose else ")"))
            print(f"  {content:16s} {label:30s} " + ", ".join(row), flush=True)
    return results


def _pixels(frames: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` → ``(P, 3)``."""
    return frames.permute(0, 2, 3, 1).reshape(-1, 3)


def run() -> list[dict[str, Any]]:
    """Per-method worst and mean ΔE2000 over the cross-view cases; confidence calibration."""
    torch.set_num_threads(1)  # small tensors: a second thread mostly waits (shared cores)
    os.environ.setdefault("WORKBENCH_NO_COMPILE", "1")
    start = time.perf_counter()
    results = run_cases()
    print(f"bench_match_views: {time.perf_counter() - start:.0f} s")
    return summarise(results)


def summarise(results: dict[str, dict[str, list[tuple[float, float, float]]]]
              ) -> list[dict[str, Any]]:
    """The results.json entries of :func:`run_cases`' results."""
    summary = {}
    for method, by_content in results.items():
        every = [s[0] for v in by_content.values() for s in v]
        summary[method] = {"worst": max(every), "mean": float(np.mean(every))}
        print(f"{method:10s} worst {max(every):.2f}, mean {np.mean(every):.2f} | "
              + ", ".join(f"{c} {np.mean([s[0] for s in v]):.2f}" for c, v in by_content.items()))
    grades = [s for by_content in results.values() for v in by_content.values() for s in v]
    rho = spearman([g[1] for g in grades], [-g[0] for g in grades])
    rho_overlap = spearman([g[2] for g in grades], [-g[0] for g in grades])
    print(f"confidence vs -ΔE2000: Spearman {rho:.3f} over {len(grades)} grades "
          f"(chroma overlap, the former confidence: {rho_overlap:.3f})")
    # Never loses: the title method against the best classical method of each case.
    classical = [m for m in CLASSICAL if m in results]
    best = [min(results[m][c][i][0] for m in classical)
            for c in results["title"] for i in range(len(results["title"][c]))]
    title = [s[0] for v in results["title"].values() for s in v]
    excess = [t - b for t, b in zip(title, best, strict=True)]
    print(f"title vs the best classical method of each case: mean {np.mean(title):.3f} "
          f"against {np.mean(best):.3f}; worse on {sum(e > 0.005 for e in excess)} of "
          f"{len(excess)} cases, by at most {max(excess):.3f}")
    n = len(title)
    mkl = summary["mkl"]
    out = []
    for method in ("views", "title"):
        if method not in summary:
            continue
        out += [
            entry(f"match_views_{method}_mean_de2000", summary[method]["mean"], "ΔE2000",
                  f"MKL in ACEScct, mean over {n} cross-view cases", mkl["mean"], False),
            entry(f"match_views_{method}_worst_case_de2000", summary[method]["worst"], "ΔE2000",
                  f"MKL in ACEScct, worst of {n} cross-view cases", mkl["worst"], False),
        ]
    vk = summary["von-kries"]
    out.append(entry("match_views_title_vs_von_kries_mean_de2000", summary["title"]["mean"],
                     "ΔE2000", f"von Kries, mean over {n} cross-view cases", vk["mean"], False))
    out.append(entry("match_views_title_vs_best_classical_mean_de2000", float(np.mean(title)),
                     "ΔE2000", f"the best classical method of each case (picked knowing the "
                     f"truth), mean over {n} cross-view cases; title worse on "
                     f"{sum(e > 0.005 for e in excess)}, by at most {max(excess):.2f}",
                     float(np.mean(best)), False))
    out.append(entry("match_confidence_spearman", rho, "Spearman ρ (confidence vs −ΔE2000)",
                     f"chroma-histogram overlap (the former confidence), same "
                     f"{len(grades)} grades", rho_overlap, True))
    return out


if __name__ == "__main__":
    from benchmarks.common import write_results

    write_results(run())
