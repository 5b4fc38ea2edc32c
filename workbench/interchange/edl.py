"""CMX 3600 EDLs of a delivery, with each event's grade as ``* ASC_SOP`` / ``* ASC_SAT`` lines.

The EDL is written by OpenTimelineIO's ``cmx_3600`` adapter (``otio-cmx3600-adapter``) and read
back by it in the tests. Two traps of that adapter are worked around here:

* **Record timecode.** The writer computes record in/out from the clip's position in its track
  and ignores ``Timeline.global_start_time``, so every EDL starts at 00:00:00:00. We prepend a
  gap of ``record_start`` to (a copy of) the video track: gaps produce no events, so the first
  event's record in is ``record_start`` and every later one follows, computed by the adapter.
* **CDL numbers.** The writer formats ``metadata["cdl"]`` with ``str(float)``, so a small value
  becomes ``1e-05``, which its own reader (and many conform tools) reject; it also drops a
  saturation of 0. We write the values ourselves, fixed-point with 6 decimals, as the clip's
  ``cmx_3600`` comments, which the adapter emits verbatim as ``* ASC_SOP (...)(...)(...)`` and
  ``* ASC_SAT ...`` and reads back into ``metadata["cdl"]``.

References
----------
CMX 3600 EDL format; ASC CDL v1.2 (2009), section 5 ("ASC_SOP" and "ASC_SAT" EDL comments).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import opentimelineio as otio

from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text
from workbench.ops.cdl import CDLValues, check_cdl_values

__all__ = ["asc_comment_lines", "edl_string", "write_edl"]


def _numbers(value: Any, count: int, where: str) -> list[float]:
    try:
        numbers = [float(v) for v in (value if count > 1 else [value])]
    except (TypeError, ValueError):
        raise ParameterError(f"{where}: expected {count} number(s), got {value!r}") from None
    if len(numbers) != count or not all(math.isfinite(v) for v in numbers):
        raise ParameterError(f"{where}: expected {count} finite number(s), got {value!r}")
    return numbers


def asc_comment_lines(cdl: Mapping[str, Any], where: str = "clip") -> list[str]:
    """The ``ASC_SOP`` and ``ASC_SAT`` comment bodies for an OTIO ``metadata["cdl"]`` dict.

    Parameters
    ----------
    cdl
        ``{"asc_sop": {"slope": [3], "offset": [3], "power": [3]}, "asc_sat": float}``, the layout
        the CMX 3600 adapter reads and writes; a missing part is the identity.
    where
        Names the clip in error messages.

    Returns
    -------
    list[str]
        ``["ASC_SOP (s s s)(o o o)(p p p)", "ASC_SAT s"]``, fixed-point with 6 decimals.

    Example
    -------
    >>> asc_comment_lines({"asc_sop": {"slope": [1.1, 1, 1]}, "asc_sat": 0.9})[1]
    'ASC_SAT 0.900000'
    """
    sop = cdl.get("asc_sop") or {}
    sops = {key: _numbers(sop.get(key, [default] * 3), 3, f"{where} ASC_SOP {key}")
            for key, default in (("slope", 1.0), ("offset", 0.0), ("power", 1.0))}
    sat = cdl.get("asc_sat")
    [saturation] = _numbers(1.0 if sat is None else sat, 1, f"{where} ASC_SAT")
    # The ASC's rules (slope >= 0, power > 0, saturation >= 0): a reader such as OCIO refuses
    # an EDL event that breaks them.
    check_cdl_values(CDLValues(*(tuple(sops[k]) for k in ("slope", "offset", "power")),
                               saturation), where)  # type: ignore[arg-type]
    parts = ["(" + " ".join(f"{v:.6f}" for v in sops[k]) + ")"
             for k in ("slope", "offset", "power")]
    return ["ASC_SOP " + "".join(parts), f"ASC_SAT {saturation:.6f}"]


def edl_string(timeline: otio.schema.Timeline, record_start: str = "01:00:00:00",
               rate: float | None = None) -> str:
    """The CMX 3600 text of ``timeline`` (see :func:`write_edl`); ``timeline`` is not modified."""
    tl = copy.deepcopy(timeline)
    video = [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video and t.enabled]
    if len(video) != 1:
        raise ParameterError(f"timeline {tl.name!r}: a CMX 3600 EDL holds one video track, "
                             f"got {len(video)}")
    track = video[0]
    if not any(isinstance(c, otio.schema.Clip) for c in track):
        raise ParameterError(f"timeline {tl.name!r}: the video track has no clips")
    edl_rate = float(rate or track.duration().rate)
    try:
        start = otio.opentime.from_timecode(record_start, edl_rate)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"record_start must be a timecode like '01:00:00:00' at "
                             f"{edl_rate:g} fps, got {record_start!r}: {exc}") from None
    if start.value < 0:
        raise ParameterError(f"record_start must not be negative, got {record_start!r}")

    for clip in track.find_clips(shallow_search=True):
        cdl = clip.metadata.get("cdl")
        if cdl is None:
            continue
        lines = asc_comment_lines(cdl, f"clip {clip.name!r}")
        del clip.metadata["cdl"]  # stop the adapter writing its own, unparseable, ASC lines
        cmx = clip.metadata.setdefault("cmx_3600", {})
        cmx["comments"] = [*list(cmx.get("comments", [])), *lines]

    if start.value > 0:
        track.insert(0, otio.schema.Gap(source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, edl_rate), start)))

    text: str = otio.adapters.write_to_string(tl, adapter_name="cmx_3600", rate=edl_rate)
    drop = ";" in otio.opentime.to_timecode(otio.opentime.RationalTime(0, edl_rate), edl_rate)
    fcm = f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}"
    lines = text.split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    return "\n".join([*lines[:at], fcm, *lines[at:]])


def write_edl(path: Path, timeline: otio.schema.Timeline, record_start: str = "01:00:00:00",
              rate: float | None = None) -> Path:
    """Write ``timeline`` as a CMX 3600 EDL whose record timecode starts at ``record_start``.

    Each clip with ``metadata["cdl"]`` (as :func:`workbench.interchange.timeline.
    delivery_timeline` makes) gets ``* ASC_SOP (s s s)(o o o)(p p p)`` and ``* ASC_SAT s``
    comment lines. The file is written atomically.

    Parameters
    ----------
    path
        Destination ``.edl``.
    timeline
        One enabled video track of clips (gaps allowed); it is not modified.
    record_start
        Record timecode of the first frame of the track, ``HH:MM:SS:FF``.
    rate
        EDL frame rate; default: the track's rate.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ParameterError
        For a timeline the format cannot hold, a bad ``record_start`` or malformed CDL metadata.
    """
    return atomic_write_text(path, edl_string(timeline, record_start, rate))
