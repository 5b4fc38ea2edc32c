"""`workbench batch`: what fanning a render out on Dask costs and what it gains.

Footage: the bundled sample title (24 shots in 3 scenes, 1,811 frames), every shot accepted as
proposed, rendered to 16-bit PNG.

- ``batch_speedup_2_workers`` — the whole title rendered by :func:`workbench.batch.run_batch`
  (``render_accepted``, one papermill run per shot) on a LocalCluster of 2 workers; the anchor
  is the same batch on 1 worker, in the same run. Wall time from the call to the summary,
  cluster start included. ``ratio`` is the speedup; the goal is >= 1.8 on 2 cores.
- ``batch_overhead_per_shot_s`` — (1-worker batch - direct) / shots, where *direct* calls
  :func:`workbench.render.render` shot by shot in this process with torch on one thread (what
  one worker has). The goal is < 1 s a shot.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import entry


def _accepted_sample_title(root: Path) -> tuple[Path, list[str]]:
    from workbench.model import propose
    from workbench.title import Title, decide, ingest
    from workbench.title.sample import SAMPLE_ALE, copy_sample_dailies

    clips = copy_sample_dailies(root / "dailies")
    with Title.create(root / "title", name="bench") as title:
        ingest(title, clips, ale=root / "dailies" / SAMPLE_ALE, progress=False)
        propose(title, progress=False)
        names = [s.name for s in title.shots()]
        for name in names:
            decide(title, title.shot(name), "accept", by="bench")
    return root / "title", names


def _direct(title_dir: Path, names: list[str], out: Path) -> float:
    """Seconds to render every shot by calling render() shot by shot, torch on one thread."""
    import torch

    from workbench.render import render
    from workbench.title import Title

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with Title.open(title_dir) as title:
            render(title, out / "warmup", "png", shots=[names[0]], progress=False)
            start = time.perf_counter()
            for name in names:
                render(title, out / "direct", "png", shots=[name], progress=False)
            return time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)


def _batch(title_dir: Path, workers: int, out: Path) -> float:
    from workbench.batch import run_batch

    start = time.perf_counter()
    run = run_batch("render_accepted", title_dir, workers=workers, out=out, progress=False,
                    say=lambda msg: None)
    seconds = time.perf_counter() - start
    if run.failed:
        raise RuntimeError(f"batch on {workers} worker(s): {run.failed} failed")
    return seconds


def run() -> list[dict[str, Any]]:
    """Render the sample title directly, then as a batch on 1 and on 2 workers."""
    root = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        title_dir, names = _accepted_sample_title(root)
        direct = _direct(title_dir, names, root)
        one = _batch(title_dir, 1, root / "one")
        two = _batch(title_dir, 2, root / "two")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    n = len(names)
    print(f"batch: {n} shots; direct {direct:.1f} s, 1 worker {one:.1f} s, "
          f"2 workers {two:.1f} s")
    return [
        entry("batch_speedup_2_workers", two, "s", "the same batch on 1 worker", one,
              higher_is_better=False),
        entry("batch_overhead_per_shot_s", (one - direct) / n, "s",
              "render() called directly, per shot", direct / n, higher_is_better=False),
    ]
