"""CMX 3600 EDL export, read back with OpenTimelineIO's own cmx_3600 reader."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from workbench.errors import ParameterError
from workbench.interchange.edl import write_edl

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
FPS = 24

CLIPS = [
    ("A001_010", 86400 + 10, 48,
     {"asc_sop": {"slope": [1.213457, 0.904321, 1.1], "offset": [-0.051234, 0.00001, 0.0],
                  "power": [0.8, 1.312345, 1.1]}, "asc_sat": 1.287654}),
    ("A002_020", 1001, 30,
     {"asc_sop": {"slope": [0.95, 1.0, 1.05], "offset": [0.01, -0.002, 0.003],
                  "power": [1.0, 1.0, 0.97]}, "asc_sat": 0.0}),
]


def _timeline() -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="Tiny delivery")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    for name, start, frames, cdl in CLIPS:
        ref = otio.schema.ExternalReference(target_url=f"file:///renders/{name}.mov")
        clip = otio.schema.Clip(name=name, media_reference=ref,
                                source_range=TR(RT(start, FPS), RT(frames, FPS)))
        clip.metadata["cdl"] = cdl
        track.append(clip)
    return tl


@pytest.mark.parametrize("record_start", ["01:00:00:00", "00:59:58:00", "00:00:00:00"])
def test_edl_round_trip(tmp_path: Path, record_start: str) -> None:
    tl = _timeline()
    before = otio.adapters.write_to_string(tl, adapter_name="otio_json")
    path = write_edl(tmp_path / "tiny.edl", tl, record_start=record_start)
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.edl"]
    assert otio.adapters.write_to_string(tl, adapter_name="otio_json") == before  # untouched

    text = path.read_text()
    assert text.startswith("TITLE: Tiny delivery\nFCM: NON-DROP FRAME\n")
    sop_lines = [line for line in text.splitlines() if "ASC_SOP" in line]
    sat_lines = [line for line in text.splitlines() if "ASC_SAT" in line]
    assert len(sop_lines) == len(sat_lines) == 2
    assert sop_lines[0] == ("* ASC_SOP (1.213457 0.904321 1.100000)(-0.051234 0.000010 0.000000)"
                            "(0.800000 1.312345 1.100000)")
    assert sat_lines[1] == "* ASC_SAT 0.000000"
    assert "e-0" not in text  # the adapter alone would write 1e-05, which its reader rejects

    back = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=FPS)
    [track] = back.video_tracks()
    # The reader places the first event at -record_in on the track.
    record_in = -track.source_range.start_time if track.source_range else RT(0, FPS)
    assert otio.opentime.to_timecode(record_in, FPS) == record_start
    clips = list(back.find_clips())
    assert [c.name for c in clips] == [name for name, *_ in CLIPS]
    for clip, (_, start, frames, cdl) in zip(clips, CLIPS, strict=True):
        assert clip.source_range == TR(RT(start, FPS), RT(frames, FPS))
        got = clip.metadata["cdl"]
        for key in ("slope", "offset", "power"):
            assert list(got["asc_sop"][key]) == pytest.approx(cdl["asc_sop"][key], abs=1e-4)
        assert got["asc_sat"] == pytest.approx(cdl["asc_sat"], abs=1e-4)

    # Record timecodes on the event lines, literally.
    events = [line.split() for line in text.splitlines() if line[:3].isdigit()]
    start = otio.opentime.from_timecode(record_start, FPS)
    assert events[0][-2] == record_start
    assert events[0][-1] == otio.opentime.to_timecode(start + RT(48, FPS), FPS) == events[1][-2]
    assert events[1][-1] == otio.opentime.to_timecode(start + RT(78, FPS), FPS)
    assert events[0][-4] == "01:00:00:10"  # source timecode untouched


def test_edl_of_a_delivery_timeline_layout(tmp_path: Path) -> None:
    tl = _timeline()
    clip = next(iter(tl.find_clips()))
    del clip.metadata["cdl"]  # an ungraded shot: no ASC lines for it
    text = write_edl(tmp_path / "d.edl", tl).read_text()
    assert text.count("ASC_SOP") == 1 and text.count("ASC_SAT") == 1


def test_edl_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="record_start"):
        write_edl(tmp_path / "x.edl", _timeline(), record_start="one hour")
    tl = _timeline()
    next(iter(tl.find_clips())).metadata["cdl"]["asc_sop"]["slope"] = [1.0, 2.0]
    with pytest.raises(ParameterError, match=r"A001_010.*slope"):
        write_edl(tmp_path / "x.edl", tl)
    with pytest.raises(ParameterError, match="one video track"):
        write_edl(tmp_path / "x.edl", otio.schema.Timeline(name="empty"))
    assert list(tmp_path.iterdir()) == []
