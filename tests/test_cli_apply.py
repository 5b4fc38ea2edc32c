"""`workbench apply`: grade files on real EXR, PNG, sequences and ProRes, against OpenColorIO."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import PyOpenColorIO as ocio
import pytest
from testkit import shared_path

from workbench._colour import import_colour
from workbench.cli import main
from workbench.color import convert_array
from workbench.interchange import write_cc, write_ccc, write_cdl
from workbench.interchange.bake import bake_cube
from workbench.interchange.cube import write_cube
from workbench.io import (
    probe_movie,
    read_image,
    read_movie_frames,
    write_exr,
    write_png16,
    write_prores,
)
from workbench.ops import CDLValues, Exposure, Pipeline

COLOUR_CUBES = Path(import_colour().__file__).parent / "io" / "luts" / "tests" / "resources"
PHOTO = shared_path("photo", "skimage_coffee.png")

LOOK = CDLValues(slope=(1.2, 1.0, 0.9), offset=(0.02, 0.0, -0.01), power=(1.1, 1.0, 0.95),
                 saturation=0.9)
OTHER = CDLValues(slope=(0.8, 1.1, 1.3), offset=(-0.02, 0.01, 0.03), power=(0.9, 1.2, 1.0),
                  saturation=1.3)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["-q", "apply", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def ocio_file(path: Path, rgb: np.ndarray, cccid: str = "") -> np.ndarray:
    """What OCIO's FileTransform makes of ``rgb`` (tetrahedral for 3D LUTs)."""
    t = ocio.FileTransform(src=str(path), cccId=cccid, interpolation=ocio.INTERP_TETRAHEDRAL)
    cpu = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    cpu.applyRGB(out.reshape(-1, 3))
    return out


def linear_plate() -> np.ndarray:
    """An (8, 12, 3) scene-linear plate from -0.1 to 4.0, with coloured rows."""
    ramp = np.linspace(-0.1, 4.0, 12, dtype=np.float32)
    tints = np.array([[1, 1, 1], [1, 0.5, 0.2], [0.1, 0.6, 1], [0.3, 1, 0.4]], np.float32)
    rows = [ramp[:, None] * t for t in tints]
    return np.concatenate([np.stack(rows), np.stack(rows)[:, ::-1]], axis=0).astype(np.float32)


def photo_png(path: Path) -> Path:
    """A 16-bit PNG crop of a real photo (64x48: even, for ProRes too)."""
    srgb = cv2.imread(str(PHOTO), cv2.IMREAD_COLOR)[100:148, 200:264, ::-1] / 255.0
    return write_png16(path, srgb.astype(np.float32))


@pytest.fixture
def cc(tmp_path: Path) -> Path:
    return write_cc(tmp_path / "look.cc", LOOK, "look")


def test_cc_on_linear_exr_matches_ocio_unclamped(capsys, tmp_path: Path, cc: Path):
    src = write_exr(tmp_path / "plate.exr", linear_plate())
    code, out, err = run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "graded.exr")
    assert code == 0, err
    assert "1 frame(s)" in out
    graded, info = read_image(tmp_path / "graded.exr")
    assert info.format == "half"  # half in, half out
    held, _ = read_image(src)
    expected = ocio_file(cc, held)
    np.testing.assert_allclose(graded, expected, rtol=1e-3, atol=1e-3)
    assert graded.max() > 4.0 and graded.min() < 0.0  # nothing clamped


def test_ccc_id_picks_the_second_correction(capsys, tmp_path: Path):
    ccc = write_ccc(tmp_path / "looks.ccc", [("day", LOOK), ("night", OTHER)])
    src = write_exr(tmp_path / "plate.exr", linear_plate())
    held, _ = read_image(src)
    assert run(capsys, "--grade", ccc, "--in", src, "--out", tmp_path / "n.exr",
               "--id", "night")[0] == 0
    night, _ = read_image(tmp_path / "n.exr")
    np.testing.assert_allclose(night, ocio_file(ccc, held, "night"), rtol=1e-3, atol=1e-3)
    assert run(capsys, "--grade", ccc, "--in", src, "--out", tmp_path / "d.exr")[0] == 0
    day, _ = read_image(tmp_path / "d.exr")
    np.testing.assert_allclose(day, ocio_file(ccc, held, "day"), rtol=1e-3, atol=1e-3)
    # A .cdl decision list works the same way.
    cdl = write_cdl(tmp_path / "looks.cdl", [("day", LOOK), ("night", OTHER)])
    assert run(capsys, "--grade", cdl, "--in", src, "--out", tmp_path / "c.exr",
               "--id", "night")[0] == 0
    np.testing.assert_array_equal(read_image(tmp_path / "c.exr")[0], night)


