"""``workbench composite|integrate|comp``: background replacement and VFX integration.

Stills, and for ``composite`` also a plate sequence (one fit for the shot, every frame).

Without ``--title`` the result is written to ``--out`` at once. With ``--title`` the fit is
journaled as a proposal (sources hashed) and nothing is written: ``workbench comp decide``
accepts, adjusts or rejects it, and ``workbench comp render`` renders only accepted ones.
Every input is read and checked before anything is computed, so a bad input (a missing file,
mismatched sizes, a matte of more than one channel, an element without alpha and no matte,
NaN) is an error naming the file, and nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.commands import AddCommand

__all__ = ["cmd_comp_decide", "cmd_comp_list", "cmd_comp_render", "cmd_composite",
           "cmd_integrate", "register"]

_ENCODINGS = ("Encodings: EXR = scene-linear ACEScg (an RGBA EXR is premultiplied), PNG/TIFF/"
              "JPEG = sRGB, movies Rec.709; mattes are one channel (16-bit grey PNG, or EXR "
              "A/Y), coverage in [0, 1]. All maths in linear ACEScg.")


def register(add: AddCommand) -> None:
    """Add ``composite``, ``integrate`` and ``comp {list,decide,render}``."""
    sp = add("composite", cmd_composite,
             "put a plate's foreground over a new background (matched to the plate)")
    sp.description = ("Replace the background of --fg: the foreground (by --matte) over --bg, "
                      "the background blurred to the plate's depth of field and matched to "
                      "its light, edges decontaminated, light wrap. PLATE may be a sequence "
                      "(plate.####.exr or a folder): then OUT is a pattern, MATTE and "
                      "BACKGROUND a still or a sequence of as many frames (BACKGROUND also a "
                      "movie, read from its first frame on), and one fit (on the first frame) "
                      "serves the shot. " + _ENCODINGS)
    sp.add_argument("--fg", type=Path, required=True, metavar="PLATE")
    sp.add_argument("--matte", type=Path, required=True, metavar="MATTE")
    sp.add_argument("--bg", type=Path, required=True, metavar="BACKGROUND")
    sp.add_argument("--out", type=Path, required=True, metavar="OUT")
    sp.add_argument("--title", type=Path, metavar="TITLE_DIR",
                    help="journal a proposal in this title instead of writing OUT now")
    sp.add_argument("--strength", type=float, default=1.0, help="0 = the plate, 1 = composite")
    sp.add_argument("--match", default="auto",
                    help="shot-match method for the background's light, or 'none'")
    sp.add_argument("--no-defocus", action="store_true", help="keep the background sharp")
    sp.add_argument("--no-decontaminate", action="store_true",
                    help="keep soft edges' colour as filmed")
    sp.add_argument("--light-wrap", type=float, default=0.1, metavar="A",
                    help="light wrap amount in [0, 1] (default 0.1)")
    sp.add_argument("--light-wrap-radius", type=float, default=8.0, metavar="PX")
    sp.add_argument("--matte-model", default="file", metavar="LABEL",
                    help="where the matte came from, for the journal (default: file)")

    sp = add("integrate", cmd_integrate,
             "match a VFX element to a plate (colour, softness, grain, lens) and composite it")
    sp.description = ("Make --element sit in --plate: colour and levels by shot match inside "
                      "its matte, blur or sharpening, the plate's vignette and distortion, "
                      "grain per luminance band; then over the plate. Prints element-vs-plate "
                      "statistics before and after. " + _ENCODINGS)
    sp.add_argument("--element", type=Path, required=True, metavar="EL")
    sp.add_argument("--plate", type=Path, required=True, metavar="PLATE")
    sp.add_argument("--out", type=Path, required=True, metavar="OUT")
    sp.add_argument("--matte", type=Path, metavar="M",
                    help="the element's matte (default: its alpha channel)")
    sp.add_argument("--title", type=Path, metavar="TITLE_DIR",
                    help="journal a proposal in this title instead of writing OUT now")
    sp.add_argument("--strength", type=float, default=1.0, help="0 = the plate")
    sp.add_argument("--match", default="auto", help="shot-match method, or 'none'")
    sp.add_argument("--no-grain", action="store_true")
    sp.add_argument("--no-sharpness", action="store_true")
    sp.add_argument("--vignette", type=float, default=0.0, metavar="STOPS",
                    help="the plate's vignette, stops in the corners (e.g. -0.5)")
    sp.add_argument("--k1", type=float, default=0.0, help="the plate's radial distortion k1")
    sp.add_argument("--k2", type=float, default=0.0, help="the plate's radial distortion k2")
    sp.add_argument("--seed", type=int, default=0, help="grain seed")
    sp.add_argument("--matte-model", default="file", metavar="LABEL")

    comp = add("comp", _help_of(None), "list, decide and render a title's composites and "
               "integrations")
    comp.set_defaults(fn=_help_of(comp))
    sub = comp.add_subparsers(dest="comp_command", metavar="{list,decide,render}")
    lp = sub.add_parser("list", help="every proposal with its status")
    lp.add_argument("dir", type=Path, metavar="TITLE_DIR")
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(fn=cmd_comp_list)
    dp = sub.add_parser("decide", help="accept, adjust or reject a proposal")
    dp.add_argument("dir", type=Path, metavar="TITLE_DIR")
    dp.add_argument("id", type=int)
    dp.add_argument("verdict", choices=["accept", "adjust", "reject"])
    dp.add_argument("--strength", type=float)
    dp.add_argument("--note", default="")
    dp.set_defaults(fn=cmd_comp_decide)
    rp = sub.add_parser("render", help="render accepted proposals (all, or those named)")
    rp.add_argument("dir", type=Path, metavar="TITLE_DIR")
    rp.add_argument("id", type=int, nargs="*")
    rp.set_defaults(fn=cmd_comp_render)


def _help_of(parser: argparse.ArgumentParser | None) -> Callable[[argparse.Namespace], int]:
    """``workbench comp`` alone: its help on stderr, exit 2."""
    def show(_: argparse.Namespace) -> int:
        if parser is not None:
            parser.print_help(sys.stderr)
        return 2
    return show


def _match(name: str) -> str | None:
    return None if name.lower() == "none" else name


def _check_out(out: Path, sources: list[Path]) -> None:
    from workbench.errors import ParameterError

    if any(out.absolute() == s.absolute() for s in sources):
        raise ParameterError(f"{out.name}: --out may not be one of the sources")


def cmd_composite(a: argparse.Namespace) -> int:
    """Background replacement, written now or proposed to a title."""
    from workbench.matte.comp_files import write_result
    from workbench.matte.proposals import (
        CompositeOptions,
        load_composite,
        propose_composite,
        run_composite,
    )

    _check_out(a.out, [a.fg, a.matte, a.bg])
    options = CompositeOptions(a.strength, _match(a.match), not a.no_defocus,
                               not a.no_decontaminate, a.light_wrap, a.light_wrap_radius)
    _check_strength(a.strength)
    if _is_sequence(a.fg):
        return _composite_sequence(a, options)
    inputs = load_composite(a.fg, a.matte, a.bg)
    if a.title is not None:
        from workbench.title import Title

        with Title.open(a.title) as title:
            p = propose_composite(title, inputs, options, a.out, a.matte_model)
        print(f"proposed composite {p.id}: {p.summary}\n"
              f"nothing rendered; accept with `workbench comp decide {a.title} {p.id} accept`, "
              f"then `workbench comp render {a.title} {p.id}`")
        return 0
    result = run_composite(inputs, options)
    write_result(a.out, result.image, metadata={"workbench:composite": result.fit.summary()})
    print(f"composited {a.fg.name} over {a.bg.name}: {result.fit.summary()}: {a.out}")
    return 0


def _is_sequence(path: Path) -> bool:
    from workbench.io import is_pattern

    return path.is_dir() or is_pattern(path)


def _frame_path(pattern: Path, number: int) -> Path:
    """``comp.####.exr`` / ``comp.%04d.exr`` with ``number`` filled in."""
    import re

    name = pattern.name
    m = re.search(r"#+", name)
    if m:
        return pattern.with_name(name[:m.start()] + f"{number:0{len(m.group(0))}d}"
                                 + name[m.end():])
    return pattern.with_name(re.sub(r"%0?\d*d", lambda p: p.group(0) % number, name, count=1))


