import hashlib
import shutil
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest
from pngkit import png_chunks
from testkit import shared_path

from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io import (
    list_sequence,
    read_image,
    write_dpx10,
    write_exr,
    write_jpeg,
    write_png8,
    write_png16,
    write_tiff16,
)

DATA = shared_path()
COFFEE = DATA / "photo" / "skimage_coffee.png"


@pytest.fixture
def coffee(tmp_path: Path) -> Path:
    dst = tmp_path / "coffee.png"
    shutil.copyfile(COFFEE, dst)
    return dst


def _ramp(h: int = 12, w: int = 20) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.uniform(0, 1, (h, w, 3)).astype(np.float32)


def test_read_png8(coffee: Path) -> None:
    before = hashlib.sha256(coffee.read_bytes()).hexdigest()
    rgb, info = read_image(coffee)
    assert rgb.shape == (400, 600, 3) and rgb.dtype == np.float32
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert (info.width, info.height, info.channels) == (600, 400, 3)
    assert (info.format, info.bits_per_sample, info.file_format) == ("uint8", 8, "png")
    assert "oiio:ColorSpace" in info.metadata
    assert np.allclose(rgb * 255, np.round(rgb * 255), atol=1e-3)  # normalised /255
    assert hashlib.sha256(coffee.read_bytes()).hexdigest() == before


def test_exr_half_round_trip_unclamped_with_metadata(tmp_path: Path) -> None:
    rgb = _ramp() * 3 - 1
    rgb[0, 0] = [-0.5, 4.0, 1000.25]
    meta = {
        "workbench:title": "Spiral Sessions",
        "workbench:shot": "A001C003",
        "workbench:decision": "accept",
        "workbench:model_version": 3,
        "workbench:strength": 0.5,
    }
    path = write_exr(tmp_path / "shot.exr", rgb, metadata=meta)
    got, info = read_image(path)
    assert (info.format, info.bits_per_sample, info.file_format) == ("half", 16, "openexr")
    assert np.array_equal(got, rgb.astype(np.float16).astype(np.float32))
    assert got[0, 0, 0] == -0.5 and got[0, 0, 1] == 4.0
    for key, value in meta.items():
        assert info.metadata[key] == str(value)
    assert info.metadata["compression"] == "zip"
    assert [p.name for p in tmp_path.iterdir()] == ["shot.exr"]


def test_exr_float_is_exact(tmp_path: Path) -> None:
    rgb = (_ramp() - 0.5) * 1e5
    got, info = read_image(write_exr(tmp_path / "f.exr", rgb, half=False, compression="piz"))
    assert info.format == "float" and np.array_equal(got, rgb)


def test_exr_rejects_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ShapeError, match=r"a\.exr: expected shape \(H, W, 3\)"):
        write_exr(tmp_path / "a.exr", np.zeros((4, 4), np.float32))
    bad = _ramp()
    bad[1, 1, 1] = np.inf
    with pytest.raises(MediaError, match=r"b\.exr: Inf in 1 values"):
        write_exr(tmp_path / "b.exr", bad)
    with pytest.raises(ParameterError, match="half=False"):
        write_exr(tmp_path / "c.exr", _ramp() * 1e6)
    with pytest.raises(ParameterError, match="compression"):
        write_exr(tmp_path / "d.exr", _ramp(), compression="lzw")
    assert list(tmp_path.iterdir()) == []


def test_png16_round_trip_and_clip(tmp_path: Path) -> None:
    rgb = _ramp()
    rgb[0, 0] = [-0.2, 1.3, 0.5]
    got, info = read_image(write_png16(tmp_path / "a.png", rgb))
    assert (info.format, info.bits_per_sample) == ("uint16", 16)
    expected = np.round(np.clip(rgb, 0, 1) * 65535) / 65535
    assert np.abs(got - expected).max() < 1e-6
    assert list(got[0, 0]) == [0.0, 1.0, pytest.approx(0.5, abs=1e-5)]


