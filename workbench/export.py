"""The hand-off of what was rendered: grades, looks, timeline, EDLs and report, all or nothing.

Shots and decisions become interchange here: the decided CDL (or, for a grade that is more than
one CDL, the baked ``.cube`` and the CDL closest to it), and the OTIO clips with the decision in
their metadata. :mod:`workbench.interchange` writes the formats and knows nothing of a title.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from workbench.errors import DecisionError
from workbench.interchange import (
    cdl_metadata,
    read_cc,
    rendered_clip,
    write_cc,
    write_edl,
    write_looks_config,
    write_timeline,
)
from workbench.interchange.edl import reel_names
from workbench.io.timecode import is_drop_frame_rate, smpte_base, timecode_to_frames
from workbench.ops import CDL, CDLValues, Operator, Pipeline, is_plain_cdl
from workbench.render import Delivered, delivered_renders
from workbench.report import write_report
from workbench.title import Decision, Title, accepted_decisions
from workbench.title.composites import comp_records

__all__ = ["HANDOFF_NAMES", "Export", "decided_cdl", "delivery_timeline", "export_delivery",
           "write_grades"]

HANDOFF_NAMES = ("grades", "luts", "looks.ocio", "timeline.otio", "report.html")
"""What an export owns in its folder, besides its ``timeline_<rate>.edl`` files."""


@dataclass(frozen=True)
class Export:
    """What :func:`export_delivery` wrote, and which shots no EDL could carry."""

    delivered: list[Delivered]
    grades: list[Path]
    looks: Path
    timeline: Path
    edls: list[Path]
    report: Path
    not_in_edl: list[tuple[str, str]]  # (shot name, why), every one of them in timeline.otio


def decided_cdl(decision: Decision) -> CDLValues | None:
    """The decided grade as one ASC CDL at the decided strength, or None if it is more.

    An anchor left as shot gets the identity, so a conform applies "no grade" explicitly
    rather than keeping whatever was there. A grade of more than one CDL (a learned match, a
    LUT, curves) returns None: only its baked ``.cube`` carries it exactly.
    """
    pipeline = decision.applied_pipeline()
    if not is_plain_cdl(pipeline):
        return None
    first = pipeline.operators[0] if len(pipeline) else CDL()
    assert isinstance(first, CDL)
    return first.effective_values()


def write_grades(delivered: Sequence[Delivered], out: Path) -> list[Path]:
    """One ASC CDL ``.cc`` per delivered shot at the decided strength (apply in ACEScct).

    A grade that is more than one CDL (a learned match, a LUT, curves) also gets
    ``<shot>.cube``: the whole grade baked to a 33³ LUT, ACEScct in and out, the file to conform
    with. Its ``.cc`` is then the CDL closest to it in ΔE2000
    (:func:`~workbench.interchange.cdl_fit.cdl_from_lut`), and its description says so, with
    that error.

    Returns
    -------
    list[Path]
        The ``.cc`` files, one per shot, in ``delivered`` order.
    """
    from workbench.interchange import write_cube
    from workbench.interchange.bake import bake_cube
    from workbench.interchange.cdl_fit import cdl_from_lut

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in delivered:
        desc = (f"workbench {d.decision.verdict} by {d.decision.decided_by}, decision "
                f"{d.decision.id}, {d.decision.model_version}; apply in ACEScct")
        values = decided_cdl(d.decision)
        if values is None:
            pipeline = d.decision.applied_pipeline()
            # Windows and lighting (Relight, ShadowsHighlights) depend on where a pixel is or
            # on its neighbours: no LUT holds them, so the .cube carries the rest of the grade.
            local = [op for op in pipeline if isinstance(op, Operator) and not op.per_pixel]
            lut = bake_cube(Pipeline([op for op in pipeline if not any(op is o for o in local)]),
                            33, input_space="ACEScct", title=d.shot.name)
            write_cube(out / f"{d.shot.name}.cube", lut)
            fit = cdl_from_lut(lut)
            values = fit.values
            held = "the whole grade" if not local else (
                f"the grade but its {', '.join(type(o).__name__ for o in local)}, which only "
                "the rendered frames carry")
            desc += f"; approximates {d.shot.name}.cube, which holds {held}; {fit.describe()}"
        paths.append(write_cc(out / f"{d.shot.name}.cc", values, d.shot.name, desc))
    return paths


def delivery_timeline(name: str, delivered: Sequence[Delivered]) -> otio.schema.Timeline:
    """One track, one clip per delivered shot, in order, each at its own rate.

    A clip's ``metadata["workbench"]`` holds the decision (id, verdict, strength, model
    version, who and when), the scene, the source and its frames, and the grade as pipeline
    JSON; ``metadata["cdl"]`` the decided CDL in the CMX adapter's layout, when the grade is one
    (:func:`decided_cdl`; the baked ``grades/<shot>.cube`` carries any other).
    """
    timeline = otio.schema.Timeline(name=name)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for d in delivered:
        clip = rendered_clip(d.shot.name, d.path, d.fmt, float(d.shot.clip.fps), d.first_frame,
                             d.frames)
        clip.metadata["workbench"] = {
            "decision_id": d.decision.id, "verdict": d.decision.verdict,
            "strength": d.decision.strength, "model_version": d.decision.model_version,
            "decided_by": d.decision.decided_by, "decided_at": d.decision.decided_at,
            "scene": d.shot.scene, "source": str(d.shot.clip.path),
            "source_frames": [d.shot.start_frame, d.shot.end_frame],
            "grade": d.decision.pipeline.to_dict(),
        }
        cdl = decided_cdl(d.decision)
        if cdl is not None:
            clip.metadata["cdl"] = cdl_metadata(cdl)
        track.append(clip)
    return timeline


def _rate_label(rate: float) -> str:
    """``25``, ``29.97``, ``23.976``: the rate as people write it, for a file name."""
    return f"{rate:.3f}".rstrip("0").rstrip(".")


def _not_countable(rate: float) -> str:
    return (f"{_rate_label(rate)} fps: a CMX 3600 EDL counts in SMPTE timecode, which exists "
            f"only at 24, 25, 30, 48, 50 and 60 fps and their 1000/1001 rates")


def _conform_timeline(name: str, delivered: list[Delivered], reels: dict[str, str]
                      ) -> otio.schema.Timeline:
    """The delivery as an EDL describes it: each shot as the span of its source it came from.

    Reel and ``FROM CLIP NAME`` are the source clip's; source in/out are the source's own
    timecode (frames from its start timecode, or from 00:00:00:00 without one, as ingest reads
    an EDL), keeping its drop or non-drop counting; the grade stays in ``metadata["cdl"]``.
    """
    timeline = delivery_timeline(name, delivered)
    for clip, d in zip(timeline.find_clips(), delivered, strict=True):
        source = d.shot.clip
        rate = float(source.fps)
        origin = timecode_to_frames(source.timecode, source.fps) if source.timecode else 0
        clip.name = source.name
        clip.source_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime(origin + d.shot.start_frame, rate),
            otio.opentime.RationalTime(d.frames, rate))
        clip.media_reference = otio.schema.ExternalReference(target_url=source.path.as_uri())
        clip.metadata["cmx_3600"] = {
            "reel": reels[source.name],
            "source_drop_frame": (";" in source.timecode if source.timecode
                                  else is_drop_frame_rate(rate)),
            "comments": [f"SHOT: {d.shot.name} DECISION {d.decision.id}"],
        }
    return timeline


def _write_edls(out: Path, name: str, delivered: list[Delivered]
                ) -> tuple[list[Path], list[tuple[str, str]]]:
    """CMX 3600 EDLs of the delivery, ``timeline_<rate>.edl`` per frame rate timecode can count.

    An EDL counts every event in its own single rate, so shots of other rates cannot share it
    frame-accurately; a shot at a rate SMPTE timecode lacks (10 fps) is in no EDL. Returns the
    EDLs and ``(shot, why)`` for each shot left out.
    """
    reels = reel_names({d.shot.clip.name: (d.shot.clip.metadata.get("ale") or {}).get("Tape")
                        for d in delivered})
    by_rate: dict[float, list[Delivered]] = {}
    left_out = []
    for d in delivered:
        rate = float(d.shot.clip.fps)
        if smpte_base(rate) is None:
            left_out.append((d.shot.name, _not_countable(rate)))
        else:
            by_rate.setdefault(rate, []).append(d)
    paths = [write_edl(out / f"timeline_{_rate_label(rate)}.edl",
                       _conform_timeline(name, group, reels), rate=rate)
             for rate, group in sorted(by_rate.items())]
    return paths, left_out


def _is_handoff(name: str) -> bool:
    return name in HANDOFF_NAMES or (name.startswith("timeline") and name.endswith(".edl"))


@contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``out``; its contents replace ``out``'s hand-off at the end.

    ``out`` may hold other things (the demo keeps its title and renders there): only the names
    an export owns are replaced, and those a previous export left that this one does not write
    (an EDL of a rate no longer delivered) are removed. If the block raises, ``out`` is as it
    was. The swap is a few renames; should one fail, the previous hand-off is put back.
    """
    token = secrets.token_hex(4)
    staging = out.with_name(f".{out.name}.export-{token}")
    backup = out.with_name(f".{out.name}.export-old-{token}")
    staging.mkdir(parents=True)
    try:
        yield staging
        if not out.exists():
            os.replace(staging, out)
            return
        backup.mkdir()
        moved_out: list[str] = []
        moved_in: list[str] = []
        try:
            for entry in sorted(out.iterdir()):
                if _is_handoff(entry.name):
                    os.replace(entry, backup / entry.name)
                    moved_out.append(entry.name)
            for entry in sorted(staging.iterdir()):
                os.replace(entry, out / entry.name)
                moved_in.append(entry.name)
        except BaseException:
            for name in moved_in:
                os.replace(out / name, staging / name)
            for name in moved_out:
                os.replace(backup / name, out / name)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)


