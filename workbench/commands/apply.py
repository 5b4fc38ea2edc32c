"""``workbench apply``: a grade file (CDL, LUT, pipeline JSON) on a still, a sequence or a movie.

The source is only read: its frames are graded and written to ``--out``, which may never be
the source or one of its frames. A frame the grade turns to NaN/Inf stops the run with an error
naming the file and frame; frames already written stay complete, and no later frame is written.

A grade OpenColorIO can express (a CDL, a ``.cube``, any LUT file OCIO reads) on a still or a
sequence runs on OCIO alone, without torch: one processor converts into ``--colorspace``,
grades and converts to the output's encoding, and a sequence's frames are read, graded and
written on a few threads (OCIO and OpenImageIO release the GIL). A pipeline ``.json``, and
any grade on a movie, runs on the workbench's torch operators.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.commands.files import Frame, file_encoding, still_writer, write_still
from workbench.commands.grades import GradeFn, OcioGrade

if TYPE_CHECKING:
    from concurrent.futures import Future

    from workbench.commands import AddCommand

__all__ = ["cmd_apply", "register"]

_DESCRIPTION = (
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


def register(add: AddCommand) -> None:
    """Add ``apply`` through ``add(name, fn, help)``."""
    sp = add("apply", cmd_apply,
             "apply a grade file (CDL, .cube or pipeline JSON) to a still, sequence or movie")
    sp.formatter_class = argparse.RawDescriptionHelpFormatter
    sp.description = _DESCRIPTION
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


@dataclass(frozen=True)
class _Job:
    """What one ``apply`` run does, checked before any frame is read."""

    src: Path
    dst: Path
    kind: str  # "movie", "sequence" or "still"
    grade: GradeFn | None  # the torch path; None when ``ocio`` runs the grade
    ocio: OcioGrade | None  # the OCIO path: (transform, blend, what)
    what: str  # the grade, as the summary line names it
    strength: float
    space: str | None  # the space the grade expects; None: the values as stored
    src_enc: str  # the source's encoding (a folder or pattern: its frames')
    quiet: bool
    processors: dict[str, Any] = field(default_factory=dict, compare=False)  # by output encoding

    @property
    def did(self) -> str:
        """What was done, for the ``workbench:apply`` note in each written header."""
        return (f"{self.what} at strength {self.strength:g}, "
                + (f"graded in {self.space}" if self.space else "on the values as stored"))


def cmd_apply(a: argparse.Namespace) -> int:
    """Grade every frame of ``--in`` into ``--out``; one summary line on stdout."""
    job = _prepare(a)
    if job.kind == "movie":
        count = _apply_movie(job)
        print(f"applied {job.what} to {count} frame(s) of {job.src.name}: {job.dst}")
        return 0
    count, target = _apply_stills(job)
    print(f"applied {job.what} to {count} frame(s): {target}")
    return 0


def _prepare(a: argparse.Namespace) -> _Job:
    """Check the arguments, the source and the grade; nothing is read beyond the grade file."""
    from workbench.color import resolve_space
    from workbench.commands.grades import load_grade, load_ocio_grade
    from workbench.errors import MediaError, ParameterError

    src, dst = Path(a.src), Path(a.dst)
    if not 0.0 <= a.strength <= 1.0:
        raise ParameterError(f"--strength must be in [0, 1], got {a.strength:g}")
    if a.colorspace is not None:
        resolve_space(a.colorspace)
    kind = _source_kind(src)
    if kind != "sequence" and not src.is_file():
        raise MediaError(f"{src}: does not exist")
    if src.resolve() == dst.resolve():
        raise ParameterError(f"{dst}: --out is --in; sources are never overwritten")
    # Movies keep the torch path: their ProRes frames stay as they were.
    ocio_grade = None if kind == "movie" else load_ocio_grade(Path(a.grade), a.id, a.strength)
    grade: GradeFn | None = None
    if ocio_grade is None:
        grade, what = load_grade(Path(a.grade), a.id, a.strength)
    else:
        what = ocio_grade[2]
    return _Job(src=src, dst=dst, kind=kind, grade=grade, ocio=ocio_grade, what=what,
                strength=a.strength, space=a.colorspace, src_enc=file_encoding(src),
                quiet=a.quiet)


def _source_kind(src: Path) -> str:
    """``"movie"``, ``"sequence"`` (a folder or a pattern) or ``"still"``."""
    from workbench.io import MOVIE_SUFFIXES, is_pattern

    if src.suffix.lower() in MOVIE_SUFFIXES and not is_pattern(src):
        return "movie"
    return "sequence" if src.is_dir() or is_pattern(src) else "still"


def _frame_path(pattern: Path, number: int) -> Path:
    """``shot.####.exr`` / ``shot.%04d.exr`` with ``number`` filled in."""
    name = pattern.name
    m = re.search(r"#+", name)
    if m:
        filled = name[:m.start()] + f"{number:0{len(m.group(0))}d}" + name[m.end():]
    else:
        filled = re.sub(r"%0?\d*d", lambda p: p.group(0) % number, name, count=1)
    return pattern.with_name(filled)


