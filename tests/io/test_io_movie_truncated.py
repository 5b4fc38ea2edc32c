"""Movies cut short, in every container: counted against the header, refused with one line.

The movies are real footage (the campus walkway of ../shared/data's vtest) written with PyAV in
AVI, Matroska, QuickTime and MP4, then cut to part of their bytes, as a copy interrupted or a
recording that stopped would be. Each header says how many frames there should be: the AVI
stream header and the MOV/MP4 sample table store a count, Matroska a duration.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from testkit import sha256, shared_path

from workbench.cli import main
from workbench.errors import MediaError
from workbench.io import make_proxy, probe_movie, read_movie_frames
from workbench.title import Title

DATA = shared_path("video")
VTEST = DATA / "opencv_vtest.avi"
TREE = DATA / "opencv_tree.avi"
FRAMES = 30

# container suffix -> (encoder, muxer options); MOV/MP4 put the index first, as cameras and
# `+faststart` do, so a cut file still opens (an index at the end is lost with the tail, and
# that file is refused as unreadable, which tests/io/test_io_movie.py covers).
CONTAINERS = {
    ".avi": ("mpeg4", {}),
    ".mkv": ("libx264", {}),
    ".mov": ("libx264", {"movflags": "+faststart"}),
    ".mp4": ("libx264", {"movflags": "+faststart"}),
}

CC = """<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrection id="warm">
  <SOPNode><Slope>1.1 1.0 0.9</Slope><Offset>0.01 0 -0.01</Offset><Power>1 1 1</Power></SOPNode>
  <SATNode><Saturation>1.0</Saturation></SATNode>
</ColorCorrection>
"""


def _write(path: Path, frames: list[np.ndarray], codec: str, options: dict[str, str]) -> None:
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream(codec, rate=Fraction(10))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "veryfast", "crf": "20"}
        for index, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.fixture(scope="module")
def movies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Per suffix: ``(complete, cut)``, read-only; the cut ends inside the 16th frame's data."""
    root = tmp_path_factory.mktemp("truncated")
    frames = [rgb for _, rgb in read_movie_frames(VTEST, stop=FRAMES, max_width=384)]
    out = {}
    for suffix, (codec, options) in CONTAINERS.items():
        whole, cut = root / f"walk{suffix}", root / f"walk_cut{suffix}"
        _write(whole, frames, codec, options)
        with av.open(str(whole)) as container:
            packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
        pos, size = packets[FRAMES // 2]  # in the middle of the 16th frame's data
        cut.write_bytes(whole.read_bytes()[: pos + size // 2])
        for p in (whole, cut):
            p.chmod(0o444)
        out[suffix] = (whole, cut)
    return out


@pytest.mark.parametrize("suffix", list(CONTAINERS))
def test_header_count_and_where_the_data_ends(movies, suffix: str) -> None:
    whole, cut = movies[suffix]
    full = probe_movie(whole)
    assert (full.frame_count, full.truncated_at) == (FRAMES, None)
    info = probe_movie(cut)
    assert info.frame_count == FRAMES  # what the header says, not what is left
    assert info.truncated_at is not None and 5 < info.truncated_at < FRAMES
    # Everything before the cut reads, and is the same picture as in the complete file.
    before = list(read_movie_frames(cut, stop=info.truncated_at))
    assert [i for i, _ in before] == list(range(info.truncated_at))
    reference = dict(read_movie_frames(whole, stop=info.truncated_at))
    assert all(np.array_equal(rgb, reference[i]) for i, rgb in before)
    # Asking for more is refused at once, naming file, frame and header.
    with pytest.raises(MediaError) as err:
        read_movie_frames(cut, depth=32)
    assert str(err.value) == (f"{cut.name} frame {info.truncated_at}: stream ends early "
                              f"(header says {FRAMES} frames)")
    with pytest.raises(MediaError, match=rf"^{cut.name} frame {info.truncated_at}: stream ends"):
        make_proxy(cut, cut.parent / "proxies" / f"p{suffix}.mp4", 64)
    assert not (cut.parent / "proxies" / f"p{suffix}.mp4").exists()


def test_truncated_vtest_avi_names_the_frame(tmp_path: Path) -> None:
    # The case as reported: the real AVI cut short read silently as its first frames.
    cut = tmp_path / "clip.avi"
    data = VTEST.read_bytes()
    cut.write_bytes(data[: len(data) // 50])
    info = probe_movie(cut)
    assert info.frame_count == 795 and info.truncated_at is not None
    with pytest.raises(MediaError) as err:
        read_movie_frames(cut)
    assert str(err.value) == (f"clip.avi frame {info.truncated_at}: stream ends early "
                              f"(header says 795 frames)")
    assert len(list(read_movie_frames(cut, stop=info.truncated_at))) == info.truncated_at


def test_complete_avi_with_dropped_frames_is_not_truncated() -> None:
    # A webcam capture: its header counts 444 frame times, 68 of which hold a frame. The
    # timestamps of those 68 reach the last frame time, so nothing is missing.
    info = probe_movie(TREE)
    assert info.truncated_at is None and info.frame_count == 68
    assert sum(1 for _ in read_movie_frames(TREE, max_width=64)) == 68


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["-q", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), err
    return lines[0].removeprefix("workbench: error: ")


@pytest.mark.parametrize("suffix", list(CONTAINERS))
def test_ingest_refuses_and_catalogues_nothing(capsys, movies, tmp_path: Path,
                                               suffix: str) -> None:
    whole, cut_src = movies[suffix]
    dailies = tmp_path / "dailies"
    dailies.mkdir()
    good, cut = dailies / whole.name, dailies / cut_src.name
    shutil.copy(whole, good)
    shutil.copy(cut_src, cut)
    before = sha256(cut)
    title = tmp_path / "title"
    assert run(capsys, "init", title)[0] == 0
    # The good clip comes first: it must not stay catalogued when the batch fails.
    code, _, err = run(capsys, "ingest", title, good, cut, "--proxy-width", "64")
    frame = probe_movie(cut).truncated_at
    assert code == 2
    assert _error_line(err) == (f"{cut.name} frame {frame}: stream ends early "
                                f"(header says {FRAMES} frames)")
    with Title.open(title) as t:
        assert t.clips() == [] and t.shots() == []
        proxies = list(t.proxy_dir.rglob("*")) if t.proxy_dir.exists() else []
    assert proxies == []
    assert sha256(cut) == before
    # The complete file alone ingests, with every frame.
    assert run(capsys, "ingest", title, good)[0] == 0
    with Title.open(title) as t:
        assert [c.frame_count for c in t.clips()] == [FRAMES]


@pytest.mark.parametrize("suffix", list(CONTAINERS))
@pytest.mark.parametrize("out_name", ["graded.mov", "graded.####.exr"])
def test_apply_refuses_before_writing(capsys, movies, tmp_path: Path, suffix: str,
                                      out_name: str) -> None:
    _, cut = movies[suffix]
    grade = tmp_path / "warm.cc"
    grade.write_text(CC)
    out_dir = tmp_path / "out"
    before = sha256(cut)
    code, _, err = run(capsys, "apply", "--grade", grade, "--in", cut, "--out", out_dir / out_name)
    frame = probe_movie(cut).truncated_at
    assert code == 2
    assert _error_line(err) == (f"{cut.name} frame {frame}: stream ends early "
                                f"(header says {FRAMES} frames)")
    assert not out_dir.exists() or not any(out_dir.iterdir())  # not one frame written
    assert sha256(cut) == before
