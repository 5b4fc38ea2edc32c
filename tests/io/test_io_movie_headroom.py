"""Video-range headroom survives decoding and rendering: super-whites above 1, sub-blacks below 0.

8-bit video stores white at Y' 235 and black at 16; codes up to 254 and down to 1 are legal
(super-whites, sub-blacks) and real cameras put highlights there: ../shared/data's vtest
reaches Y' 255. A finishing system carries those values into the linear working space; this
checks that ours does, against a decode written here from the standard (ITU-R BT.709), on the
raw Y'CbCr planes PyAV gives, with chroma interpolated by matrices built here and
OpenColorIO doing the colour.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import OpenImageIO as oiio
import PyOpenColorIO as ocio
import pytest
from testkit import shared_path

from workbench.cli import main
from workbench.color.config import CONFIG_URI
from workbench.io import read_movie_frames

VTEST = shared_path("video", "opencv_vtest.avi")
FRAMES = 12


def linear_weights(n_out: int, n_in: int, position) -> np.ndarray:
    """``(n_out, n_in)`` matrix interpolating linearly at ``position(i)``, edges repeated."""
    weights = np.zeros((n_out, n_in))
    for i in range(n_out):
        t = min(max(position(i), 0.0), n_in - 1.0)
        lo = int(np.floor(t))
        hi = min(lo + 1, n_in - 1)
        weights[i, lo] += 1.0 - (t - lo)
        weights[i, hi] += t - lo
    return weights


def bt709_limited_rgb(frame: av.VideoFrame) -> np.ndarray:
    """R'G'B' float64 ``(H, W, 3)`` of an 8-bit 4:2:0 frame by ITU-R BT.709, limited range.

    Chroma sits on the even luma columns, midway between two luma rows (MPEG-2 "left" siting),
    interpolated linearly with the edge sample repeated.
    """
    planes = frame.to_ndarray()  # yuv420p: Y' rows, then the Cb and Cr planes, flattened
    h, w = frame.height, frame.width
    y = planes[:h].astype(np.float64)
    chroma = planes[h:].reshape(2, h // 2, w // 2).astype(np.float64)
    down = linear_weights(h, h // 2, lambda row: (row - 0.5) / 2)
    across = linear_weights(w, w // 2, lambda col: col / 2)
    cb, cr = (down @ c @ across.T for c in chroma)
    ey = (y - 16) / 219
    pb, pr = (cb - 128) / 224, (cr - 128) / 224
    r = ey + 1.5748 * pr
    b = ey + 1.8556 * pb
    g = (ey - 0.2126 * r - 0.0722 * b) / 0.7152
    return np.stack([r, g, b], axis=-1)


def _reference(count: int) -> list[np.ndarray]:
    with av.open(str(VTEST)) as container:
        frames = [f for _, f in zip(range(count), container.decode(video=0), strict=False)]
    assert frames[0].format.name == "yuv420p"
    return [bt709_limited_rgb(f) for f in frames]


def test_float_decode_keeps_superwhites_and_subblacks() -> None:
    want = _reference(3)
    got = [rgb for _, rgb in read_movie_frames(VTEST, stop=3, depth=32)]
    for a, b in zip(got, want, strict=True):
        assert a.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-6)
    top, bottom = max(float(a.max()) for a in got), min(float(a.min()) for a in got)
    assert top > 1.2 and bottom < -0.1  # beyond white and black, as the footage holds
    # The 8-bit path is for display and analysis: clipped, and within a code of the above.
    clipped = next(read_movie_frames(VTEST, stop=1))[1].astype(np.float64) / 255
    assert np.abs(clipped - np.clip(want[0], 0, 1)).mean() < 1 / 255


@pytest.fixture
def vtest_clip(tmp_path: Path) -> Path:
    """vtest's first frames, copied packet for packet (the same coded pictures)."""
    clip = tmp_path / "dailies" / "walk.avi"
    clip.parent.mkdir()
    with av.open(str(VTEST)) as src, av.open(str(clip), "w") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        kept = 0
        for packet in src.demux(video=0):
            if packet.size and kept < FRAMES:
                packet.stream = stream
                out.mux(packet)
                kept += 1
    return clip


@pytest.fixture
def vtest_title(vtest_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    title = tmp_path / "title"
    for args in (["init", title], ["ingest", title, vtest_clip], ["propose", title],
                 ["decide", title, "walk_001", "accept", "--by", "test"]):
        assert main(["-q", *map(str, args)]) == 0, capsys.readouterr()
    capsys.readouterr()
    return title


def _check_acescg(files: list[Path]) -> None:
    """EXRs equal the independent decode in ACEScg to half precision, super-whites kept."""
    assert len(files) == FRAMES
    config = ocio.Config.CreateFromFile(CONFIG_URI)
    to_acescg = config.getProcessor("Rec.1886 Rec.709 - Display", "ACEScg").getDefaultCPUProcessor()
    white = np.ones((1, 1, 3), np.float32)
    to_acescg.applyRGB(white)
    top = 0.0
    for path, rgb in zip(files, _reference(FRAMES), strict=True):
        want = np.ascontiguousarray(rgb, dtype=np.float32)
        to_acescg.applyRGB(want)
        image = oiio.ImageInput.open(str(path))
        assert image.spec().format == oiio.HALF
        got = image.read_image("float")
        image.close()
        # Within what half float can hold: its 10-bit mantissa, and its smallest normal.
        np.testing.assert_allclose(got, want, rtol=2.0**-10, atol=2.0**-14)
        top = max(top, float(got.max()))
    # Super-whites stand well above what display white (1.0) becomes in ACEScg.
    assert top > 1.3 * float(white.max())


def test_render_keeps_headroom_in_acescg(vtest_title: Path, tmp_path: Path) -> None:
    # The anchor shot, accepted as shot: an identity grade.
    out = tmp_path / "renders"
    assert main(["-q", "render", str(vtest_title), "--out", str(out), "--format", "exr"]) == 0
    _check_acescg(sorted((out / "walk_001").glob("*.exr")))


def test_apply_to_exr_keeps_headroom(vtest_clip: Path, tmp_path: Path) -> None:
    grade = tmp_path / "g.cc"
    grade.write_text('<ColorCorrection id="g"><SOPNode><Slope>1.2 1.2 1.2</Slope>'
                     "<Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode></ColorCorrection>")
    out = tmp_path / "applied" / "walk.####.exr"
    assert main(["-q", "apply", "--grade", str(grade), "--in", str(vtest_clip), "--out", str(out),
                 "--strength", "0"]) == 0
    _check_acescg(sorted(out.parent.glob("*.exr")))
