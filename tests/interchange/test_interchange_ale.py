"""ALE read: clip names, source files, timecodes, scene/take/day and the on-set CDL columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ParameterError
from workbench.interchange.ale import read_ale_clips

ROW_A = ("A001C003_250305_R1AB\tV\t14:03:10:00\t14:03:20:12\tA001\tA001C003_250305_R1AB.mov\t"
         "42B\t3\t2025-03-05\t(1.0500 0.9800 1.0000)(0.0100 0.0000 -0.0200)(1.0000 1.0000 0.9500)"
         "\t0.9000")
ALE = f"""Heading
FIELD_DELIM\tTABS
VIDEO_FORMAT\t1080
FPS\t23.976

Column
Name\tTracks\tStart\tEnd\tTape\tSource File\tScene\tTake\tShoot Date\tASC_SOP\tASC_SAT

Data
{ROW_A}
B002C011_250305_R2CD\tV\t09:00:00:00\t09:00:04:00\tB002\t\t43\t1\t2025-03-05\t\t
"""


def test_ale_clips_with_timecode_and_cdl(tmp_path: Path):
    path = tmp_path / "day5.ale"
    path.write_text(ALE)
    a, b = read_ale_clips(path)
    assert a.key == "A001C003_250305_R1AB" and a.source_file == "A001C003_250305_R1AB.mov"
    assert (a.start, a.end, a.tape) == ("14:03:10:00", "14:03:20:12", "A001")
    assert (a.scene, a.take, a.day) == ("42B", "3", "2025-03-05")
    assert a.fps == pytest.approx(24000 / 1001)
    assert a.cdl is not None
    assert a.cdl.slope == (1.05, 0.98, 1.0) and a.cdl.offset == (0.01, 0.0, -0.02)
    assert a.cdl.power == (1.0, 1.0, 0.95) and a.cdl.saturation == pytest.approx(0.9)
    assert b.cdl is None and b.key == "B002C011_250305_R2CD" and b.start == "09:00:00:00"


def test_a_broken_ale_is_named(tmp_path: Path):
    path = tmp_path / "bad.ale"
    path.write_text("Heading\nFPS\tnot-a-rate\n\nColumn\nName\tStart\n\nData\nx\t01:00:00:00\n")
    with pytest.raises(ParameterError, match=r"bad\.ale"):
        read_ale_clips(path)


def test_a_29_97_ale_keeps_the_labs_drop_and_non_drop_labels(tmp_path: Path):
    # OTIO's adapter keeps a frame count; writing it back at 29.97 called a non-drop
    # 01:00:00:00 '01:00:03;18'. What the lab wrote is what ingest and the EDL must see.
    path = tmp_path / "day1.ale"
    path.write_text("Heading\nFIELD_DELIM\tTABS\nVIDEO_FORMAT\t1080\nFPS\t29.97\n\n"
                    "Column\nName\tTape\tStart\tEnd\n\nData\n"
                    "ndf\tA001\t01:00:00:00\t01:00:10:00\n"
                    "df\tA002\t01:00:00;00\t01:00:10;00\n")
    ndf, df = read_ale_clips(path)
    assert (ndf.start, ndf.end) == ("01:00:00:00", "01:00:10:00")
    assert (df.start, df.end) == ("01:00:00;00", "01:00:10;00")
