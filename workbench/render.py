"""Render accepted decisions, and only those, to EXR, 16-bit PNG or ProRes 422 HQ.

EXR frames are scene-linear in the title's working space (ACEScg), half float, unclamped, and
carry the title, shot, decision id and model version in their headers. PNG and ProRes are
display-referred in the title's delivery space (Rec.709 by default).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import torch
from tqdm.auto import tqdm

from workbench.color import convert_array, get_config, resolve_space
from workbench.color.convert import apply_processor
from workbench.color.ocio_grade import cdl_transform
from workbench.errors import DecisionError, MediaError
from workbench.io import list_sequence, write_exr, write_png16, write_prores
from workbench.io.atomic import atomic_dir, sweep_stale_temporaries
from workbench.io.timecode import timecode_to_frames
from workbench.ops._compiled import planned_work
from workbench.ops.base import Operator
from workbench.ops.cdl import CDL, is_plain_cdl
from workbench.ops.framing import ActiveArea, keep_blanking
from workbench.title import (
    Clip,
    Decision,
    Shot,
    Title,
    accepted_decisions,
    latest_decision,
    latest_renders,
    read_shot_frames,
    record_render,
    sha256_of,
)
from workbench.title.timecode import offset_timecode

__all__ = [
    "FORMATS",
    "Delivered",
    "apply_decided",
    "delivered_renders",
    "frame_timecode",
    "render",
    "render_shot",
    "timeline_start",
]

FORMATS = ("exr", "png", "prores")
# AP1 primaries and the ACES white (SMPTE ST 2065-1 / S-2014-004): the RGB of ACEScg renders.
ACESCG_CHROMATICITIES = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)
BATCH = 8  # frames graded together


@dataclass(frozen=True)
class Delivered:
    """A rendered shot: the decision behind it and where its frames are."""

    shot: Shot
    decision: Decision
    fmt: str              # "exr", "png" or "prores"
    path: Path            # the folder of frames, or the .mov
    first_frame: int      # frame number of the first rendered file (a movie: its timecode)
    frames: int


def frame_timecode(clip: Clip, index: int) -> str | None:
    """Timecode of frame ``index`` (0-based) of ``clip``, when the clip carries a start timecode."""
    return offset_timecode(clip.timecode, index, clip.fps) if clip.timecode else None


def apply_decided(decision: Decision, img: torch.Tensor, working_space: str, clip: Clip
                  ) -> torch.Tensor:
    """Grade ``img`` (B,3,H,W) as ``decision`` says, keeping its letterbox bars as shot.

    ``img`` is the clip's frame at full size, or a preview of it (the area is scaled).
    """
    pipeline = decision.applied_pipeline()
    if not len(pipeline):
        return img
    graded = pipeline.apply(img, working_space)
    if decision.active_area is None:
        return graded
    area = ActiveArea.from_dict(decision.active_area)
    h, w = img.shape[-2:]
    if (h, w) != (clip.height, clip.width):
        area = area.scaled(h, w, clip.height, clip.width)
    return keep_blanking(graded, img, area)


def _to_decide(title: Title, shots: Sequence[str] | None) -> list[tuple[Shot, Decision]]:
    accepted = accepted_decisions(title)
    if shots:
        wanted = [title.shot(name) for name in shots]
        chosen = {s.id for s, _ in accepted}
        refused = [s for s in wanted if s.id not in chosen]
        if refused:
            why = []
            for s in refused:
                d = latest_decision(title, s)
                why.append(f"{s.name} ({'rejected' if d else 'not decided'})")
            raise DecisionError(f"refusing to render shots nobody accepted: {', '.join(why)}; "
                                f"accept them first with `workbench decide`")
        ids = {s.id for s in wanted}
        accepted = [(s, d) for s, d in accepted if s.id in ids]
    if not accepted:
        total = len(title.shots())
        raise DecisionError(f"{title.root.name}: nothing to render, no shot has an accepted "
                            f"decision ({total} shot(s) in the title); accept with "
                            f"`workbench decide {title.root} SHOT accept`")
    return accepted


def _check_unchanged(shot: Shot, verified: set[int]) -> None:
    """Refuse a source that is missing or changed since ingest (its SHA-256 differs)."""
    clip = shot.clip
    if clip.id in verified:
        return
    try:
        files = [p for _, p in list_sequence(clip.path)] if clip.kind == "sequence" else [clip.path]
    except MediaError as exc:
        raise MediaError(f"{clip.path}: source changed since ingest ({exc})") from None
    if not all(f.exists() for f in files):
        raise MediaError(f"{clip.path}: source of clip {clip.name} is missing; if it moved, "
                         f"point the title at it with `workbench relink TITLE {clip.name} PATH`")
    if sha256_of(files)[0] != clip.sha256:
        raise MediaError(f"{clip.path}: source changed since ingest (sha256 differs), so a "
                         f"render would not be what was decided; restore the original, or "
                         f"ingest the new file as a new clip")
    verified.add(clip.id)


def _refuse_source_folders(out: Path, clips: Sequence[Clip]) -> None:
    """Refuse to write into the dailies: a source file's own folder, or a sequence's folder.

    Anywhere inside the folder of an image sequence is refused too: its frames are the media.
    """
    target = out.resolve()
    for clip in clips:
        if clip.kind == "sequence":
            folder = (clip.path if clip.path.is_dir() else clip.path.parent).resolve()
            inside = target == folder or folder in target.parents
        else:
            folder = clip.path.parent.resolve()
            inside = target == folder
        if inside:
            raise DecisionError(f"{out}: refusing to render into {folder}, which holds the "
                                f"source media of {clip.name}")


def _sweep_interrupted(out: Path) -> None:
    """Remove what a killed render left in ``out``, and say so on stderr.

    Only the atomic writer's temporaries whose process is gone: a render running into the same
    folder at the same time keeps its work in progress.
    """
    removed = sweep_stale_temporaries(out)
    if removed:
        folders = sum(r.folder for r in removed)
        kinds = [f"{n} leftover temporary {what}{'s' if n > 1 else ''}" for n, what in
                 ((folders, "folder"), (len(removed) - folders, "file")) if n]
        mb = sum(r.size_bytes for r in removed) / 1e6
        print(f"render: removed {' and '.join(kinds)} ({mb:.1f} MB) from an interrupted "
              f"render: {', '.join(str(r.path) for r in removed)}", file=sys.stderr)


def _refuse_other_format(path: Path, fmt: str) -> None:
    """Never replace a delivery in one format by another: say so instead."""
    if not path.is_dir():
        return
    other = {p.suffix.lower().lstrip(".") for p in path.iterdir() if p.is_file()} - {fmt}
    if other:
        raise DecisionError(f"{path}: holds {', '.join(sorted(other))} frames of an earlier "
                            f"render; render {fmt} into another --out")


def _ocio_grade(decision: Decision) -> list[Operator] | None:
    """The decision's operators that do something, when they are one ASC CDL or none.

    Such a grade renders on OpenColorIO alone (:func:`_ocio_cdl_processors`); ``None`` for
    any other, which runs on the operators in torch.
    """
    pipeline = decision.applied_pipeline()
    # at_strength (applied_pipeline) has refused operators of unknown schema already.
    ops = [op for op in pipeline.operators if isinstance(op, Operator) and op.strength != 0.0]
    return ops if is_plain_cdl(ops) else None


def _ocio_cdl_processors(decision: Decision, in_space: str, working: str, out_space: str
                         ) -> tuple[ocio.CPUProcessor, ocio.CPUProcessor] | None:
    """For a grade that is one ASC CDL (or nothing): OCIO processors that render it whole.

    Returns ``(graded, plain)``: ``graded`` takes the clip's ``in_space`` values through the
    CDL's space, OCIO's ``CDLTransform`` (``CDL_NO_CLAMP``, what :func:`apply_cdl` computes) and
    ``working`` to ``out_space`` in one processor; ``plain`` converts without the grade (for
    letterbox bars). ``None`` for any other grade, which runs on the operators in torch.
    """
    ops = _ocio_grade(decision)
    if ops is None:
        return None
    names = [resolve_space(n) for n in (in_space, working, out_space)]
    plain: list[ocio.Transform] = [ocio.ColorSpaceTransform(src=names[0], dst=names[1]),
                                   ocio.ColorSpaceTransform(src=names[1], dst=names[2])]

    def cpu(chain: list[ocio.Transform]) -> ocio.CPUProcessor:
        proc = get_config().getProcessor(ocio.GroupTransform(chain), ocio.TRANSFORM_DIR_FORWARD)
        return proc.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32,
                                             ocio.OPTIMIZATION_LOSSLESS)

    converted = cpu(plain)
    if not ops:  # nothing to grade: both are the conversion, compiled once
        return converted, converted
    cdl = ops[0]
    assert isinstance(cdl, CDL)
    space = resolve_space(cdl.space)
    return cpu([ocio.ColorSpaceTransform(src=names[0], dst=space),
                cdl_transform(cdl.effective_values()),
                ocio.ColorSpaceTransform(src=space, dst=names[1]),
                ocio.ColorSpaceTransform(src=names[1], dst=names[2])]), converted


_Finish = Callable[[np.ndarray], np.ndarray]


def _graded_batches(title: Title, shot: Shot, decision: Decision, out_space: str
                    ) -> Iterator[tuple[list[int], list[np.ndarray], _Finish]]:
    """Batches of (clip frame indices, frames, ``finish``), in clip order.

    ``finish(frame)`` returns the frame graded, float32 ``(H, W, 3)`` in ``out_space``, and may
    run on any thread (OCIO releases the GIL). A plain CDL is graded there, on OpenColorIO, in
    place: the frames come from the decoder and nobody else holds them. Any other grade runs
    here on the operators in torch, a batch at a time, and ``finish`` returns the frame as is.
    """
    working = title.settings.working_space
    indices: list[int] = []
    frames: list[np.ndarray] = []
    on_ocio = _ocio_cdl_processors(decision, shot.clip.input_space, working, out_space)
    area = (ActiveArea.from_dict(decision.active_area)
            if decision.active_area is not None else None)

    def as_is(rgb: np.ndarray) -> np.ndarray:
        return rgb

    def finish_ocio(rgb: np.ndarray) -> np.ndarray:
        assert on_ocio is not None
        graded, plain = on_ocio
        rgb = np.ascontiguousarray(rgb, dtype=np.float32)
        if area is None:
            apply_processor(graded, rgb)
            return rgb
        # The bars are converted without the grade. A copy even where the slice is contiguous
        # (a full-width area): the plain conversion must not reach the graded pixels.
        inside = rgb[area.top:area.bottom, area.left:area.right].copy()
        apply_processor(graded, inside)
        apply_processor(plain, rgb)
        rgb[area.top:area.bottom, area.left:area.right] = inside
        return rgb

    def flush() -> tuple[list[int], list[np.ndarray], _Finish]:
        if on_ocio is not None:
            return indices.copy(), frames.copy(), finish_ocio
        # OCIO works channels-last: convert the (N, H, W, 3) frames as they are, and go
        # channels-first only for the grade (the same pixels as converting the tensors, with
        # two copies instead of six).
        rgb_working = convert_array(np.stack(frames), shot.clip.input_space, working)
        img = torch.from_numpy(rgb_working).permute(0, 3, 1, 2).contiguous()
        graded = apply_decided(decision, img, working, shot.clip)
        out = convert_array(graded.detach().permute(0, 2, 3, 1).numpy(), working, out_space)
        return indices.copy(), list(out), as_is

    for index, rgb in read_shot_frames(shot):
        if rgb.shape[:2] != (shot.clip.height, shot.clip.width):
            raise MediaError(f"{shot.clip.path.name} frame {shot.clip.first_frame + index}: "
                             f"size {rgb.shape[1]}x{rgb.shape[0]} does not match the clip's "
                             f"{shot.clip.width}x{shot.clip.height}")
        indices.append(index)
        frames.append(rgb)
        if len(frames) == BATCH:
            yield flush()
            indices.clear()
            frames.clear()
    if frames:
        yield flush()


def _render_movie(title: Title, shot: Shot, decision: Decision, path: Path,
                  meta: dict[str, str], bar: tqdm | None) -> tuple[int, int]:
    """ProRes 422 HQ of the shot; returns (frames, timeline position of its first frame)."""
    space = title.settings.delivery_space

    def frames() -> Iterator[np.ndarray]:
        for _, batch, finish in _graded_batches(title, shot, decision, space):
            for rgb in batch:
                yield finish(rgb)
            if bar:
                bar.update(len(batch))

    count = write_prores(path, frames(), shot.clip.fps,
                         timecode=frame_timecode(shot.clip, shot.start_frame),
                         metadata={"comment": f"workbench decision {decision.id}", **meta})
    return count, timeline_start(shot, "prores")


def _render_frames(title: Title, shot: Shot, decision: Decision, folder: Path, fmt: str,
                   meta: dict[str, str], bar: tqdm | None) -> tuple[int, int]:
    """One file per frame, named by the source frame number; returns (frames, first number)."""
    space = title.settings.working_space if fmt == "exr" else title.settings.delivery_space

    def write(index: int, rgb: np.ndarray, finish: _Finish) -> None:
        rgb = finish(rgb)
        number = shot.clip.first_frame + index
        target = folder / f"{shot.name}.{number:04d}.{fmt}"
        if fmt == "exr":
            tc = frame_timecode(shot.clip, index)
            write_exr(target, rgb, {**meta, "workbench:colorspace": space,
                                    "workbench:frame": str(number)},
                      timecode=tc, fps=shot.clip.fps, chromaticities=ACESCG_CHROMATICITIES)
        else:
            write_png16(target, rgb, space)  # tagged as the delivery space it holds

    # Compressing a frame is single-threaded in OpenImageIO and releases the GIL, as OCIO's
    # grade does: one batch is graded (a plain CDL) and written on threads while the next is
    # decoded. Two threads a core: each file is flushed to disk before it is renamed, and the
    # other thread computes while one waits on the flush (demo render 12.1 s -> 11.4 s on 2
    # cores). A failed write raises here, and the folder (atomic_dir) is then discarded whole.
    count = 0
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1),
                            thread_name_prefix="render-write") as pool:
        pending: list[Future[None]] = []
        for indices, batch, finish in _graded_batches(title, shot, decision, space):
            for done in pending:
                done.result()
            count += len(pending)
            pending = [pool.submit(write, index, rgb, finish)
                       for index, rgb in zip(indices, batch, strict=True)]
            if bar:
                bar.update(len(indices))
        for done in pending:
            done.result()
        count += len(pending)
    return count, timeline_start(shot, fmt)


def timeline_start(shot: Shot, fmt: str) -> int:
    """Where a rendered shot's media starts, in frames, for its OTIO reference.

    Frame files are numbered by source frame; a movie's media time starts at its timecode
    (OpenTimelineIO's convention for a movie), or at 0 when it has none.
    """
    if fmt != "prores":
        return shot.clip.first_frame + shot.start_frame
    tc = frame_timecode(shot.clip, shot.start_frame)
    return timecode_to_frames(tc, shot.clip.fps) if tc else 0


def render_shot(title: Title, shot: Shot, decision: Decision, out: Path, fmt: str,
                bar: tqdm | None = None) -> Delivered:
    """Render one accepted shot into ``out``; returns where it went.

    A shot's frames appear in ``out/<shot>/`` all together when the last one is written; an
    interrupted render leaves the previous delivery of the shot, if any, as it was.
    """
    meta = {"workbench:title": title.settings.name, "workbench:shot": shot.name,
            "workbench:decision": decision.id, "workbench:model_version": decision.model_version,
            "workbench:strength": f"{decision.applied_strength:g}",
            "workbench:source": shot.clip.name}
    if fmt == "prores":
        path = out / f"{shot.name}.mov"
        count, first = _render_movie(title, shot, decision, path, meta, bar)
    else:
        path = out / shot.name
        _refuse_other_format(path, fmt)
        with atomic_dir(path) as folder:
            count, first = _render_frames(title, shot, decision, folder, fmt, meta, bar)
    if not title.read_only:
        record_render(title, decision, fmt, str(path), count)
    return Delivered(shot, decision, fmt, path, first, count)


def render(title: Title, out: Path, fmt: str = "exr", shots: Sequence[str] | None = None,
           progress: bool = True) -> list[Delivered]:
    """Render every accepted shot (or the named ones, all of which must be accepted).

    Every source is checked against its ingest hash before the first frame is written.

    Raises
    ------
    DecisionError
        When nothing is accepted, or a named shot is not.
    MediaError
        When a source is missing or changed since ingest.
    """
    if fmt not in FORMATS:
        raise DecisionError(f"unknown render format {fmt!r}; known: {', '.join(FORMATS)}")
    todo = _to_decide(title, shots)
    out = Path(out).absolute()  # recorded in the catalog and the timeline: must not depend on cwd
    if out.exists() and not out.is_dir():
        raise DecisionError(f"{out}: is a file; --out must be a folder")
    _refuse_source_folders(out, [s.clip for s, _ in todo])
    verified: set[int] = set()
    for shot, _ in todo:
        _check_unchanged(shot, verified)
    out.mkdir(parents=True, exist_ok=True)
    _sweep_interrupted(out)
    if title.read_only:
        print(f"render: {title.root} is read-only: this render is not recorded in its catalog, "
              f"so `workbench export` of the title does not know it", file=sys.stderr)
    delivered = []
    total = sum(s.frame_count for s, _ in todo)
    # Only frames graded in torch count towards compiling its kernels: a plain CDL is OCIO's.
    on_torch = sum(s.frame_count for s, d in todo if _ocio_grade(d) is None)
    with (tqdm(total=total, desc=f"render {fmt}", unit="frame", disable=not progress) as bar,
          planned_work(on_torch)):  # compiled kernels where the frames pay for them
        for shot, decision in todo:
            delivered.append(render_shot(title, shot, decision, out, fmt, bar))
    return delivered


def delivered_renders(title: Title) -> list[Delivered]:
    """The newest render of every accepted shot, as :class:`Delivered` (for export)."""
    renders = latest_renders(title)
    out = []
    for shot, decision in accepted_decisions(title):
        if decision.id not in renders:
            continue
        fmt, path, frames = renders[decision.id]
        out.append(Delivered(shot, decision, fmt, path, timeline_start(shot, fmt), frames))
    return out