def test_png8_and_jpeg_thumbnails(tmp_path: Path) -> None:
    rgb = np.broadcast_to(np.linspace(0, 1, 32, dtype=np.float32)[None, :, None], (16, 32, 3))
    got, info = read_image(write_png8(tmp_path / "t.png", rgb))
    assert info.format == "uint8" and np.abs(got - rgb).max() <= 0.5 / 255 + 1e-6
    got, info = read_image(write_jpeg(tmp_path / "t.jpg", rgb, quality=95))
    assert info.file_format == "jpeg" and np.abs(got - rgb).mean() < 2 / 255
    with pytest.raises(ParameterError, match="quality"):
        write_jpeg(tmp_path / "q.jpg", rgb, quality=0)


def test_dpx10_read(tmp_path: Path) -> None:
    rgb = _ramp()
    got, info = read_image(write_dpx10(tmp_path / "plate.dpx", rgb))
    assert (info.file_format, info.format, info.bits_per_sample) == ("dpx", "uint16", 10)
    codes = np.round(rgb * 1023)
    assert np.abs(got * 1023 - codes).max() < 0.02  # OIIO scales 10-bit codes by bit replication


def test_tiff16_read(tmp_path: Path) -> None:
    rgb = _ramp()
    got, info = read_image(write_tiff16(tmp_path / "plate.tif", rgb))
    assert (info.file_format, info.format, info.bits_per_sample) == ("tiff", "uint16", 16)
    assert np.abs(got - rgb).max() <= 0.5 / 65535 + 1e-7


def test_grey_and_alpha_become_rgb(tmp_path: Path) -> None:
    grey = np.linspace(0, 1, 24, dtype=np.float32).reshape(4, 6, 1)
    buf = oiio.ImageBuf(oiio.ImageSpec(6, 4, 1, "uint16"))
    buf.set_pixels(oiio.ROI(), grey)
    assert buf.write(str(tmp_path / "grey.png"))
    got, info = read_image(tmp_path / "grey.png")
    assert info.channels == 1 and got.shape == (4, 6, 3)
    assert np.allclose(got, np.repeat(grey, 3, axis=2), atol=1e-4)

    rgba, info = read_image(DATA / "keying" / "jxl_wesaturate_tmshre_riaphotographs_alpha.png")
    assert info.channels == 4 and rgba.shape == (500, 500, 3)
    plain, _ = read_image(DATA / "photo" / "jxl_wesaturate_tmshre_riaphotographs_srgb8.png")
    assert np.allclose(rgba, plain)  # alpha dropped, colour not premultiplied


def test_truncated_png_raises(coffee: Path) -> None:
    data = coffee.read_bytes()
    for fraction in (0.1, 0.5, 0.99):
        cut = coffee.with_name(f"cut{int(fraction * 100)}.png")
        cut.write_bytes(data[: int(len(data) * fraction)])
        with pytest.raises(MediaError, match=rf"^{cut.name}: truncated or unreadable image \(.+\)"):
            read_image(cut)