@pytest.mark.parametrize("cube", ["iridas_cube/Colour_Correct.cube", "iridas_cube/Demo.cube",
                                  "iridas_cube/eotf_sRGB_3D.cube"])
def test_colour_science_cube_on_png_gives_16_bit_png(capsys, tmp_path: Path, cube: str):
    lut = COLOUR_CUBES / cube
    # colour-science (a pinned dependency) ships these files in its wheel.
    assert lut.exists(), f"colour-science test resource {cube} missing from {COLOUR_CUBES}"
    src = photo_png(tmp_path / "photo.png")
    code, _, err = run(capsys, "--grade", lut, "--in", src, "--out", tmp_path / "out.png")
    assert code == 0, err
    graded, info = read_image(tmp_path / "out.png")
    assert info.file_format == "png" and info.format == "uint16"
    expected = np.clip(ocio_file(lut, read_image(src)[0]), 0, 1)
    np.testing.assert_allclose(graded, expected, atol=2e-5)


def test_baked_cube_with_colorspace_equals_pipeline(capsys, tmp_path: Path):
    """A .cube baked in ACEScct, applied with --colorspace ACEScct to an EXR: the live grade."""
    pipeline = Pipeline([Exposure(stops=1.0)])
    cube = write_cube(tmp_path / "plus1.cube", bake_cube(pipeline, 33, input_space="ACEScct"))
    src = write_exr(tmp_path / "plate.exr", np.abs(linear_plate()) + 0.01)
    assert run(capsys, "--grade", cube, "--in", src, "--out", tmp_path / "o.exr",
               "--colorspace", "ACEScct")[0] == 0
    held, _ = read_image(src)
    np.testing.assert_allclose(read_image(tmp_path / "o.exr")[0], 2 * held, rtol=0.02)


def test_colorspace_acescct_converts_in_and_out(capsys, tmp_path: Path, cc: Path):
    src = photo_png(tmp_path / "photo.png")
    assert run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "out.png",
               "--colorspace", "ACEScct")[0] == 0
    srgb, _ = read_image(src)
    cct = ocio_file(cc, convert_array(srgb, "sRGB", "ACEScct"))
    expected = np.clip(convert_array(cct, "ACEScct", "sRGB"), 0, 1)
    np.testing.assert_allclose(read_image(tmp_path / "out.png")[0], expected, atol=1e-4)
    # Without --colorspace the same CDL acts on the sRGB values: a different picture.
    assert run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "raw.png")[0] == 0
    assert np.abs(read_image(tmp_path / "raw.png")[0] - expected).max() > 0.01


def test_pipeline_json_runs_colour_managed(capsys, tmp_path: Path):
    grade = tmp_path / "plus1.json"
    grade.write_text(Pipeline([Exposure(stops=1.0)]).to_json())
    src = write_exr(tmp_path / "plate.exr", linear_plate())
    assert run(capsys, "--grade", grade, "--in", src, "--out", tmp_path / "o.exr")[0] == 0
    np.testing.assert_allclose(read_image(tmp_path / "o.exr")[0], 2 * read_image(src)[0],
                               rtol=1e-3, atol=1e-6)
    assert run(capsys, "--grade", grade, "--in", src, "--out", tmp_path / "h.exr",
               "--strength", "0.5")[0] == 0
    np.testing.assert_allclose(read_image(tmp_path / "h.exr")[0],
                               2**0.5 * read_image(src)[0], rtol=1e-3, atol=1e-6)


def test_movie_to_prores_and_strength_zero(capsys, tmp_path: Path, cc: Path):
    srgb = read_image(photo_png(tmp_path / "photo.png"))[0]
    frames = [np.clip(srgb * (0.6 + 0.04 * i), 0, 1) for i in range(10)]
    src = tmp_path / "clip.mov"
    write_prores(src, frames, Fraction(24), timecode="01:00:00:00")
    code, out, err = run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "graded.mov")
    assert code == 0, err
    info = probe_movie(tmp_path / "graded.mov")
    assert (info.codec, info.frame_count, info.fps, info.timecode) == (
        "prores", 10, Fraction(24), "01:00:00:00")
    assert "10 frame(s)" in out

    def decoded(path: Path) -> np.ndarray:
        return np.stack([f for _, f in read_movie_frames(path, depth=16)]) / 65535.0

    graded, before = decoded(tmp_path / "graded.mov"), decoded(src)
    expected = np.clip(ocio_file(cc, before.astype(np.float32)), 0, 1)
    assert np.abs(graded - expected).mean() < 2e-3
    assert run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "same.mov",
               "--strength", "0")[0] == 0
    same = decoded(tmp_path / "same.mov")
    # ProRes 4:2:2 re-encoding (chroma filtered again, 10-bit) is all that differs.
    print(f"strength 0 ProRes generation: mean {np.abs(same - before).mean():.5f}, "
          f"max {np.abs(same - before).max():.4f}")
    assert np.abs(same - before).mean() < 3e-3 and np.abs(same - before).max() < 0.05
    # A movie to an image sequence, numbered from frame 0.
    assert run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "seq" / "f.####.png")[0] == 0
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == [
        f"f.{i:04d}.png" for i in range(10)]