def _ocio_processor(job: _Job, dst_enc: str) -> Any:
    """The :class:`~workbench.color.ocio_grade.GradeProcessor` of ``job`` into ``dst_enc``."""
    from workbench.color.ocio_grade import GradeProcessor

    assert job.ocio is not None
    if dst_enc not in job.processors:
        transform, blend, _ = job.ocio
        job.processors[dst_enc] = GradeProcessor.build(transform, job.src_enc, dst_enc,
                                                       job.space, blend)
    return job.processors[dst_enc]


def _grade_frame(job: _Job, rgb: Frame, where: str, dst_enc: str,
                 min_pixels: int | None = None) -> Frame:
    """Grade one ``(H, W, 3)`` float32 frame in ``job.src_enc``; return it in ``dst_enc``.

    The grade runs in ``job.space`` when one is named (converted there and back), else on the
    values as stored; on OpenColorIO alone when ``job.ocio`` holds it (``min_pixels`` as in
    :meth:`GradeProcessor.apply`). An error, or NaN/Inf in the result, is raised prefixed with
    ``where``.
    """
    import numpy as np

    from workbench.color import convert_array
    from workbench.errors import MediaError, WorkbenchError

    space, src_enc = job.space, job.src_enc
    try:
        if job.strength > 0.0 and job.ocio is not None:
            rgb = _ocio_processor(job, dst_enc).apply(rgb, min_pixels)
            src_enc = dst_enc  # already there
        elif job.strength > 0.0:
            import torch

            assert job.grade is not None
            x = rgb if space is None else convert_array(rgb, src_enc, space)
            img = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
            y = job.grade(img.permute(2, 0, 1)[None].contiguous(), space or src_enc)
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


def _apply_movie(job: _Job) -> int:
    """Grade a movie into a ProRes ``.mov`` or a still-sequence pattern; the frames written."""
    from tqdm.auto import tqdm

    from workbench.errors import ParameterError
    from workbench.io import is_pattern, probe_movie, read_movie_frames, write_prores
    from workbench.ops._compiled import planned_work

    src, dst = job.src, job.dst
    movie_info = probe_movie(src)
    plan = planned_work(movie_info.frame_count)  # compiled kernels where the movie pays for them
    # Float and unclipped: video-range super-whites and sub-blacks reach an EXR as they are.
    frames = read_movie_frames(src, depth=32)
    bar: Iterable[tuple[int, Frame]] = tqdm(frames, total=movie_info.frame_count, desc="apply",
                                            unit="frame", disable=job.quiet)
    if dst.suffix.lower() == ".mov" and not is_pattern(dst):
        dst.parent.mkdir(parents=True, exist_ok=True)
        graded = (_grade_frame(job, f, f"{src.name} frame {i}", "Rec.709") for i, f in bar)
        with plan:
            return write_prores(dst, graded, movie_info.fps, timecode=movie_info.timecode)
    if not is_pattern(dst):
        raise ParameterError(f"{dst}: a movie is written to a .mov (ProRes 422 HQ) or an "
                             f"image sequence pattern such as shot.####.exr")
    writer = still_writer(dst, half=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst_enc = file_encoding(dst)
    count = 0
    with plan:
        for i, f in bar:
            writer(_frame_path(dst, i), _grade_frame(job, f, f"{src.name} frame {i}", dst_enc))
            count += 1
    return count


def _still_pairs(job: _Job) -> list[tuple[int, Path, Path]]:
    """``(frame number, source frame, output file)`` for a still or a sequence.

    Refuses, before anything is written, an output that is not a folder or pattern for a
    sequence, a pattern for a still, and an output that would overwrite a source frame.
    """
    from workbench.errors import ParameterError
    from workbench.io import is_pattern, list_sequence

    src, dst = job.src, job.dst
    if job.kind == "sequence":
        frames_in = list_sequence(src)
        if is_pattern(dst):
            outputs = [_frame_path(dst, n) for n, _ in frames_in]
        elif dst.suffix and not dst.is_dir():
            raise ParameterError(f"{dst}: an image sequence is written to a folder or a pattern "
                                 f"such as shot.####.exr")
        else:
            outputs = [dst / p.name for _, p in frames_in]
    else:
        if is_pattern(dst):
            raise ParameterError(f"{dst}: a still is written to a file or a folder, "
                                 f"not a sequence pattern")
        frames_in = [(0, src)]
        outputs = [dst / src.name if dst.is_dir() else dst]
    clash = {p.resolve() for _, p in frames_in} & {o.resolve() for o in outputs}
    if clash:
        raise ParameterError(f"{sorted(clash)[0]}: --out would overwrite a source frame")
    return [(n, path, out) for (n, path), out in zip(frames_in, outputs, strict=True)]


def _apply_stills(job: _Job) -> tuple[int, Path]:
    """Grade a still or every frame of a sequence; the frames written and where they went."""
    from tqdm.auto import tqdm

    pairs = _still_pairs(job)
    first_out = pairs[0][2]
    still_writer(first_out, half=True)  # refuses an unwritable suffix before any work
    first_out.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(pairs), desc="apply", unit="frame", disable=job.quiet)
    try:
        if job.ocio is not None:
            _apply_stills_threaded(job, pairs, bar.update)
        else:
            from workbench.ops._compiled import planned_work

            with planned_work(len(pairs)):  # compiled kernels only where the sequence pays
                for n, path, out in pairs:
                    _write_graded(*_read_graded(job, n, path, out))
                    bar.update()
    finally:
        bar.close()
    return len(pairs), job.dst if job.kind == "sequence" else first_out


