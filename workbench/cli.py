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

from workbench.commands.files import Frame, file_encoding, still_writer, write_still
from workbench.commands.grades import CDL_SUFFIXES, GradeFn

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
        proposals = propose(title, progress=not a.quiet, method=a.method)
        versions = sorted({p.model_version for p in proposals})
        _say(f"propose: {len(proposals)} proposal(s) by {'; '.join(versions)}")
        for p in proposals:
            print(f"{p.shot:32s} strength {p.strength:<4g} confidence {p.confidence:.2f}  "
                  f"{p.summary}")
    return 0


def cmd_decide(a: argparse.Namespace) -> int:
    from workbench.title import Title, decide

    with Title.open(a.dir) as title:
        d = decide(title, title.shot(a.shot), a.verdict, strength=a.strength, note=a.note or "",
                   by=a.by, proposal_id=a.proposal)
        at = "" if d.strength is None else f" at strength {d.strength:g}"  # a reject has none
        print(f"{d.verdict} {d.shot}{at} by {d.decided_by} (decision {d.id})")
    return 0


def cmd_log(a: argparse.Namespace) -> int:
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


def cmd_render(a: argparse.Namespace) -> int:
    from workbench.render import render
    from workbench.title import Title

    with Title.open(a.dir, "auto") as title:  # a read-only title renders, unrecorded
        delivered = render(title, a.out, a.format, a.shot, progress=not a.quiet)
        frames = sum(d.frames for d in delivered)
        print(f"rendered {len(delivered)} shot(s), {frames} frame(s) as {a.format} into {a.out}")
    return 0


def cmd_export(a: argparse.Namespace) -> int:
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


def cmd_demo(a: argparse.Namespace) -> int:
    from workbench.demo import run_demo

    started = time.perf_counter()
    summary = run_demo(Path(a.out), progress=not a.quiet)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(_demo_summary(summary))
    return 0


# -- apply ----------------------------------------------------------------------------------

_CDL_SUFFIXES = CDL_SUFFIXES
_STILL_SUFFIXES = (".exr", ".png", ".tif", ".tiff", ".jpg", ".jpeg", ".dpx")


def _is_pattern(path: Path) -> bool:
    from workbench.io import is_pattern

    return is_pattern(path)


def _frame_path(pattern: Path, number: int) -> Path:
    """``shot.####.exr`` / ``shot.%04d.exr`` with ``number`` filled in."""
    import re

    name = pattern.name
    m = re.search(r"#+", name)
    if m:
        filled = name[:m.start()] + f"{number:0{len(m.group(0))}d}" + name[m.end():]
    else:
        filled = re.sub(r"%0?\d*d", lambda p: p.group(0) % number, name, count=1)
    return pattern.with_name(filled)


def _load_grade(path: Path, cc_id: str | None, strength: float) -> tuple[GradeFn, str]:
    """Read a grade file into a function on ``(B, 3, H, W)`` tensors, and a description.

    See :func:`workbench.commands.grades.load_grade` for the formats.
    """
    from workbench.commands.grades import load_grade

    return load_grade(path, cc_id, strength)


