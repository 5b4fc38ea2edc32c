"""``workbench render|export``: deliver what was accepted, and hand it off to other tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.commands import AddCommand

__all__ = ["cmd_export", "cmd_render", "register"]


def register(add: AddCommand) -> None:
    """Add ``render`` and ``export`` through ``add(name, fn, help)``."""
    sp = add("render", cmd_render, "render accepted shots (and only those)")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--format", choices=["exr", "png", "prores"], default="exr")
    sp.add_argument("--shot", action="append", help="only this shot (repeatable)")

    sp = add("export", cmd_export,
             "write grades (.cc), looks.ocio, timeline.otio/.edl and report.html of renders")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--out", type=Path, required=True)


def cmd_render(a: argparse.Namespace) -> int:
    """Render the accepted shots into ``--out``."""
    from workbench.render import render
    from workbench.title import Title

    with Title.open(a.dir, "auto") as title:  # a read-only title renders, unrecorded
        delivered = render(title, a.out, a.format, a.shot, progress=not a.quiet)
        frames = sum(d.frames for d in delivered)
        print(f"rendered {len(delivered)} shot(s), {frames} frame(s) as {a.format} into {a.out}")
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    """Write the hand-off files of the renders into ``--out``; shots no EDL holds on stderr."""
    from workbench.export import export_delivery
    from workbench.title import Title

    with Title.open(a.dir, "ro") as title:  # writes only to --out
        done = export_delivery(title, a.out)
        print(f"exported {len(done.grades)} grade(s), looks.ocio, timeline.otio, "
              f"{len(done.edls)} EDL(s) "
              f"and report.html into {a.out}")
    for shot, why in done.not_in_edl:
        print(f"{shot}: in timeline.otio but in no EDL, {why}", file=sys.stderr)
    return 0