#: At most this many frames are read, graded and written at once (each UHD frame holds
#: ~200 MB of float32 while it is graded).
MAX_FRAME_THREADS = 8


def _apply_stills_threaded(job: _Job, pairs: list[tuple[int, Path, Path]],
                           done: Callable[[], object]) -> None:
    """Read and grade frames on threads and write them in order on the same threads.

    A frame that fails stops the run: the frames before it are written completely, none
    after it is written, and its error is raised.
    """
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, min(MAX_FRAME_THREADS, os.cpu_count() or 1, len(pairs)))
    # A lone frame is cut into strips on threads; many frames run one a thread.
    min_pixels = None if workers == 1 else 1 << 62
    for enc in {file_encoding(out) for _, _, out in pairs}:
        _ocio_processor(job, enc)  # built once, before the threads share them
    window = 2 * workers
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        graded: list[Future[_Graded] | None] = []
        writes: list[Future[None]] = []
        try:
            for i in range(len(pairs)):
                while len(graded) < min(len(pairs), i + window):
                    n, path, out = pairs[len(graded)]
                    graded.append(pool.submit(_read_graded, job, n, path, out, min_pixels))
                future = graded[i]
                assert future is not None
                frame = future.result()
                graded[i] = None  # its pixels are the write's now
                writes.append(pool.submit(_write_graded, *frame))
                # Finished writes are checked as they come: a failed one stops the run.
                while writes and writes[0].done():
                    writes.pop(0).result()
                    done()
        except BaseException:
            for f in graded:
                if f is not None:
                    f.cancel()
            for w in writes:  # what was handed to a writer is finished, never cut short
                w.exception()
            raise
        for w in writes:
            w.result()
            done()


_Graded = tuple[Path, Frame, bool, tuple[Any, ...], dict[str, str]]


def _read_graded(job: _Job, number: int, path: Path, out: Path,
                 min_pixels: int | None = None) -> _Graded:
    """Read one source frame and grade it: what :func:`_write_graded` writes to ``out``."""
    from workbench.io import EXR_CHROMATICITIES, HeaderAttribute, carried_attributes, read_image

    rgb, info = read_image(path)
    where = f"{path.name} frame {number}" if job.kind == "sequence" else path.name
    dst_enc = file_encoding(out)
    graded = _grade_frame(job, rgb, where, dst_enc, min_pixels)
    # The source's header travels (timecode, rate, owner, ...); what says which colours the
    # values mean travels only while the values stay in the source's encoding.
    carry = carried_attributes(info, colour=dst_enc == job.src_enc)
    if dst_enc != job.src_enc and dst_enc in EXR_CHROMATICITIES:
        carry += (HeaderAttribute("chromaticities", "float[8]", EXR_CHROMATICITIES[dst_enc]),)
    return (out, graded, info.format != "float", tuple(carry),
            {"workbench:colorspace": dst_enc, "workbench:source": path.name,
             "workbench:apply": job.did})


def _write_graded(out: Path, graded: Frame, half: bool, carry: tuple[Any, ...],
                  metadata: dict[str, str]) -> None:
    """Write a frame :func:`_read_graded` made, with the source's header (atomically)."""
    write_still(out, graded, half=half, carry=carry, metadata=metadata)