def _composite_sequence(a: argparse.Namespace, options: Any) -> int:
    """A plate sequence over a still, sequence or movie background; the matte still or sequence.

    One fit for the shot (on its first frame, so nothing flickers), applied to every frame;
    every frame's size and the frame counts are checked before anything is written, and the
    frames, numbered as the plate's, appear only once all of them are made.
    """
    from contextlib import ExitStack

    from workbench.errors import ParameterError
    from workbench.io import is_pattern, list_sequence
    from workbench.io.atomic import atomic_path
    from workbench.matte.comp_files import check_sizes, write_result
    from workbench.matte.proposals import load_composite, run_composite

    if a.title is not None:
        raise ParameterError(f"{a.fg.name}: --title journals stills; propose a sequence's "
                             f"composite frame by frame, or render it without --title")
    if not is_pattern(a.out):
        raise ParameterError(f"{a.out.name}: a sequence's composite needs an output pattern "
                             f"such as comp.####.exr")
    plates = list_sequence(a.fg)

    def frames_of(path: Path, what: str) -> list[Path]:
        if not _is_sequence(path):
            return [path] * len(plates)
        found = [p for _, p in list_sequence(path)]
        if len(found) != len(plates):
            raise ParameterError(f"{path.name}: {len(found)} {what} frames for {len(plates)} "
                                 f"plate frames")
        return found

    mattes = frames_of(a.matte, "matte")
    movie = _movie_size(a.bg, len(plates))
    files = [] if movie else frames_of(a.bg, "background")
    sizes = {p.name: _size(p) for p in
             [*(p for _, p in plates), *dict.fromkeys(mattes), *dict.fromkeys(files)]}
    check_sizes(sizes | ({a.bg.name: movie} if movie else {}))
    backgrounds: Iterable[Any] = _movie_frames(a.bg, len(plates)) if movie else files
    targets = [_frame_path(a.out, n) for n, _ in plates]
    if any(t.absolute() in {p.absolute() for _, p in plates} for t in targets):
        raise ParameterError(f"{a.out.name}: would overwrite a plate frame")
    fit = None
    # Frames go to temporaries renamed only once every frame is made: a bad frame late in
    # the shot (NaN, truncated) leaves no frame of this run and earlier renders as they were.
    with ExitStack() as pending:
        for (number, plate), matte, bg, target in zip(plates, mattes, backgrounds, targets,
                                                       strict=True):
            result = run_composite(load_composite(plate, matte, bg), options, fit)
            fit = result.fit
            write_result(pending.enter_context(atomic_path(target)), result.image,
                         metadata={"workbench:composite": fit.summary(),
                                   "workbench:frame": str(number)})
    assert fit is not None
    print(f"composited {len(plates)} frame(s) of {a.fg.name} over {a.bg.name}: "
          f"{fit.summary()}: {a.out}")
    return 0


