"""The command line as a user meets it: whole processes, each timed against a plain script.

Every number is the wall time of a fresh process (interpreter start and imports included), the
workbench and its anchor run in the same session, best of a few runs.

- ``cli_status_s`` — ``workbench status`` on a title of the bundled sample (24 shots, proposed
  and accepted). The anchor is the goal of 0.5 s (ratio > 1: under it).
- ``apply_small_still_vs_ocio_script`` — ``workbench apply`` of a 33³ ``.cube`` to the
  600x400 coffee photo (../shared/data) into a PNG, against ``anchors/ocio_apply.py``
  (OpenImageIO read, OCIO FileTransform, OpenImageIO write). Goal: at most 3x the script's
  time (ratio >= 0.333).
- ``apply_uhd_sequence_vs_ocio_script`` — the same LUT over 8 UHD half-float ACEScg EXR frames
  (the daisies photo upscaled; a sequence in, a sequence out, IO included), against the script
  with OCIO on every core. Goal: 1.5x faster (ratio >= 1.5).
- ``render_fps_vs_script`` — ``workbench render`` (EXR) of the sample title's accepted shots,
  frames per second, against ``anchors/pyav_render.py`` doing the same work: decoding the same
  frames with PyAV to unclipped float R'G'B' in numpy, each shot's accepted CDL and the
  conversion to ACEScg in one OCIO processor (letterbox bars ungraded), zip half EXRs with
  their header through OpenImageIO, each shot's folder swapped in whole. Goal: ratio >= 1.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import SHARED_DATA, entry, uhd_frame

ANCHORS = Path(__file__).with_name("anchors")
COFFEE = SHARED_DATA / "photo" / "skimage_coffee.png"
UHD_FRAMES = 8


def _seconds(cmd: list[str], repeat: int = 3, clean: Path | None = None) -> float:
    """Best wall time of ``cmd`` as a fresh process; ``clean`` is emptied before each run."""
    best = float("inf")
    for _ in range(repeat):
        if clean is not None:
            shutil.rmtree(clean, ignore_errors=True)
            clean.mkdir(parents=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        best = min(best, took)
    return best


def _workbench(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "workbench.cli", "-q", *map(str, args)]


def _script(name: str, *args: str | Path) -> list[str]:
    return [sys.executable, str(ANCHORS / name), *map(str, args)]


def write_look_cube(path: Path, size: int = 33) -> Path:
    """A warm, slightly contrasty 33³ look as a ``.cube`` (red fastest, as the format says)."""
    grid = np.linspace(0.0, 1.0, size)
    b, g, r = np.meshgrid(grid, grid, grid, indexing="ij")
    rgb = np.stack([r, g, b], axis=-1).reshape(-1, 3)
    luma = rgb @ np.array([0.2126, 0.7152, 0.0722])
    table = np.clip(rgb ** 1.1 * [1.05, 1.0, 0.92] + 0.15 * (rgb - luma[:, None]) + 0.01, 0, 1)
    path.write_text(f"LUT_3D_SIZE {size}\n"
                    + "".join(f"{x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in table))
    return path


def _sample_title(root: Path) -> Path:
    """The bundled sample ingested (with its ALE), proposed, and every proposal accepted."""
    from workbench.model import propose
    from workbench.title import Title, decide, ingest
    from workbench.title.sample import SAMPLE_ALE, copy_sample_dailies

    clips = copy_sample_dailies(root / "dailies")
    with Title.create(root / "title", name="bench") as title:
        ingest(title, clips, ale=root / "dailies" / SAMPLE_ALE, progress=False)
        for p in propose(title, progress=False):
            decide(title, title.shot(p.shot), "accept", by="bench")
    return root / "title"


def bench_status(title: Path) -> dict[str, Any]:
    """``workbench status`` against the 0.5 s goal."""
    seconds = _seconds(_workbench("status", title), repeat=5)
    return entry("cli_status_s", seconds, "s", "goal: 0.5 s", 0.5, higher_is_better=False)


def bench_small_still(tmp: Path, cube: Path) -> dict[str, Any]:
    """``workbench apply`` on the coffee photo against the OCIO script."""
    out = tmp / "still"
    wb = _seconds(_workbench("apply", "--grade", cube, "--in", COFFEE, "--out",
                             out / "coffee.png"), clean=out)
    script = _seconds(_script("ocio_apply.py", cube, COFFEE, out / "coffee.png"), clean=out)
    return entry("apply_small_still_vs_ocio_script", wb, "s",
                 "OCIO FileTransform + OpenImageIO script (whole process)", script,
                 higher_is_better=False)


def bench_uhd_sequence(tmp: Path, cube: Path) -> dict[str, Any]:
    """``workbench apply`` on 8 UHD EXR frames against the OCIO script."""
    from workbench.io import write_exr

    src = tmp / "uhd"
    src.mkdir()
    frame = uhd_frame("ACEScg")
    for i in range(UHD_FRAMES):  # a little change per frame, so no two frames are the same
        write_exr(src / f"plate.{1001 + i:04d}.exr", frame * (1.0 + 0.01 * i))
    del frame
    out = tmp / "uhd_out"
    wb = _seconds(_workbench("apply", "--grade", cube, "--in", src / "plate.####.exr",
                             "--out", out / "graded.####.exr"), repeat=2, clean=out)
    script = _seconds(_script("ocio_apply.py", cube, src / "plate.####.exr",
                              out / "graded.####.exr"), repeat=2, clean=out)
    shutil.rmtree(src)
    shutil.rmtree(out)
    return entry("apply_uhd_sequence_vs_ocio_script", wb, "s",
                 f"OCIO FileTransform on all cores + OpenImageIO script, {UHD_FRAMES} UHD "
                 f"half EXR frames (whole process)", script, higher_is_better=False)


def _anchor_grade(decision: Any) -> dict[str, Any] | None:
    """The decision's grade as the anchor script takes it: one CDL at its strength, or none."""
    from workbench.color import resolve_space
    from workbench.ops import CDL

    ops = [op for op in decision.applied_pipeline().operators if op.strength != 0.0]
    if not ops:
        return None
    if len(ops) > 1 or not isinstance(ops[0], CDL):
        raise RuntimeError(f"decision {decision.id}: the anchor script renders plain CDLs only")
    v = ops[0].effective_values()
    return {"slope": list(v.slope), "offset": list(v.offset), "power": list(v.power),
            "sat": v.saturation, "space": resolve_space(ops[0].space)}


