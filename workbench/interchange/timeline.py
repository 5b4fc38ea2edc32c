"""OpenTimelineIO clips of rendered media, the ASC CDL in OTIO's layout, and ``.otio`` files.

Nothing here knows a title: the hand-off (:func:`workbench.export.delivery_timeline`) maps
shots and decisions onto these clips and their metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import opentimelineio as otio

from workbench.io.atomic import atomic_path
from workbench.ops import CDLValues

__all__ = ["cdl_metadata", "rendered_clip", "write_timeline"]

MOVIE_FORMATS = ("prores",)
"""Render formats that are one movie file; the others are one file per frame."""


def rendered_clip(name: str, path: Path, fmt: str, rate: float, first_frame: int, frames: int
                  ) -> otio.schema.Clip:
    """A clip of ``frames`` rendered frames at ``rate``, whole, named ``name``.

    ``fmt`` ``"prores"``: ``path`` is the movie, and ``first_frame`` its media time of the first
    frame (OTIO's convention: the timecode in frames). Else ``path`` is a folder of
    ``<name>.<frame:04d>.<fmt>`` files numbered from ``first_frame``.
    """
    available = otio.opentime.TimeRange(otio.opentime.RationalTime(first_frame, rate),
                                        otio.opentime.RationalTime(frames, rate))
    if fmt in MOVIE_FORMATS:
        ref: otio.core.MediaReference = otio.schema.ExternalReference(
            target_url=path.as_uri(), available_range=available)
    else:
        ref = otio.schema.ImageSequenceReference(
            target_url_base=path.as_uri() + "/", name_prefix=f"{name}.",
            name_suffix=f".{fmt}", start_frame=first_frame, frame_step=1, rate=rate,
            frame_zero_padding=4, available_range=available)
    return otio.schema.Clip(name=name, media_reference=ref, source_range=available)


def cdl_metadata(values: CDLValues) -> dict[str, Any]:
    """``values`` in the CMX 3600 adapter's ``metadata["cdl"]`` layout.

    So :func:`~workbench.interchange.edl.write_edl` (``* ASC_SOP``, ``* ASC_SAT``) and other
    OTIO tools see the grade.
    """
    v = values
    return {"asc_sop": {"slope": list(v.slope), "offset": list(v.offset), "power": list(v.power)},
            "asc_sat": v.saturation}


def write_timeline(path: Path, timeline: otio.schema.Timeline) -> Path:
    """Write ``timeline`` as ``.otio`` JSON, atomically."""
    with atomic_path(path) as tmp:
        otio.adapters.write_to_file(timeline, str(tmp), adapter_name="otio_json")
    return path