def test_strength_zero_exr_is_bit_exact(capsys, tmp_path: Path, cc: Path):
    src = write_exr(tmp_path / "plate.exr", linear_plate())
    assert run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "o.exr",
               "--strength", "0", "--colorspace", "ACEScct")[0] == 0
    np.testing.assert_array_equal(read_image(tmp_path / "o.exr")[0], read_image(src)[0])


def test_sequence_pattern_and_folder(capsys, tmp_path: Path, cc: Path):
    shots = tmp_path / "shots"
    shots.mkdir()
    plate = linear_plate()
    for n in (1001, 1002, 1003):
        write_exr(shots / f"sh010.{n:04d}.exr", plate * (n - 1000))
    code, out, err = run(capsys, "--grade", cc, "--in", shots / "sh010.####.exr",
                         "--out", tmp_path / "out" / "graded.####.exr")
    assert code == 0, err
    assert "3 frame(s)" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "graded.1001.exr", "graded.1002.exr", "graded.1003.exr"]
    held, _ = read_image(shots / "sh010.1002.exr")
    np.testing.assert_allclose(read_image(tmp_path / "out" / "graded.1002.exr")[0],
                               ocio_file(cc, held), rtol=1e-3, atol=1e-3)
    assert run(capsys, "--grade", cc, "--in", shots, "--out", tmp_path / "folder")[0] == 0
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == [
        "sh010.1001.exr", "sh010.1002.exr", "sh010.1003.exr"]
    code, _, err = run(capsys, "--grade", cc, "--in", shots, "--out", shots)
    assert code == 2 and "overwritten" in one_line_error(err)


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("workbench: error: ")
    return lines[0]


def test_bad_inputs_exit_2_naming_the_file(capsys, tmp_path: Path, cc: Path):
    src = write_exr(tmp_path / "plate.exr", linear_plate())
    ccc = write_ccc(tmp_path / "looks.ccc", [("day", LOOK), ("night", OTHER)])
    code, _, err = run(capsys, "--grade", ccc, "--in", src, "--out", tmp_path / "o.exr",
                       "--id", "dusk")
    assert code == 2
    line = one_line_error(err)
    assert "looks.ccc" in line and "'dusk'" in line and "'day', 'night'" in line

    bad = tmp_path / "broken.cube"
    bad.write_text("LUT_3D_SIZE 2\n0 0 0\n1 1 1\n")
    code, _, err = run(capsys, "--grade", bad, "--in", src, "--out", tmp_path / "o.exr")
    assert code == 2 and "broken.cube" in one_line_error(err)

    code, _, err = run(capsys, "--grade", cc, "--in", tmp_path / "gone.exr",
                       "--out", tmp_path / "o.exr")
    assert code == 2 and "gone.exr" in one_line_error(err)

    code, _, err = run(capsys, "--grade", cc, "--in", tmp_path / "gone.####.exr",
                       "--out", tmp_path / "o.####.exr")
    assert code == 2 and "gone.####.exr" in one_line_error(err)

    code, _, err = run(capsys, "--grade", cc, "--in", src, "--out", src)
    assert code == 2 and "plate.exr" in one_line_error(err)
    assert read_image(src)[0].shape == (8, 12, 3)

    code, _, err = run(capsys, "--grade", tmp_path / "look.lut", "--in", src,
                       "--out", tmp_path / "o.exr")
    assert code == 2 and "look.lut" in one_line_error(err)

    code, _, err = run(capsys, "--grade", tmp_path / "missing.cc", "--in", src,
                       "--out", tmp_path / "o.exr")
    assert code == 2 and "missing.cc" in one_line_error(err)

    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    code, _, err = run(capsys, "--grade", junk, "--in", src, "--out", tmp_path / "o.exr")
    assert code == 2 and "junk.json" in one_line_error(err)

    code, _, err = run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "o.exr",
                       "--strength", "1.5")
    assert code == 2 and "--strength" in one_line_error(err)

    code, _, err = run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "o.exr",
                       "--colorspace", "Kodak 2383")
    assert code == 2 and "Kodak 2383" in one_line_error(err)
    assert not (tmp_path / "o.exr").exists()


# -- EXR folders and patterns: the encoding comes from the frames, the header travels -------

TIMECODES = {1001: "01:00:00:01", 1002: "01:00:00:02", 1003: "01:00:00:03"}
AP1 = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)