def test_missing_and_garbage_images(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^none\.exr: does not exist$"):
        read_image(tmp_path / "none.exr")
    bad = tmp_path / "bad.exr"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(MediaError, match=r"^bad\.exr: truncated or unreadable image \(.+\)"):
        read_image(bad)


def _touch(directory: Path, names: list[str]) -> None:
    for name in names:
        (directory / name).write_bytes(b"")


def test_list_sequence_patterns(tmp_path: Path) -> None:
    _touch(tmp_path, [f"shot.{n:04d}.exr" for n in range(1001, 1006)] + ["shot.mov", "notes.txt"])
    expected = [(n, tmp_path / f"shot.{n:04d}.exr") for n in range(1001, 1006)]
    assert list_sequence(tmp_path / "shot.####.exr") == expected
    assert list_sequence(f"{tmp_path}/shot.%04d.exr") == expected
    assert list_sequence(tmp_path / "shot.#.exr") == expected
    assert list_sequence(tmp_path / "shot.1003.exr") == expected
    assert list_sequence(tmp_path) == expected
    assert list_sequence(tmp_path / "shot.####.exr")[0][0] == 1001


def test_list_sequence_unpadded(tmp_path: Path) -> None:
    _touch(tmp_path, [f"plate_{n}.dpx" for n in range(8, 12)])
    assert [n for n, _ in list_sequence(tmp_path / "plate_#.dpx")] == [8, 9, 10, 11]
    assert [n for n, _ in list_sequence(tmp_path / "plate_%d.dpx")] == [8, 9, 10, 11]


def test_list_sequence_errors(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no frames found"):
        list_sequence(tmp_path / "shot.####.exr")
    _touch(tmp_path, ["shot.0001.exr", "shot.0002.exr", "shot.0005.exr", "shot.0006.exr"])
    with pytest.raises(MediaError, match=r"shot\.####\.exr: frame 3 is missing \(2 missing"):
        list_sequence(tmp_path / "shot.####.exr")
    _touch(tmp_path, ["other.0001.exr"])
    with pytest.raises(MediaError, match="several sequences"):
        list_sequence(tmp_path)
    with pytest.raises(MediaError, match="not a sequence pattern"):
        list_sequence(tmp_path / "plain.exr")


def test_rec709_png_is_tagged_bt709_cicp_not_srgb(tmp_path: Path) -> None:
    """A BT.1886 (Rec.709 display) PNG says so: cICP 1/1/0/full, no sRGB or gAMA 1/2.2."""
    from workbench.color import convert_array

    srgb = read_image(COFFEE)[0][:64, :96]
    rec709 = convert_array(np.ascontiguousarray(srgb), "sRGB", "Rec.709")
    for write in (write_png16, write_png8):
        path = write(tmp_path / f"{write.__name__}.png", rec709, "Rec.709")
        chunks = png_chunks(path)
        assert chunks["cICP"] == bytes([1, 1, 0, 1])
        assert list(chunks).index("cICP") < list(chunks).index("IEND")
        assert "sRGB" not in chunks and "iCCP" not in chunks
        if "gAMA" in chunks:  # only a 2.4 power agrees with BT.1886
            assert int.from_bytes(chunks["gAMA"], "big") == round(100000 / 2.4)
        inp = oiio.ImageInput.open(str(path))  # and OpenImageIO still reads it, as tagged
        assert inp.spec().getattribute("CICP") == (1, 1, 0, 1)
        inp.close()
        got, _ = read_image(path)
        step = 1 / 65535 if write is write_png16 else 1 / 255
        assert np.abs(got - np.clip(rec709, 0, 1)).max() <= step / 2 + 1e-6


def test_srgb_png_keeps_srgb_tagging(tmp_path: Path) -> None:
    for write in (write_png16, write_png8):
        chunks = png_chunks(write(tmp_path / f"{write.__name__}.png", _ramp()))
        assert "sRGB" in chunks and "cICP" not in chunks
        assert int.from_bytes(chunks["gAMA"], "big") == 45455
    with pytest.raises(ParameterError, match=r"x\.png.*'ACEScg'"):
        write_png16(tmp_path / "x.png", _ramp(), "ACEScg")
    assert not (tmp_path / "x.png").exists()


def test_exr_carries_typed_attributes_of_a_source(tmp_path: Path) -> None:
    """Timecode, rate, owner, custom attributes come back typed; storage details do not travel."""
    from fractions import Fraction

    from workbench.io import carried_attributes

    src = write_exr(tmp_path / "src.exr", _ramp(), {"owner": "Jane", "camera:lens": "32mm"},
                    compression="piz", timecode="10:00:00;02", fps=Fraction(30000, 1001),
                    chromaticities=(0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329))
    info = read_image(src)[1]
    out = write_exr(tmp_path / "out.exr", _ramp(), {"workbench:note": "x"},
                    carry=carried_attributes(info, colour=True))
    spec = oiio.ImageInput.open(str(out)).spec()
    for key in ("smpte:TimeCode", "FramesPerSecond", "Copyright", "camera:lens",
                "chromaticities"):
        assert spec.getattribute(key) == oiio.ImageInput.open(str(src)).spec().getattribute(key)
    assert spec.getattribute("compression") == "zip"  # ours, not the source's piz
    assert read_image(out)[1].metadata["smpte:TimeCode"] == "10:00:00;02"
    no_colour = {a.name for a in carried_attributes(info, colour=False)}
    assert "chromaticities" not in no_colour and "smpte:TimeCode" in no_colour


def test_timecode_does_not_change_bits_per_sample(tmp_path: Path) -> None:
    """A timecoded half EXR still reads as 16 bits a sample (the SMPTE word is not the depth)."""
    path = write_exr(tmp_path / "tc.exr", _ramp(), timecode="01:00:00:14")
    info = read_image(path)[1]
    assert (info.format, info.bits_per_sample) == ("half", 16)
    assert info.metadata["smpte:TimeCode"] == "01:00:00:14"