def export_delivery(title: Title, out: Path) -> Export:
    """Write the hand-off into ``out``, whole or not at all.

    ``grades/*.cc`` (one ASC CDL per shot, in ACEScct; a grade that is more than a CDL also
    gets ``grades/<shot>.cube``, the whole grade baked, and its ``.cc`` approximates it),
    ``looks.ocio`` (an OCIO config with one look per shot and file rules naming what the
    renders are, for Nuke or any OCIO host), ``timeline.otio`` (every delivered shot, each at
    its own rate), one CMX 3600 EDL per frame rate, ``timeline_<rate>.edl``, with
    ``ASC_SOP``/``ASC_SAT`` (plain CDL grades) recorded from 01:00:00:00 (01:00:00;00 at 29.97)
    and the sources' reels and timecodes (see :func:`_write_edls`; a shot at a rate SMPTE
    timecode lacks is in the OTIO only, and listed in :attr:`Export.not_in_edl` and the report),
    and ``report.html``.

    Everything is written into a folder beside ``out`` first and swapped in when complete: a
    failure midway (an unreadable source for the report, a full disk) leaves the previous
    export in ``out`` as it was. ``grades/`` is replaced as a whole, so a shot rejected since
    the last export loses its file.

    Raises
    ------
    DecisionError
        When an accepted shot was not rendered since its latest decision (a hand-off that
        silently leaves it out, or carries an older grade, is refused), or nothing is rendered.
    """
    delivered = delivered_renders(title)
    rendered = {d.shot.id for d in delivered}
    missing = [s.name for s, _ in accepted_decisions(title) if s.id not in rendered]
    if missing:
        raise DecisionError(f"{title.root.name}: accepted but not rendered since their latest "
                            f"decision: {', '.join(missing)}; run `workbench render` first")
    if not delivered:
        raise DecisionError(f"{title.root.name}: nothing to export, no shot is accepted and "
                            f"rendered")
    out = Path(out).absolute()
    if out.exists() and not out.is_dir():
        raise DecisionError(f"{out}: is a file; --out must be a folder")
    name = title.settings.name
    with _staged(out) as stage:
        grades = write_grades(delivered, stage / "grades")
        # A shot whose grade is more than a CDL is looked up through its baked .cube, exactly.
        write_looks_config(stage / "looks.ocio", {
            p.stem: p.with_suffix(".cube") if p.with_suffix(".cube").is_file() else read_cc(p)[1]
            for p in grades}, renders_space=title.settings.working_space,
            display_space=title.settings.delivery_space)
        timeline = delivery_timeline(name, delivered)
        comps = comp_records(title)
        if comps:  # accepted composites and integrations, their sources hashed
            timeline.metadata["workbench"] = {"composites": comps}
        write_timeline(stage / "timeline.otio", timeline)
        edls, not_in_edl = _write_edls(stage, name, delivered)
        write_report(title, delivered, stage / "report.html", not_in_edl=not_in_edl)
    return Export(delivered, [out / "grades" / p.name for p in grades], out / "looks.ocio",
                  out / "timeline.otio", [out / p.name for p in edls], out / "report.html",
                  not_in_edl)