def _movie_size(path: Path, frames: int) -> tuple[int, int] | None:
    """``(width, height)`` of a movie background holding ``frames`` frames; ``None``: no movie."""
    from workbench.errors import ParameterError
    from workbench.io import format_of, probe_movie

    fmt = format_of(path)
    if fmt is None or fmt.kind != "movie":
        return None
    info = probe_movie(path)
    if info.frame_count < frames:
        raise ParameterError(f"{path.name}: {info.frame_count} background frames for {frames} "
                             f"plate frames")
    return info.width, info.height


def _movie_frames(path: Path, frames: int) -> Iterator[Any]:
    """The first ``frames`` frames of a movie as stills in linear ACEScg, decoded in turn."""
    import numpy as np
    import torch

    from workbench.color.convert import convert_array
    from workbench.io import default_encoding, read_movie_frames
    from workbench.matte.comp_files import Still

    encoding = default_encoding(path)
    for _, rgb in read_movie_frames(path, 0, frames, depth=32):
        linear = convert_array(np.ascontiguousarray(rgb), encoding, "ACEScg")
        yield Still(path, torch.from_numpy(linear).permute(2, 0, 1)[None].contiguous(), None,
                    encoding)


def _size(path: Path) -> tuple[int, int]:
    """``(width, height)`` from the file's header; a missing file is named."""
    import OpenImageIO as oiio

    from workbench.errors import MediaError

    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        raise MediaError(f"{path.name}: missing or unreadable image")
    try:
        return int(inp.spec().width), int(inp.spec().height)
    finally:
        inp.close()


