"""``workbench init|ingest|propose|decide|log|status|relink``: make a title and work in it.

``status`` and ``log`` only read the title (it opens read-only, so an archived title answers)
and load no torch, media library or numpy; the others import what they need when they run.
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.commands import AddCommand

__all__ = ["cmd_decide", "cmd_ingest", "cmd_init", "cmd_log", "cmd_propose", "cmd_relink",
           "cmd_status", "register"]


def register(add: AddCommand) -> None:
    """Add ``init``, ``ingest``, ``propose``, ``decide``, ``log``, ``status`` and ``relink``."""
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
    sp.add_argument("--fps", type=_fps,
                    help="frame rate of image sequences: 24, 23.976, 24000/1001")
    sp.add_argument("--proxy-width", type=int, default=960,
                    help="movies wider than this get a cached proxy for analysis (default 960)")

    sp = add("propose", cmd_propose, "propose a correction for every shot")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--method",
                    help="default: the trained title model if there is one, else mean-std; "
                         "or auto (title model, else von-kries), title, mean-std, von-kries, "
                         "mkl, reinhard or histogram")

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

    sp = add("relink", cmd_relink, "point a clip at its media's new place (same content)")
    sp.add_argument("dir", type=Path)
    sp.add_argument("clip")
    sp.add_argument("path", type=Path)


def _fps(text: str) -> Fraction:
    """``--fps``: a positive rate; 23.976 and 29.97 mean their exact /1001 rationals."""
    from workbench.title.ingest import snap_fps

    try:
        rate = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a frame rate: {text!r}") from None
    try:
        return snap_fps(rate)
    except Exception as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_init(a: argparse.Namespace) -> int:
    """Create the title folder; the delivery space is checked before anything is written."""
    from workbench.color import resolve_space
    from workbench.title import Title

    resolve_space(a.delivery_space)
    title = Title.create(a.dir, name=a.name, delivery_space=a.delivery_space,
                         strength_cap=a.strength_cap)
    print(f"created title {title.settings.name!r} at {title.root}")
    return 0


def cmd_ingest(a: argparse.Namespace) -> int:
    """Catalogue the sources as clips and shots (the sources are only read)."""
    from workbench.title import Title, ingest

    with Title.open(a.dir) as title:
        shots = ingest(title, a.sources, scene=a.scene, day=a.day, input_space=a.colorspace,
                       ale=a.ale, edl=a.edl, fps=a.fps, proxy_width=a.proxy_width,
                       progress=not a.quiet)
        print(f"ingested {len(a.sources)} source(s): {len(shots)} shot(s) in "
              f"{len({s.scene for s in shots})} scene(s)")
    return 0


def cmd_propose(a: argparse.Namespace) -> int:
    """Propose for every shot: one line per proposal on stdout, who proposed on stderr."""
    from workbench.model import propose
    from workbench.title import Title

    with Title.open(a.dir) as title:
        proposals = propose(title, progress=not a.quiet, method=a.method)
        versions = sorted({p.model_version for p in proposals})
        print(f"propose: {len(proposals)} proposal(s) by {'; '.join(versions)}", file=sys.stderr)
        for p in proposals:
            print(f"{p.shot:32s} strength {p.strength:<4g} confidence {p.confidence:.2f}  "
                  f"{p.summary}")
    return 0


def cmd_decide(a: argparse.Namespace) -> int:
    """Journal a verdict on a shot's proposal."""
    from workbench.title import Title, decide

    with Title.open(a.dir) as title:
        d = decide(title, title.shot(a.shot), a.verdict, strength=a.strength, note=a.note or "",
                   by=a.by, proposal_id=a.proposal)
        at = "" if d.strength is None else f" at strength {d.strength:g}"  # a reject has none
        print(f"{d.verdict} {d.shot}{at} by {d.decided_by} (decision {d.id})")
    return 0


def cmd_log(a: argparse.Namespace) -> int:
    """Print the decision journal, as a table or as JSON."""
    from workbench.title import Title, journal

    with Title.open(a.dir, "ro") as title:
        entries = journal(title, title.shot(a.shot) if a.shot else None)
        if a.json:
            print(json.dumps([e.to_dict() for e in entries], indent=2))
            return 0
        for e in entries:
            note = f"  \"{e.note}\"" if e.note else ""
            strength = "-" if e.strength is None else f"{e.strength:g}"  # a reject has none
            print(f"{e.seq:4d} {e.decided_at} {e.decided_by:10s} {e.verdict:7s} "
                  f"{e.shot:32s} strength {strength:<5s} {e.model_version}{note}")
        if not entries:
            print("no decisions yet")
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    """One line per shot: scene, day, frames, status, anchor, latest proposal."""
    from workbench.title import Title, latest_decision, latest_proposal, shot_status

    with Title.open(a.dir, "ro") as title:
        anchors = {s.anchor_shot_id for s in title.scenes()}
        for shot in title.shots():
            p = latest_proposal(title, shot)
            d = latest_decision(title, shot)
            mark = "anchor" if shot.id in anchors else ""
            pid = f"p{p.id}" if p else ""
            # A newer proposal than the one decided on: say so, the decision still stands.
            newer = (f" (decided p{d.proposal_id}; p{p.id} is newer)"
                     if p and d and d.proposal_id != p.id else "")
            print(f"{shot.name:32s} {shot.scene:24s} {shot.clip.day or '-':12s} "
                  f"{shot.frame_count:5d} fr  {shot_status(title, shot):9s} {mark:6s} {pid:5s} "
                  f"{p.summary if p else ''}{newer}")
    return 0


def cmd_relink(a: argparse.Namespace) -> int:
    """Point a clip at its media's new place; the content must be the same."""
    from workbench.title import Title

    with Title.open(a.dir) as title:
        clip = title.relink(title.clip(a.clip), a.path)
        print(f"clip {clip.name} now reads {clip.path} (content unchanged)")
    return 0
