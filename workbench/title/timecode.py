"""SMPTE timecode arithmetic for clips: frame offsets from a start timecode, drop frame kept.

The counting itself lives in :mod:`workbench.io.timecode` (the media layer, which the
interchange writers use too); a label's own separator says drop or non-drop, never the rate.
"""

from __future__ import annotations

from fractions import Fraction

from workbench.io.timecode import frames_to_timecode, timecode_to_frames

__all__ = ["offset_timecode"]


def offset_timecode(timecode: str, frames: int, fps: Fraction) -> str:
    """The timecode ``frames`` after ``timecode``, in the same (drop or non-drop) counting.

    Guessing drop frame from the rate alone would turn a 29.97 non-drop source's
    ``01:00:00:20`` into ``01:00:03;18``; the source's own separator decides here. At a rate
    SMPTE does not define (10 fps), labels count non-drop in whole frames a second.

    Example
    -------
    >>> offset_timecode("00:00:59;28", 12, Fraction(30000, 1001))
    '00:01:00;12'
    """
    return frames_to_timecode(timecode_to_frames(timecode, fps) + frames, fps,
                              drop=";" in timecode)
