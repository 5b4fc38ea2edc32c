"""``workbench demo``: the whole path on the bundled sample title, and a summary of it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.commands import AddCommand

__all__ = ["cmd_demo", "register"]


def register(add: AddCommand) -> None:
    """Add ``demo`` through ``add(name, fn, help)``."""
    sp = add("demo", cmd_demo, "run the whole path on the bundled sample title")
    sp.add_argument("--out", type=Path, default=Path("demo-out"))


def cmd_demo(a: argparse.Namespace) -> int:
    """Run the demo into ``--out`` and print what it made, with the seconds it took."""
    from workbench.demo import run_demo

    started = time.perf_counter()
    summary = run_demo(Path(a.out), progress=not a.quiet)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(_demo_summary(summary))
    return 0


def _demo_summary(s: dict[str, Any]) -> str:
    return "\n".join([
        f"workbench demo: {s['title']} in {s['seconds']} s",
        f"  shots      {s['shots']} in {s['scenes']} scene(s) from {s['clips']} clip(s)",
        f"  model      title model {s['model']} made the proposals; better than the "
        f"classical fit on {s['model_better']} of {s['compared']} matched shot(s)",
        f"  decisions  {s['decisions']} journaled (accepted by 'demo')",
        f"  renders    {s['rendered_shots']} shot(s), {s['frames']} EXR frame(s) "
        f"in {s['out']}/renders",
        f"  grades     {s['grades']} ASC CDL file(s) in {s['out']}/grades",
        f"  looks      {s['out']}/looks.ocio (one OCIO look per shot)",
        f"  timeline   {s['out']}/timeline.otio; EDL {', '.join(s['edls'])}",
        f"  report     {s['out']}/report.html",
    ])
