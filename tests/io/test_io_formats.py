"""The media-format registry: every format with a writer and a reader round-trips, checked with
readers we did not write (OpenImageIO, PyAV), and every command recognises the same suffixes."""

from __future__ import annotations

import importlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import OpenImageIO as oiio
import pytest

from workbench.errors import MediaError
from workbench.io import FORMATS, MOVIE_SUFFIXES, STILL_SUFFIXES, default_encoding, media_format

# Tolerance of each still writer: float16 EXR, 16-bit PNG/TIFF, 10-bit DPX, 8-bit lossy JPEG.
STILL_ATOL = {"OpenEXR": 1e-3, "PNG": 1e-4, "TIFF": 1e-4, "DPX": 1e-3, "JPEG": 0.06}


def _ramp(h: int = 32, w: int = 48) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.ascontiguousarray(np.stack([x / (w - 1), y / (h - 1), 0.5 * (x + y) / (h + w - 2)],
                                         axis=-1) * 0.9 + 0.05, dtype=np.float32)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.kind == "still"], ids=lambda f: f.name)
def test_every_still_format_round_trips_through_its_writer_and_reader(tmp_path, fmt):
    rgb = _ramp()
    for suffix in fmt.suffixes:
        path = tmp_path / f"frame.1001{suffix.upper() if suffix == fmt.suffixes[-1] else suffix}"
        fmt.write_function()(path, rgb)
        assert media_format(path) is fmt
        theirs = oiio.ImageInput.open(str(path))
        assert theirs is not None, oiio.geterror()
        pixels = theirs.read_image(0, 0, 0, 3, "float")
        theirs.close()
        np.testing.assert_allclose(pixels, rgb, atol=STILL_ATOL[fmt.name])
        ours, _info = fmt.read_function()(path)
        np.testing.assert_allclose(ours, pixels, atol=1e-6)


def test_movie_format_with_a_writer_round_trips(tmp_path):
    writable = [f for f in FORMATS if f.kind == "movie" and f.writer]
    assert [f.name for f in writable] == ["QuickTime"]
    fmt = writable[0]
    frames = [np.clip(_ramp() + 0.1 * i, 0, 1) for i in range(3)]
    path = tmp_path / "out.mov"
    assert fmt.write_function()(path, frames, Fraction(24)) == 3
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "prores"
        theirs = [f.to_ndarray(format="rgb48le").astype(np.float32) / 65535 for f in
                  container.decode(stream)]
    ours = [rgb for _, rgb in fmt.read_function()(path, depth=32)]
    assert len(theirs) == len(ours) == 3
    for a, b, src in zip(theirs, ours, frames, strict=True):
        np.testing.assert_allclose(b, src, atol=0.03)
        np.testing.assert_allclose(a, src, atol=0.03)


def test_unknown_suffix_is_one_line_naming_the_file():
    with pytest.raises(MediaError, match=r"^clip\.r3d: source has an unsupported file type"):
        media_format("/shoot/clip.r3d")


def test_default_encodings_come_from_the_registry():
    assert default_encoding("plate.####.exr") == "ACEScg"
    assert default_encoding("plate.####.dpx") == "sRGB"
    assert all(default_encoding(f"a{s}") == "Rec.709" for s in MOVIE_SUFFIXES)


def test_every_command_knows_the_registry_suffixes():
    # DPX was missing from match, look and continuity: a DPX plate was refused by them.
    from workbench.commands.continuity import IMAGE_SPACES
    from workbench.commands.look import DISPLAY_SUFFIXES, EXR_SUFFIXES
    from workbench.commands.match import _kind
    ingest = importlib.import_module("workbench.title.ingest")

    assert set(IMAGE_SPACES) == set(STILL_SUFFIXES)
    assert set(DISPLAY_SUFFIXES + EXR_SUFFIXES) == set(STILL_SUFFIXES)
    assert {_kind(Path(f"x{s}"), "--shot") for s in STILL_SUFFIXES} == {"still"}
    assert {_kind(Path(f"x{s}"), "--shot") for s in MOVIE_SUFFIXES} == {"movie"}
    assert set(ingest.IMAGE_SUFFIXES) == set(STILL_SUFFIXES)
    assert set(ingest.MOVIE_SUFFIXES) == set(MOVIE_SUFFIXES)