def cmd_apply(a: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from tqdm.auto import tqdm

    from workbench.color import convert_array, resolve_space
    from workbench.errors import MediaError, ParameterError, WorkbenchError
    from workbench.io import MOVIE_SUFFIXES

    src, dst, grade_path = Path(a.src), Path(a.dst), Path(a.grade)
    if not 0.0 <= a.strength <= 1.0:
        raise ParameterError(f"--strength must be in [0, 1], got {a.strength:g}")
    if a.colorspace is not None:
        resolve_space(a.colorspace)
    movie = src.suffix.lower() in MOVIE_SUFFIXES and not _is_pattern(src)
    sequence = not movie and (src.is_dir() or _is_pattern(src))
    if (movie or not sequence) and not src.is_file():
        raise MediaError(f"{src}: does not exist")
    if src.resolve() == dst.resolve():
        raise ParameterError(f"{dst}: --out is --in; sources are never overwritten")
    grade, what = _load_grade(grade_path, a.id, a.strength)
    src_enc = file_encoding(src)  # a folder or pattern: what its frames are
    space = a.colorspace
    did = (f"{what} at strength {a.strength:g}, "
           + (f"graded in {space}" if space else "on the values as stored"))

    def process(rgb: Frame, where: str, dst_enc: str) -> Frame:
        try:
            if a.strength > 0.0:
                x = rgb if space is None else convert_array(rgb, src_enc, space)
                img = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
                y = grade(img.permute(2, 0, 1)[None].contiguous(), space or src_enc)
                rgb = y[0].permute(1, 2, 0).contiguous().numpy()
                if space is not None:
                    rgb = convert_array(rgb, space, src_enc)
            if dst_enc != src_enc:
                rgb = convert_array(rgb, src_enc, dst_enc)
            if not np.isfinite(rgb).all():
                raise MediaError(f"the grade gives NaN/Inf in "
                                 f"{int((~np.isfinite(rgb)).any(axis=-1).sum())} pixel(s)")
        except WorkbenchError as exc:
            raise type(exc)(f"{where}: {exc}") from None
        return rgb

    if movie:
        from workbench.io import probe_movie, read_movie_frames, write_prores

        movie_info = probe_movie(src)
        # Float and unclipped: video-range super-whites and sub-blacks reach an EXR as they are.
        frames = read_movie_frames(src, depth=32)
        bar = tqdm(frames, total=movie_info.frame_count, desc="apply", unit="frame",
                   disable=a.quiet)
        if dst.suffix.lower() == ".mov" and not _is_pattern(dst):
            dst.parent.mkdir(parents=True, exist_ok=True)
            graded = (process(f, f"{src.name} frame {i}", "Rec.709") for i, f in bar)
            count = write_prores(dst, graded, movie_info.fps, timecode=movie_info.timecode)
        elif _is_pattern(dst):
            writer = still_writer(dst, half=True)
            dst.parent.mkdir(parents=True, exist_ok=True)
            count = 0
            for i, f in bar:
                writer(_frame_path(dst, i), process(f, f"{src.name} frame {i}",
                                                    file_encoding(dst)))
                count += 1
        else:
            raise ParameterError(f"{dst}: a movie is written to a .mov (ProRes 422 HQ) or an "
                                 f"image sequence pattern such as shot.####.exr")
        print(f"applied {what} to {count} frame(s) of {src.name}: {dst}")
        return 0

    from workbench.io import (
        EXR_CHROMATICITIES,
        HeaderAttribute,
        carried_attributes,
        list_sequence,
        read_image,
    )

    if sequence:
        frames_in = list_sequence(src)
        if _is_pattern(dst):
            outputs = [_frame_path(dst, n) for n, _ in frames_in]
        elif dst.suffix and not dst.is_dir():
            raise ParameterError(f"{dst}: an image sequence is written to a folder or a pattern "
                                 f"such as shot.####.exr")
        else:
            outputs = [dst / p.name for _, p in frames_in]
    else:
        if _is_pattern(dst):
            raise ParameterError(f"{dst}: a still is written to a file or a folder, "
                                 f"not a sequence pattern")
        frames_in = [(0, src)]
        outputs = [dst / src.name if dst.is_dir() else dst]
    clash = {p.resolve() for _, p in frames_in} & {o.resolve() for o in outputs}
    if clash:
        raise ParameterError(f"{sorted(clash)[0]}: --out would overwrite a source frame")
    still_writer(outputs[0], half=True)  # refuses an unwritable suffix before any work
    outputs[0].parent.mkdir(parents=True, exist_ok=True)
    pairs = list(zip(frames_in, outputs, strict=True))
    for (n, path), out in tqdm(pairs, desc="apply", unit="frame", disable=a.quiet):
        rgb, info = read_image(path)
        where = f"{path.name} frame {n}" if sequence else path.name
        dst_enc = file_encoding(out)
        graded = process(rgb, where, dst_enc)
        # The source's header travels (timecode, rate, owner, ...); what says which colours the
        # values mean travels only while the values stay in the source's encoding.
        carry = carried_attributes(info, colour=dst_enc == src_enc)
        if dst_enc != src_enc and dst_enc in EXR_CHROMATICITIES:
            carry += (HeaderAttribute("chromaticities", "float[8]", EXR_CHROMATICITIES[dst_enc]),)
        write_still(out, graded, half=info.format != "float", carry=carry,
                    metadata={"workbench:colorspace": dst_enc, "workbench:source": path.name,
                              "workbench:apply": did})
    target = dst if sequence else outputs[0]
    print(f"applied {what} to {len(pairs)} frame(s): {target}")
    return 0


def _demo_summary(s: dict[str, Any]) -> str:
    return "\n".join([
        f"workbench demo: {s['title']} in {s['seconds']} s",
        f"  shots      {s['shots']} in {s['scenes']} scene(s) from {s['clips']} clip(s)",
        f"  decisions  {s['decisions']} journaled (accepted by 'demo')",
        f"  renders    {s['rendered_shots']} shot(s), {s['frames']} EXR frame(s) "
        f"in {s['out']}/renders",
        f"  grades     {s['grades']} ASC CDL file(s) in {s['out']}/grades",
        f"  looks      {s['out']}/looks.ocio (one OCIO look per shot)",
        f"  timeline   {s['out']}/timeline.otio; EDL {', '.join(s['edls'])}",
        f"  report     {s['out']}/report.html",
    ])


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


def cmd_relink(a: argparse.Namespace) -> int:
    from workbench.title import Title

    with Title.open(a.dir) as title:
        clip = title.relink(title.clip(a.clip), a.path)
        print(f"clip {clip.name} now reads {clip.path} (content unchanged)")
    return 0


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

    sp = add("render", cmd_render, "render accepted shots (and only those)")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--format", choices=["exr", "png", "prores"], default="exr")
    sp.add_argument("--shot", action="append", help="only this shot (repeatable)")

    sp = add("relink", cmd_relink, "point a clip at its media's new place (same content)")
    sp.add_argument("dir", type=Path)
    sp.add_argument("clip")
    sp.add_argument("path", type=Path)

    sp = add("export", cmd_export,
             "write grades (.cc), looks.ocio, timeline.otio/.edl and report.html of renders")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--out", type=Path, required=True)

    sp = add("apply", cmd_apply,
             "apply a grade file (CDL, .cube or pipeline JSON) to a still, sequence or movie")
    sp.formatter_class = argparse.RawDescriptionHelpFormatter
    sp.description = (
        "Apply a grade file to a still, an image sequence or a movie.\n\n"
        "By default the grade applies to the file's values as they are, as OpenColorIO's\n"
        "FileTransform would (no colour conversion). --colorspace names the space the grade\n"
        "expects (e.g. ACEScct for an ACES CDL): pixels are converted from the source's\n"
        "encoding into it and back. A pipeline .json always runs colour-managed, in\n"
        "--colorspace or else the source's encoding. Encodings assumed: EXR = scene-linear\n"
        "ACEScg (written unclamped), PNG/TIFF/JPEG/DPX = sRGB, movies = Rec.709 (BT.1886).\n"
        "The output is re-encoded when its kind differs (a PNG from an EXR is sRGB).\n\n"
        "SRC/DST: still -> still; sequence (shot.####.exr or a folder) -> a pattern or a\n"
        "folder; movie -> ProRes 422 HQ .mov, or a pattern (numbered from frame 0).")
    sp.add_argument("--grade", type=Path, required=True, metavar="FILE",
                    help=".cc/.ccc/.cdl (ASC CDL), .cube, any LUT file OpenColorIO reads "
                         "(.clf, .ctf, .3dl, .spi1d, .spi3d, .spimtx, .csp, .cub, ...) or "
                         "pipeline .json")
    sp.add_argument("--in", dest="src", type=Path, required=True, metavar="SRC",
                    help="still, sequence pattern/folder, or movie")
    sp.add_argument("--out", dest="dst", type=Path, required=True, metavar="DST",
                    help="where to write; never the same as SRC")
    sp.add_argument("--strength", type=float, default=1.0, metavar="S",
                    help="0..1: 0 gives the input back; CDL numbers and operator strengths "
                         "scale toward the identity, a LUT blends with its input (default 1)")
    sp.add_argument("--colorspace", metavar="NAME",
                    help="the space the grade expects, e.g. ACEScct (default: none, values as "
                         "they are)")
    sp.add_argument("--id", metavar="ID",
                    help="which correction of a .ccc/.cdl (default: the first)")

    sp = add("demo", cmd_demo, "run the whole path on the bundled sample title")
    sp.add_argument("--out", type=Path, default=Path("demo-out"))

    from workbench.commands import register_all

    register_all(add)
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
