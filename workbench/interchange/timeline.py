"""OpenTimelineIO timelines of delivered shots, with each shot's decision and grade."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import opentimelineio as otio

from workbench.io.atomic import atomic_path
from workbench.ops import CDL, is_plain_cdl

if TYPE_CHECKING:  # title imports ops, which reads .cube files through this package
    from workbench.title import Decision, Shot

__all__ = ["Delivered", "delivery_timeline", "write_timeline"]


@dataclass(frozen=True)
class Delivered:
    """A rendered shot: the decision behind it and where its frames are."""

    shot: Shot
    decision: Decision
    fmt: str              # "exr", "png" or "prores"
    path: Path            # the folder of frames, or the .mov
    first_frame: int      # frame number of the first rendered file
    frames: int


def _grade_metadata(decision: Decision) -> dict[str, Any]:
    """The decided CDL in the CMX adapter's layout.

    An anchor left as shot gets the identity, so a conform applies "no grade" explicitly
    rather than keeping whatever was there.
    """
    if not is_plain_cdl(decision.pipeline):
        return {}  # more than one CDL holds: the baked grades/<shot>.cube carries it
    cdl = next(iter(decision.pipeline), CDL())
    assert isinstance(cdl, CDL)
    op = CDL.from_values(cdl.values(), strength=decision.applied_strength)
    v = op.effective_values()
    # The key layout the CMX 3600 adapter uses, so EDL export and other OTIO tools see it.
    return {"asc_sop": {"slope": list(v.slope), "offset": list(v.offset), "power": list(v.power)},
            "asc_sat": v.saturation}


def delivery_timeline(name: str, delivered: list[Delivered]) -> otio.schema.Timeline:
    """One track, one clip per delivered shot, in order; metadata carries the decision."""
    timeline = otio.schema.Timeline(name=name)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for d in delivered:
        rate = float(d.shot.clip.fps)
        available = otio.opentime.TimeRange(otio.opentime.RationalTime(d.first_frame, rate),
                                            otio.opentime.RationalTime(d.frames, rate))
        if d.fmt == "prores":
            ref: otio.core.MediaReference = otio.schema.ExternalReference(
                target_url=d.path.as_uri(), available_range=available)
        else:
            ref = otio.schema.ImageSequenceReference(
                target_url_base=d.path.as_uri() + "/", name_prefix=f"{d.shot.name}.",
                name_suffix=f".{d.fmt}", start_frame=d.first_frame, frame_step=1, rate=rate,
                frame_zero_padding=4, available_range=available)
        clip = otio.schema.Clip(name=d.shot.name, media_reference=ref, source_range=available)
        clip.metadata["workbench"] = {
            "decision_id": d.decision.id, "verdict": d.decision.verdict,
            "strength": d.decision.strength, "model_version": d.decision.model_version,
            "decided_by": d.decision.decided_by, "decided_at": d.decision.decided_at,
            "scene": d.shot.scene, "source": str(d.shot.clip.path),
            "source_frames": [d.shot.start_frame, d.shot.end_frame],
            "grade": d.decision.pipeline.to_dict(),
        }
        cdl = _grade_metadata(d.decision)
        if cdl:
            clip.metadata["cdl"] = cdl
        track.append(clip)
    return timeline


def write_timeline(path: Path, timeline: otio.schema.Timeline) -> Path:
    """Write ``timeline`` as ``.otio`` JSON, atomically."""
    with atomic_path(path) as tmp:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
    return path
