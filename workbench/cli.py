"""The ``workbench`` command.

Heavy modules are imported inside each command, so ``--help`` answers at once.

Errors a user can cause print one line, ``workbench: error: ...``, and exit 2; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def cmd_init(a: argparse.Namespace) -> int:
    from workbench.color import resolve_space
    from workbench.title import Title

    resolve_space(a.delivery_space)
    title = Title.create(a.dir, name=a.name, delivery_space=a.delivery_space,
                         strength_cap=a.strength_cap)
    print(f"created title {title.settings.name!r} at {title.root}")
    return 0


def cmd_ingest(a: argparse.Namespace) -> int:
    from workbench.title import Title, ingest

    with Title.open(a.dir) as title:
        shots = ingest(title, a.sources, scene=a.scene, day=a.day, input_space=a.colorspace,
                       ale=a.ale, edl=a.edl, fps=a.fps, proxy_width=a.proxy_width,
                       progress=not a.quiet)
        print(f"ingested {len(a.sources)} source(s): {len(shots)} shot(s) in "
              f"{len({s.scene for s in shots})} scene(s)")
    return 0


def cmd_propose(a: argparse.Namespace) -> int:
    from workbench.model import propose
    from workbench.title import Title

    with Title.open(a.dir) as title:
        proposals = propose(title, progress=not a.quiet)
        for p in proposals:
            print(f"{p.shot:32s} strength {p.strength:<4g} confidence {p.confidence:.2f}  "
                  f"{p.summary}")
    return 0


def cmd_decide(a: argparse.Namespace) -> int:
    from workbench.title import Title, decide

    with Title.open(a.dir) as title:
        d = decide(title, title.shot(a.shot), a.verdict, strength=a.strength, note=a.note or "",
                   by=a.by, proposal_id=a.proposal)
        print(f"{d.verdict} {d.shot} at strength {d.strength:g} by {d.decided_by} "
              f"(decision {d.id})")
    return 0


def cmd_log(a: argparse.Namespace) -> int:
    from workbench.title import Title, journal

    with Title.open(a.dir) as title:
        entries = journal(title, title.shot(a.shot) if a.shot else None)
        if a.json:
            print(json.dumps([e.to_dict() for e in entries], indent=2))
            return 0
        for e in entries:
            note = f"  \"{e.note}\"" if e.note else ""
            print(f"{e.seq:4d} {e.decided_at} {e.decided_by:10s} {e.verdict:7s} "
                  f"{e.shot:32s} strength {e.strength:<5g} {e.model_version}{note}")
        if not entries:
            print("no decisions yet")
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    from workbench.title import Title, latest_proposal, shot_status

    with Title.open(a.dir) as title:
        anchors = {s.anchor_shot_id for s in title.scenes()}
        for shot in title.shots():
            p = latest_proposal(title, shot)
            mark = "anchor" if shot.id in anchors else ""
            pid = f"p{p.id}" if p else ""
            print(f"{shot.name:32s} {shot.scene:24s} {shot.frame_count:5d} fr  "
                  f"{shot_status(title, shot):9s} {mark:6s} {pid:5s} {p.summary if p else ''}")
    return 0


def cmd_render(a: argparse.Namespace) -> int:
    from workbench.render import render
    from workbench.title import Title

    with Title.open(a.dir) as title:
        delivered = render(title, a.out, a.format, a.shot, progress=not a.quiet)
        frames = sum(d.frames for d in delivered)
        print(f"rendered {len(delivered)} shot(s), {frames} frame(s) as {a.format} into {a.out}")
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    from workbench.interchange import delivery_timeline, write_timeline
    from workbench.render import delivered_renders, write_grades
    from workbench.report import write_report
    from workbench.title import Title

    out = Path(a.out)
    with Title.open(a.dir) as title:
        delivered = delivered_renders(title)
        if not delivered:
            from workbench.errors import DecisionError

            raise DecisionError(f"{title.root.name}: nothing to export, no accepted shot has "
                                f"been rendered; run `workbench render` first")
        write_grades(delivered, out / "grades")
        write_timeline(out / "timeline.otio", delivery_timeline(title.settings.name, delivered))
        write_report(title, delivered, out / "report.html")
        print(f"exported {len(delivered)} grade(s), timeline.otio and report.html into {out}")
    return 0


def cmd_demo(a: argparse.Namespace) -> int:
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
        f"  decisions  {s['decisions']} journaled (accepted by 'demo')",
        f"  renders    {s['rendered_shots']} shot(s), {s['frames']} EXR frame(s) "
        f"in {s['out']}/renders",
        f"  grades     {s['grades']} ASC CDL file(s) in {s['out']}/grades",
        f"  timeline   {s['out']}/timeline.otio",
        f"  report     {s['out']}/report.html",
    ])


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per step of the workflow."""
    p = argparse.ArgumentParser(
        prog="workbench",
        description="AI-assisted post-production on filmed material: ingest dailies, "
                    "propose corrections, decide, render what was accepted.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(fn=fn)
        return sp

    sp = add("init", cmd_init, "create a new title directory")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--name", help="the production's name (default: the folder's)")
    sp.add_argument("--delivery-space", default="Rec.709",
                    help="encoding of PNG/ProRes renders and thumbnails")
    sp.add_argument("--strength-cap", type=float, default=1.0,
                    help="no correction may be applied stronger than this")

    sp = add("ingest", cmd_ingest, "catalogue dailies: movies, image sequences, stills")
    sp.add_argument("dir", type=Path)
    sp.add_argument("sources", nargs="+", type=Path)
    sp.add_argument("--ale", type=Path, help="ALE with Scene / Shoot Date columns per clip")
    sp.add_argument("--edl", type=Path, help="CMX 3600 EDL whose events give the shots")
    sp.add_argument("--scene", help="scene for all sources (default: one per clip)")
    sp.add_argument("--day", help="shooting day for all sources (default: file date)")
    sp.add_argument("--colorspace", help="the sources' encoding, e.g. 'Rec.709', 'ARRI LogC3'")
    sp.add_argument("--fps", type=Fraction, help="frame rate of image sequences, e.g. 24000/1001")
    sp.add_argument("--proxy-width", type=int, default=960,
                    help="movies wider than this get a cached proxy for analysis (default 960)")

    sp = add("propose", cmd_propose, "propose a correction for every shot")
    sp.add_argument("dir", type=Path)

    sp = add("decide", cmd_decide, "accept, adjust or reject a shot's proposal")
    sp.add_argument("dir", type=Path)
    sp.add_argument("shot")
    sp.add_argument("verdict", choices=["accept", "adjust", "reject"])
    sp.add_argument("--strength", type=float, help="with adjust: the strength to apply, 0..1")
    sp.add_argument("--note", help="why, for the journal")
    sp.add_argument("--by", help="who decides (default: $WORKBENCH_USER or login name)")
    sp.add_argument("--proposal", type=int,
                    help="the proposal id decided on (default: the shot's latest; see status)")

    sp = add("log", cmd_log, "print the decision journal")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--shot")
    sp.add_argument("--json", action="store_true")

    sp = add("status", cmd_status, "list shots with their scene, status and proposal")
    sp.add_argument("dir", type=Path)

    sp = add("render", cmd_render, "render accepted shots (and only those)")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--format", choices=["exr", "png", "prores"], default="exr")
    sp.add_argument("--shot", action="append", help="only this shot (repeatable)")

    sp = add("export", cmd_export, "write CDL grades, timeline.otio and report.html of renders")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--out", type=Path, required=True)

    sp = add("demo", cmd_demo, "run the whole path on the bundled sample title")
    sp.add_argument("--out", type=Path, default=Path("demo-out"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workbench`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except BrokenPipeError:  # `workbench log DIR | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        _say("workbench: interrupted; files already written are complete, none is partial")
        return 130
    except Exception as exc:
        if args.debug:
            raise
        from workbench.errors import WorkbenchError

        if isinstance(exc, WorkbenchError):
            _say(f"workbench: error: {exc}")
            return 2
        if isinstance(exc, OSError) and exc.filename:
            _say(f"workbench: error: {exc.filename}: {exc.strerror}")
            return 2
        _say(f"workbench: unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
