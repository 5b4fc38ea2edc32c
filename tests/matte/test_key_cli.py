"""`workbench key` end to end: PNG and EXR plates in, a 16-bit one-channel PNG and an EXR alpha
out (read back with OpenImageIO), sequences, and bad input leaving nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest
import torch
from keyplates import screen_plate
from testkit import one_thread, sha256  # noqa: F401  (one torch thread for the module)

from workbench.cli import main
from workbench.color import convert, convert_array
from workbench.io import read_image, write_exr, write_png16
from workbench.matte.keyer import key


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main(["-q", "key", *map(str, args)])
    return code, capsys.readouterr().err


def linear_plate(screen: str = "green", seed: int = 3) -> np.ndarray:
    """The plant over an uneven screen, ``(H, W, 3)`` linear ACEScg, at a third of its size."""
    plate, _ = screen_plate(screen, seed=seed)
    small = torch.nn.functional.interpolate(plate, scale_factor=2 / 3, mode="area")
    return np.ascontiguousarray(small[0].permute(1, 2, 0).numpy())


def png_plate(path: Path, lin: np.ndarray) -> Path:
    return write_png16(path, np.clip(convert_array(lin, "ACEScg", "sRGB"), 0, 1))


def expected_alpha(path: Path, encoding: str) -> np.ndarray:
    rgb, _ = read_image(path)
    img = convert(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), encoding, "ACEScg")
    return key(img).alpha[0, 0].numpy()


def spec_of(path: Path) -> oiio.ImageSpec:
    inp = oiio.ImageInput.open(str(path))
    assert inp is not None, oiio.geterror()
    spec = inp.spec()
    inp.close()
    return spec


def test_png_plate_gives_a_16_bit_one_channel_png(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    plate = png_plate(tmp_path / "plate.png", linear_plate())
    before = sha256(plate)
    out = tmp_path / "matte.png"
    code, err = run(capsys, plate, "--out", out)
    assert code == 0, err
    spec = spec_of(out)
    h, w = read_image(plate)[0].shape[:2]
    assert (spec.width, spec.height, spec.nchannels, str(spec.format)) == (w, h, 1, "uint16")
    got = oiio.ImageBuf(str(out)).get_pixels(oiio.FLOAT)[..., 0]
    np.testing.assert_allclose(got, expected_alpha(plate, "sRGB"), atol=1.0 / 65535 + 1e-6)
    assert 0.2 < float(got.mean()) < 0.8
    assert sha256(plate) == before  # the plate is never written to


def test_exr_plate_gives_an_exr_alpha_channel(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    plate = write_exr(tmp_path / "plate.exr", linear_plate("blue"), half=False)
    out = tmp_path / "matte.exr"
    code, err = run(capsys, plate, "--out", out, "--screen", "blue")
    assert code == 0, err
    spec = spec_of(out)
    assert spec.nchannels == 1 and tuple(spec.channelnames) == ("A",)
    assert str(spec.format) == "half"
    got = oiio.ImageBuf(str(out)).get_pixels(oiio.FLOAT)[..., 0]
    np.testing.assert_allclose(got, expected_alpha(plate, "ACEScg"), atol=1e-3)


def test_exr_plate_refuses_a_png_matte(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    plate = write_exr(tmp_path / "plate.exr", linear_plate())
    code, err = run(capsys, plate, "--out", tmp_path / "matte.png")
    assert code == 2 and ".exr" in err and "plate.exr" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plate.exr"]


def test_nan_plate_is_named_and_nothing_is_written(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    lin = linear_plate()
    plate = write_exr(tmp_path / "plate.exr", lin, half=False)
    buf = oiio.ImageBuf(str(plate))
    pixels = buf.get_pixels(oiio.FLOAT)
    pixels[5, 7, 1] = np.nan
    spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], 3, "float")
    bad = tmp_path / "bad.exr"
    out_buf = oiio.ImageBuf(spec)
    out_buf.set_pixels(oiio.ROI(), pixels)
    assert out_buf.write(str(bad))
    code, err = run(capsys, bad, "--out", tmp_path / "matte.exr")
    assert code == 2 and "bad.exr" in err and "NaN" in err
    assert not (tmp_path / "matte.exr").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.exr", "plate.exr"]


def test_clean_plate_of_another_size_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    lin = linear_plate()
    plate = png_plate(tmp_path / "plate.png", lin)
    clean = png_plate(tmp_path / "clean.png", lin[:-4])
    code, err = run(capsys, plate, "--out", tmp_path / "m.png", "--clean-plate", clean)
    assert code == 2 and "clean.png" in err
    assert not (tmp_path / "m.png").exists()


def test_unknown_screen_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plate = png_plate(tmp_path / "plate.png", linear_plate())
    with pytest.raises(SystemExit) as exc:
        main(["key", str(plate), "--out", str(tmp_path / "m.png"), "--screen", "red"])
    assert exc.value.code == 2 and "red" in capsys.readouterr().err
    assert not (tmp_path / "m.png").exists()


def test_a_sequence_gives_a_matte_sequence_or_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        write_exr(src / f"plate.{1001 + i:04d}.exr", linear_plate(seed=i))
    out = tmp_path / "out" / "matte.####.exr"
    code, err = run(capsys, src / "plate.####.exr", "--out", out)
    assert code == 0, err
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == ["matte.1001.exr", "matte.1002.exr", "matte.1003.exr"]
    assert spec_of(out.parent / names[0]).nchannels == 1
    # A frame with Inf halfway: the error names it and no matte of the sequence appears.
    bad = linear_plate(seed=9)
    bad[3, 3, 0] = np.inf
    arr = bad.astype(np.float32)
    spec = oiio.ImageSpec(arr.shape[1], arr.shape[0], 3, "float")
    b = oiio.ImageBuf(spec)
    b.set_pixels(oiio.ROI(), arr)
    assert b.write(str(src / "plate.1002.exr"))
    out2 = tmp_path / "out2" / "matte.####.exr"
    code, err = run(capsys, src, "--out", out2)
    assert code == 2 and "plate.1002.exr" in err
    assert not out2.parent.exists()
