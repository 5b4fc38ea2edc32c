"""``workbench match``: bring a shot (still or movie) to a reference shot, as a parametric grade.

The grade is fitted once on frames sampled across the shot (no flicker), written as a CDL plus
a 3D LUT in ACEScct (see :mod:`workbench.model.matching`) and applied to every frame.
Encodings: EXR is scene-linear ACEScg, PNG/TIFF/JPEG are sRGB, movies are Rec.709 (BT.1886).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench.commands import AddCommand
from workbench.commands.files import file_encoding, still_writer

__all__ = ["cmd_match", "register"]

ANALYSIS_FRAMES = 8     # frames sampled across a movie to fit its one grade
ANALYSIS_WIDTH = 640    # analysis width in pixels (the grade is global: size does not matter)


def register(add: AddCommand) -> None:
    """Add ``workbench match``."""
    sp = add("match", cmd_match, "bring a shot (still or movie) to a reference shot's colour")
    sp.formatter_class = argparse.RawDescriptionHelpFormatter
    sp.description = (
        "Match a shot to a reference (a scene's anchor) with a parametric grade: an ASC CDL\n"
        "plus a 33^3 LUT in ACEScct, fitted once on frames sampled across the shot.\n\n"
        "Encodings: EXR = scene-linear ACEScg; PNG/TIFF/JPEG = sRGB; movies = Rec.709.\n"
        "A movie shot is written as ProRes 422 HQ (.mov); a still shot as a still.\n"
        "Without --method, auto: the learned matcher with --title-model, else von-kries\n"
        "(the most accurate classical method on changes of light).\n"
        "A one-line summary goes to stderr.")
    sp.add_argument("--reference", type=Path, required=True, metavar="REF",
                    help="the reference shot: still or movie")
    sp.add_argument("--shot", type=Path, required=True, metavar="SHOT",
                    help="the shot to match: still or movie (never written to)")
    sp.add_argument("--out", type=Path, required=True, metavar="OUT",
                    help="matched shot: a still for a still, a .mov for a movie")
    sp.add_argument("--method", default="auto",
                    help="auto (default), title, von-kries, mkl, reinhard, histogram, mean-std, "
                         "or any registered match method")
    sp.add_argument("--cdl", type=Path, metavar="OUT.cc",
                    help="also write the grade's CDL as an ASC .cc, and beside it OUT.cube "
                         "(ACEScct) holding the rest of the match")
    sp.add_argument("--title-model", type=Path, metavar="DIR",
                    help="trained title directory (a title with models/current): its learned "
                         "matcher is what --method title and auto use")
    sp.add_argument("--strength", type=float, default=1.0, metavar="S",
                    help="0..1: 0 gives the shot back unchanged (default 1)")


def _kind(path: Path, role: str) -> str:
    from workbench.errors import MediaError
    from workbench.io.formats import MOVIE_SUFFIXES, STILL_SUFFIXES, format_of

    fmt = format_of(path)
    if fmt is not None:
        return fmt.kind
    raise MediaError(f"{path}: {role} must be a still ({', '.join(STILL_SUFFIXES)}) or a movie "
                     f"({', '.join(MOVIE_SUFFIXES)}), got {path.suffix or 'no suffix'!r}")


def _writes_movies(path: Path) -> bool:
    from workbench.io.formats import format_of

    fmt = format_of(path)
    return fmt is not None and fmt.kind == "movie" and fmt.writer is not None


def _analysis(rgb: Any, encoding: str) -> Any:
    """``(H, W, 3)`` float array in ``encoding`` → ``(1, 3, h, w)`` ACEScg, at most 640 wide."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    from workbench.color import convert

    img = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1)[None]
    img = convert(img.contiguous(), encoding, "ACEScg")
    w = img.shape[-1]
    if w > ANALYSIS_WIDTH:
        h = max(1, round(img.shape[-2] * ANALYSIS_WIDTH / w))
        img = F.interpolate(img, size=(h, ANALYSIS_WIDTH), mode="area")
    return img


def _read_still(path: Path) -> tuple[Any, Any]:
    """The still's pixels as stored and its analysis frames ``(1, 3, h, w)`` ACEScg."""
    from workbench.errors import MediaError
    from workbench.io import read_image

    if not path.is_file():
        raise MediaError(f"{path}: does not exist")
    rgb, _ = read_image(path)
    return rgb, _analysis(rgb, file_encoding(path))