def _check_strength(strength: float) -> None:
    from workbench.errors import ParameterError

    if not 0.0 <= strength <= 1.0:
        raise ParameterError(f"--strength must be in [0, 1], got {strength:g}")


def cmd_integrate(a: argparse.Namespace) -> int:
    """VFX integration, written now or proposed to a title; statistics printed."""
    from workbench.matte.comp_files import write_result
    from workbench.matte.proposals import (
        IntegrationOptions,
        load_integration,
        propose_integration,
        run_integration,
    )

    _check_out(a.out, [p for p in (a.element, a.plate, a.matte) if p is not None])
    _check_strength(a.strength)
    options = IntegrationOptions(a.strength, _match(a.match), not a.no_sharpness,
                                 not a.no_grain, a.vignette, (a.k1, a.k2), a.seed)
    inputs = load_integration(a.element, a.plate, a.matte)
    if a.title is not None:
        from workbench.title import Title

        with Title.open(a.title) as title:
            p, result = propose_integration(title, inputs, options, a.out, a.matte_model)
        if result.report is not None:
            print(result.report.summary())
        print(f"proposed integration {p.id}: {p.summary}\n"
              f"nothing rendered; accept with `workbench comp decide {a.title} {p.id} accept`, "
              f"then `workbench comp render {a.title} {p.id}`")
        return 0
    result = run_integration(inputs, options)
    write_result(a.out, result.image, metadata={"workbench:integrate": result.fit.summary()})
    if result.report is not None:
        print(result.report.summary())
    print(f"integrated {a.element.name} into {a.plate.name}: {result.fit.summary()}: {a.out}")
    return 0


def cmd_comp_list(a: argparse.Namespace) -> int:
    """Print each proposal: id, kind, status, strength, output and summary."""
    from workbench.title import Title
    from workbench.title.composites import comp_proposals, comp_status, latest_comp_decision

    with Title.open(a.dir, "ro") as title:
        rows: list[dict[str, Any]] = []
        for p in comp_proposals(title):
            d = latest_comp_decision(title, p.id)
            rows.append(p.to_dict() | {"status": comp_status(title, p.id),
                                       "decision": None if d is None else d.to_dict()})
    if a.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(f"{r['id']:>4}  {r['kind']:<9}  {r['status']:<8}  {r['strength']:.2f}  "
              f"{Path(r['output']).name}  {r['summary']}")
    if not rows:
        print("no composites or integrations proposed")
    return 0


def cmd_comp_decide(a: argparse.Namespace) -> int:
    """Journal a verdict on a composite or integration proposal."""
    from workbench.title import Title
    from workbench.title.composites import decide_comp

    with Title.open(a.dir) as title:
        d = decide_comp(title, a.id, a.verdict, strength=a.strength, note=a.note)
    strength = "" if d.strength is None else f" at strength {d.strength:g}"
    print(f"{a.verdict} proposal {a.id}{strength} by {d.decided_by} (decision {d.id})")
    return 0


def cmd_comp_render(a: argparse.Namespace) -> int:
    """Render accepted proposals: the ids given, else every accepted one."""
    from workbench.matte.proposals import render_comp
    from workbench.title import Title
    from workbench.title.composites import accepted_comps

    with Title.open(a.dir, "auto") as title:
        ids = a.id or [p.id for p, _ in accepted_comps(title)]
        for pid in ids:
            path = render_comp(title, pid)
            print(f"rendered proposal {pid}: {path}")
    if not ids:
        print("nothing accepted to render")
    return 0
