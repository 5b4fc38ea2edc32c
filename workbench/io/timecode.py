"""SMPTE timecode labels and frame counts, drop frame included, at any frame rate.

SMPTE ST 12-1 timecode exists only at 24, 25, 30, 48, 50 and 60 frames per second and their
1000/1001 forms; drop-frame counting exists only at 29.97 and 59.94, where it skips the labels
``;00``–``;01`` (``;00``–``;03`` at 59.94) at the start of every minute not divisible by ten, so
the label keeps pace with the wall clock. Whether a label counts drop frame is said by the label
itself (``;`` before the frames), never guessed from the rate.

Cameras and encoders also stamp other rates (a 10 fps webcam's QuickTime timecode track): those
labels count non-drop in whole frames per second (``round(fps)``), as FFmpeg and QuickTime do.
:func:`smpte_base` tells the two apart for formats, like CMX 3600, that hold only SMPTE rates.

References
----------
SMPTE ST 12-1:2014, Time and Control Code, section 5.2.2 (drop-frame counting).
"""

from __future__ import annotations

import re
from fractions import Fraction

from workbench.errors import ParameterError

__all__ = [
    "SMPTE_BASES",
    "frames_to_timecode",
    "is_drop_frame_rate",
    "smpte_base",
    "timecode_to_frames",
]

SMPTE_BASES = (24, 25, 30, 48, 50, 60)
"""Frames per timecode second of the rates SMPTE timecode defines (each also at x1000/1001)."""

_LABEL = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;])(\d{2,3})$")


def smpte_base(fps: Fraction | float) -> int | None:
    """Frames per timecode second at ``fps``, or None where SMPTE timecode does not exist.

    Example
    -------
    >>> smpte_base(Fraction(30000, 1001)), smpte_base(25), smpte_base(10), smpte_base(14.999)
    (30, 25, None, None)
    """
    rate = float(fps)
    for base in SMPTE_BASES:
        # 1e-3 admits the rounded spellings (23.976, 29.97, 59.94) and nothing else.
        if abs(rate - base) < 1e-3 or abs(rate - base * 1000 / 1001) < 1e-3:
            return base
    return None


def is_drop_frame_rate(fps: Fraction | float) -> bool:
    """Whether drop-frame counting exists at ``fps`` (29.97 and 59.94 only)."""
    base = smpte_base(fps)
    return base in (30, 60) and abs(float(fps) - base * 1000 / 1001) < 1e-3


def _counting(fps: Fraction | float, drop: bool, where: str) -> tuple[int, int]:
    """(frames per timecode second, labels dropped per minute) of the counting at ``fps``."""
    if not float(fps) > 0:
        raise ParameterError(f"{where}: frame rate must be positive, got {fps}")
    base = smpte_base(fps) or max(1, round(float(fps)))
    if drop and not is_drop_frame_rate(fps):
        raise ParameterError(f"{where}: drop-frame timecode exists only at 29.97 and 59.94 fps, "
                             f"not {float(fps):g} fps")
    return base, (base // 15 if drop else 0)


def timecode_to_frames(timecode: str, fps: Fraction | float) -> int:
    """Frames since ``00:00:00:00`` of the label ``timecode`` at ``fps``.

    ``HH:MM:SS:FF`` counts non-drop; ``HH:MM:SS;FF`` counts drop frame (29.97 and 59.94 only).

    Raises
    ------
    ParameterError
        For a malformed label, a field out of range, or a label drop frame skips.

    Example
    -------
    >>> timecode_to_frames("01:00:00;00", Fraction(30000, 1001))
    107892
    >>> timecode_to_frames("01:00:00:00", Fraction(30000, 1001))
    108000
    """
    m = _LABEL.match(str(timecode))
    if not m:
        raise ParameterError(f"timecode must look like 'HH:MM:SS:FF' (';' before the frames "
                             f"for drop frame), got {timecode!r}")
    hh, mm, ss, sep, ff = int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5])
    base, dropped = _counting(fps, sep == ";", f"timecode {timecode}")
    if mm > 59 or ss > 59 or ff >= base:
        raise ParameterError(f"timecode {timecode}: a field is out of range at "
                             f"{float(fps):g} fps ({base} frames a second)")
    minutes = hh * 60 + mm
    if dropped and ss == 0 and ff < dropped and mm % 10:
        raise ParameterError(f"timecode {timecode}: drop frame skips frames 00 to "
                             f"{dropped - 1:02d} of minute {mm}, so this label does not exist")
    return (minutes * 60 + ss) * base + ff - dropped * (minutes - minutes // 10)


def frames_to_timecode(frames: int, fps: Fraction | float, drop: bool = False) -> str:
    """The label of frame ``frames`` (since ``00:00:00:00``) at ``fps``, wrapping at 24 hours.

    Example
    -------
    >>> frames_to_timecode(107892, Fraction(30000, 1001), drop=True)
    '01:00:00;00'
    >>> frames_to_timecode(1810, 29.97, drop=True)
    '00:01:00;12'
    """
    base, dropped = _counting(fps, drop, f"frame {frames}")
    frames = int(frames)
    if frames < 0:
        raise ParameterError(f"frame {frames}: timecode cannot label a negative frame")
    if dropped:
        per_minute = base * 60 - dropped
        per_ten = base * 600 - dropped * 9
        tens, rest = divmod(frames % (per_ten * 6 * 24), per_ten)
        skipped = dropped * 9 * tens
        if rest > dropped:
            skipped += dropped * ((rest - dropped) // per_minute)
        frames = frames % (per_ten * 6 * 24) + skipped
    frames %= base * 86400
    seconds, ff = divmod(frames, base)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    width = 3 if base > 99 else 2
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if dropped else ':'}{ff:0{width}d}"