def _movie_samples(path: Path) -> tuple[Any, Any]:
    """``(MovieInfo, (N, 3, h, w) ACEScg)``: frames sampled evenly across the movie."""
    import numpy as np
    import torch

    from workbench.errors import MediaError
    from workbench.io import probe_movie, read_movie_frames
    from workbench.model.matching.temporal import sample_frame_indices

    if not path.is_file():
        raise MediaError(f"{path}: does not exist")
    info = probe_movie(path)
    wanted = set(sample_frame_indices(info.frame_count, ANALYSIS_FRAMES))
    frames = []
    for index, rgb in read_movie_frames(path, max_width=ANALYSIS_WIDTH):
        if index in wanted:
            frames.append(_analysis(rgb.astype(np.float32) / 255.0, "Rec.709"))
        if wanted and index >= max(wanted):
            break
    if not frames:
        raise MediaError(f"{path}: no frames could be read")
    return info, torch.cat(frames)


def _load_title_model(directory: Path | None) -> Any:
    """The learned matcher of the title at ``directory``, or ``None`` without one."""
    from workbench.errors import ParameterError
    from workbench.model.title_model import as_matcher

    if directory is None:
        return None
    if not directory.is_dir():
        raise ParameterError(f"{directory}: --title-model must be a trained title model "
                             "directory (from `workbench train`)")
    return as_matcher(directory)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def cmd_match(a: argparse.Namespace) -> int:
    """Run ``workbench match``."""
    import numpy as np
    import torch
    from tqdm.auto import tqdm

    from workbench.color import convert
    from workbench.errors import MediaError, ParameterError
    from workbench.io.formats import writable_suffixes
    from workbench.model.matching import match_frames, resolve_method

    if not 0.0 <= a.strength <= 1.0:
        raise ParameterError(f"--strength must be in [0, 1], got {a.strength:g}")
    shot_kind, ref_kind = _kind(a.shot, "--shot"), _kind(a.reference, "--reference")
    out_kind = _kind(a.out, "--out")
    for source in (a.shot, a.reference):
        written = [a.out] + ([a.cdl, a.cdl.with_suffix(".cube")] if a.cdl is not None else [])
        if any(_same_file(w, source) for w in written):
            raise ParameterError(f"{source}: an output would overwrite a source; sources are "
                                 "never written to")
    if shot_kind == "movie" and (out_kind != "movie" or not _writes_movies(a.out)):
        raise ParameterError(f"{a.out}: a movie shot is written as ProRes to a .mov file")
    if shot_kind == "still" and out_kind != "still":
        raise ParameterError(f"{a.out}: a still shot is written as a still "
                             f"({', '.join(writable_suffixes('still'))})")
    if a.cdl is not None and a.cdl.suffix.lower() != ".cc":
        raise ParameterError(f"{a.cdl}: --cdl writes an ASC .cc file")
    title_model = _load_title_model(a.title_model)
    resolve_method(a.method, title_model)  # a bad name fails before any frame is read

    ref_frames = (_movie_samples(a.reference)[1] if ref_kind == "movie"
                  else _read_still(a.reference)[1])
    if shot_kind == "movie":
        info, shot_frames = _movie_samples(a.shot)
        still = None
    else:
        still, shot_frames = _read_still(a.shot)
    grade = match_frames(shot_frames, ref_frames, a.method, title_model=title_model,
                         strength=a.strength, reference_name=a.reference.name)

    def graded(rgb: Any, encoding: str, where: str) -> Any:
        img = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1)
        lin = convert(img[None].contiguous(), encoding, "ACEScg")
        out = convert(grade.apply(lin), "ACEScg", encoding)[0].permute(1, 2, 0).numpy()
        if not np.isfinite(out).all():
            raise MediaError(f"{where}: the match gives NaN/Inf in "
                             f"{int((~np.isfinite(out)).any(axis=-1).sum())} pixel(s)")
        return out

    a.out.parent.mkdir(parents=True, exist_ok=True)
    if shot_kind == "movie":
        from workbench.io import read_movie_frames, write_prores

        # Float, unclipped: a grade that darkens brings the super-whites back into range.
        frames = tqdm(read_movie_frames(a.shot, depth=32), total=info.frame_count,
                      desc="match", unit="frame", disable=getattr(a, "quiet", False))
        count = write_prores(a.out, (graded(f, "Rec.709", f"{a.shot.name} frame {i}")
                                     for i, f in frames),
                             info.fps, timecode=info.timecode)
    else:

        encoding_in, encoding_out = file_encoding(a.shot), file_encoding(a.out)
        out = graded(still, encoding_in, a.shot.name)
        if encoding_out != encoding_in:
            from workbench.color import convert_array
            out = convert_array(out, encoding_in, encoding_out)
        still_writer(a.out, half=True)(a.out, out)
        count = 1
    if a.cdl is not None:
        from workbench.interchange import write_cube

        grade.write_cdl(a.cdl)
        write_cube(a.cdl.with_suffix(".cube"), grade.lut)
    print(f"workbench match: {a.shot.name} -> {a.out} ({count} frame(s)); {grade.summary}; "
          f"strength {grade.strength:g}", file=sys.stderr)
    return 0
