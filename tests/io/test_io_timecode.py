"""SMPTE timecode labels against OpenTimelineIO's own counting, drop frame included."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest

from workbench.errors import ParameterError
from workbench.io.timecode import (
    frames_to_timecode,
    is_drop_frame_rate,
    smpte_base,
    timecode_to_frames,
)
from workbench.title.timecode import offset_timecode

NTSC, NTSC60 = Fraction(30000, 1001), Fraction(60000, 1001)
FRAMES = [*range(0, 20000, 7), *range(107880, 107900), *range(1_000_000, 1_003_000, 11)]


@pytest.mark.parametrize(("fps", "drop"), [(NTSC, True), (NTSC60, True), (NTSC, False),
                                           (Fraction(24000, 1001), False), (Fraction(25), False),
                                           (Fraction(50), False), (Fraction(60), False)])
def test_labels_match_opentimelineio(fps: Fraction, drop: bool) -> None:
    rate = float(fps)
    for frame in FRAMES:
        label = frames_to_timecode(frame, fps, drop)
        expected = otio.opentime.to_timecode(otio.opentime.RationalTime(frame, rate), rate,
                                             drop_frame=drop)
        assert label == expected, frame
        assert timecode_to_frames(label, fps) == frame
        assert otio.opentime.from_timecode(label, rate).value == frame


def test_the_label_not_the_rate_says_drop_frame() -> None:
    # One hour of record in drop frame is 107892 frames; read as non-drop it is 108000, which
    # drop frame then labels 01:00:03;18 (the EDL bug this module exists to prevent).
    assert timecode_to_frames("01:00:00;00", NTSC) == 107892
    assert timecode_to_frames("01:00:00:00", NTSC) == 108000
    assert frames_to_timecode(108000, NTSC, drop=True) == "01:00:03;18"
    assert offset_timecode("00:00:59;28", 12, NTSC) == "00:01:00;12"  # ;00 and ;01 skipped
    assert offset_timecode("00:00:59:28", 12, NTSC) == "00:01:00:10"  # non-drop stays so
    assert offset_timecode("00:00:59;56", 4, NTSC60) == "00:01:00;04"  # ;00-;03 skipped


def test_rates_timecode_cannot_express() -> None:
    assert [smpte_base(r) for r in (NTSC, 29.97, 23.976, 25, 48, 59.94)] == [30, 30, 24, 25, 48, 60]
    assert smpte_base(10) is None and smpte_base(14.999) is None and smpte_base(120) is None
    assert is_drop_frame_rate(29.97) and not is_drop_frame_rate(30) and not is_drop_frame_rate(25)
    # A 10 fps camera's timecode track counts 10 labels a second, non-drop, as FFmpeg writes it.
    assert offset_timecode("01:00:00:08", 5, Fraction(10)) == "01:00:01:03"


@pytest.mark.parametrize(("label", "fps", "match"), [
    ("01:00:00", NTSC, "HH:MM:SS:FF"), ("1:00:00:00", 24, "HH:MM:SS:FF"),
    ("01:00:00:25", 25, "out of range"), ("01:61:00:00", 24, "out of range"),
    ("00:01:00;00", NTSC, "does not exist"), ("00:01:00;01", NTSC, "does not exist"),
    ("01:00:00;00", 25, "29.97 and 59.94")])
def test_bad_labels(label: str, fps: Fraction | int, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        timecode_to_frames(label, fps)
    assert timecode_to_frames("00:10:00;00", NTSC) == 17982  # minute 10 keeps its ;00
