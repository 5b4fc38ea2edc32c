"""SMPTE timecode arithmetic for clips: frame offsets from a start timecode, drop frame kept."""

from __future__ import annotations

from fractions import Fraction

__all__ = ["offset_timecode", "timecode_to_frames"]


def timecode_to_frames(timecode: str, fps: Fraction) -> int:
    """Frames since 00:00:00:00 of ``timecode`` at ``fps`` (``;`` marks drop frame)."""
    import opentimelineio as otio

    return int(otio.opentime.from_timecode(timecode, float(fps)).to_frames())


def offset_timecode(timecode: str, frames: int, fps: Fraction) -> str:
    """The timecode ``frames`` after ``timecode``, in the same (drop or non-drop) counting.

    OpenTimelineIO would guess drop frame from the rate alone, which turns a 29.97 non-drop
    source's ``01:00:00:20`` into ``01:00:03;18``; the source's own separator decides here.
    """
    import opentimelineio as otio

    rate = float(fps)
    start = otio.opentime.from_timecode(timecode, rate)
    later = start + otio.opentime.RationalTime(frames, rate)
    return str(otio.opentime.to_timecode(later, rate, drop_frame=";" in timecode))