def photo_exr_folder(folder: Path) -> Path:
    """Three half-float EXR frames of a real photo, decoded to scene-linear ACEScg (up to ~3),
    each with the header a scanner or Nuke would give it."""
    srgb = cv2.imread(str(PHOTO), cv2.IMREAD_COLOR)[::6, ::6, ::-1] / 255.0
    linear = convert_array(np.ascontiguousarray(srgb, dtype=np.float32), "sRGB", "ACEScg")
    folder.mkdir()
    for n, tc in TIMECODES.items():
        write_exr(folder / f"plate.{n}.exr", linear * (n - 1000), {
            "owner": "Second unit", "comments": "plate from set", "camera:lens": "32mm"},
            timecode=tc, fps=Fraction(24000, 1001), chromaticities=AP1)
    return folder


def ocio_cdl(values: CDLValues, rgb: np.ndarray) -> np.ndarray:
    """What OCIO's CDLTransform (ASC v1.2, no clamp) makes of ``rgb``."""
    t = ocio.CDLTransform(slope=values.slope, offset=values.offset, power=values.power,
                          sat=values.saturation)
    cpu = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    cpu.applyRGB(out)
    return out


def test_strength_zero_on_exr_folder_and_pattern_is_bit_exact(capsys, tmp_path: Path, cc: Path):
    plates = photo_exr_folder(tmp_path / "plates")
    for name, src in (("folder", plates), ("pattern", plates / "plate.####.exr")):
        code, _, err = run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / name,
                           "--strength", "0")
        assert code == 0, err
        for n in TIMECODES:
            np.testing.assert_array_equal(read_image(tmp_path / name / f"plate.{n}.exr")[0],
                                          read_image(plates / f"plate.{n}.exr")[0])


def test_cc_on_exr_folder_equals_ocio_cdltransform(capsys, tmp_path: Path, cc: Path):
    plates = photo_exr_folder(tmp_path / "plates")
    assert run(capsys, "--grade", cc, "--in", plates, "--out", tmp_path / "folder")[0] == 0
    assert run(capsys, "--grade", cc, "--in", plates / "plate.####.exr",
               "--out", tmp_path / "pattern" / "plate.####.exr")[0] == 0
    peak = 0.0
    for n in TIMECODES:
        held, _ = read_image(plates / f"plate.{n}.exr")
        graded, info = read_image(tmp_path / "folder" / f"plate.{n}.exr")
        assert info.format == "half"
        peak = max(peak, float(graded.max()))
        # Within half float's rounding (2^-11 relative) of OCIO's own CDL.
        np.testing.assert_allclose(graded, ocio_cdl(LOOK, held), rtol=2 ** -10, atol=1e-4)
        np.testing.assert_array_equal(
            graded, read_image(tmp_path / "pattern" / f"plate.{n}.exr")[0])
    assert peak > 2.0  # scene-linear values above 1 went through unclamped


def exr_header(path: Path) -> dict[str, object]:
    """Every header attribute as OpenImageIO (not the workbench) reads it."""
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(path))
    try:
        return {a.name: a.value for a in inp.spec().extra_attribs}
    finally:
        inp.close()


def test_exr_header_survives_apply_and_says_what_was_done(capsys, tmp_path: Path, cc: Path):
    plates = photo_exr_folder(tmp_path / "plates")
    assert run(capsys, "--grade", cc, "--in", plates, "--out", tmp_path / "out")[0] == 0
    for n in TIMECODES:
        before = exr_header(plates / f"plate.{n}.exr")
        after = exr_header(tmp_path / "out" / f"plate.{n}.exr")
        for key in ("smpte:TimeCode", "FramesPerSecond", "Copyright", "ImageDescription",
                    "camera:lens", "chromaticities", "PixelAspectRatio"):
            assert after[key] == before[key], key
        assert after["workbench:colorspace"] == "ACEScg"
        assert after["workbench:source"] == f"plate.{n}.exr"
        assert "look.cc at strength 1" in str(after["workbench:apply"])
    assert read_image(tmp_path / "out" / "plate.1002.exr")[1].metadata[
        "smpte:TimeCode"] == "01:00:00:02"


def test_png_to_exr_header_names_the_new_encoding_not_the_pngs(capsys, tmp_path: Path,
                                                               cc: Path):
    src = photo_png(tmp_path / "photo.png")
    assert "ICCProfile" not in exr_header(src) and exr_header(src)["oiio:ColorSpace"]
    assert run(capsys, "--grade", cc, "--in", src, "--out", tmp_path / "o.exr")[0] == 0
    header = exr_header(tmp_path / "o.exr")
    assert header["workbench:colorspace"] == "ACEScg"
    np.testing.assert_allclose(header["chromaticities"], AP1, atol=1e-6)