def bench_render(tmp: Path, title: Path) -> dict[str, Any]:
    """``workbench render`` fps against the PyAV + OCIO + OIIO script doing the same work."""
    from workbench.color import CONFIG_URI, resolve_space
    from workbench.title import Title, accepted_decisions

    with Title.open(title, "ro") as t:
        shots = [{"src": str(s.clip.path), "space": resolve_space(s.clip.input_space),
                  "start": s.start_frame, "count": s.frame_count,
                  "out": str(tmp / "anchor_renders" / s.name), "name": s.name,
                  "fps": [s.clip.fps.numerator, s.clip.fps.denominator],
                  "cdl": _anchor_grade(d), "area": d.active_area}
                 for s, d in accepted_decisions(t)]
        working = resolve_space(t.settings.working_space)
    frames = sum(s["count"] for s in shots)
    job = tmp / "render_job.json"
    job.write_text(json.dumps({"config": CONFIG_URI, "working": working, "shots": shots}))
    out = tmp / "renders"
    wb = _seconds(_workbench("render", title, "--out", out), repeat=1, clean=out)
    script = _seconds(_script("pyav_render.py", job), repeat=1, clean=tmp / "anchor_renders")
    return entry("render_fps_vs_script", frames / wb, "fps",
                 f"PyAV + numpy Y'CbCr (unclipped) + OCIO CDL + OpenImageIO script, {frames} "
                 f"frames to half EXR, bars kept, folder swapped in (whole process)",
                 frames / script)


def run() -> list[dict[str, Any]]:
    """The four command-line benchmarks; a temporary folder holds every file they write."""
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp_name:
        tmp = Path(tmp_name)
        cube = write_look_cube(tmp / "look.cube")
        title = _sample_title(tmp / "sample")
        results = [bench_status(title), bench_small_still(tmp, cube),
                   bench_uhd_sequence(tmp, cube), bench_render(tmp, title)]
    for r in results:
        print(f"{r['name']}: {r['value']} {r['unit']} vs {r['anchor_value']} "
              f"(ratio {r['ratio']})")
    return results
