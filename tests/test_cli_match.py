"""`workbench match`: stills and a small ProRes movie end to end, on relit real footage."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from testkit import sha256, shared_path

from workbench.cli import main
from workbench.color import convert_array, delta_e_2000
from workbench.interchange import read_cdl_file, read_cube
from workbench.io import probe_movie, read_image, read_movie_frames, write_png16, write_prores

DATA = shared_path()
PHOTO = DATA / "photo" / "skimage_coffee.png"


def _warm() -> np.ndarray:
    """A tungsten-ish light change: von Kries gains in Bradford LMS, as a linear ACEScg matrix."""
    from workbench.model.matching.transfer import BRADFORD, _acescg_to_xyz

    cone = (BRADFORD @ _acescg_to_xyz()).numpy()
    return (np.linalg.inv(cone) @ np.diag([1.3, 1.05, 0.7]) @ cone).astype(np.float32)


WARM = _warm()


@pytest.fixture(autouse=True)
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_NO_COMPILE", "1")  # small files: compiling costs more


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["-q", "match", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def de(a_srgb: np.ndarray, b_srgb: np.ndarray, where: np.ndarray | None = None) -> float:
    """Mean ΔE2000 of two sRGB images, over the ``where`` (H, W) pixels if given."""
    def t(x: np.ndarray) -> torch.Tensor:
        lin = convert_array(np.ascontiguousarray(x, dtype=np.float32), "sRGB", "ACEScg")
        return torch.from_numpy(lin).permute(2, 0, 1)[None].contiguous()
    d_e = delta_e_2000(t(a_srgb), t(b_srgb))[0]
    return float(d_e.mean() if where is None else d_e[torch.from_numpy(where)].mean())


@pytest.fixture
def relit_still(tmp_path: Path) -> Path:
    rgb, _ = read_image(PHOTO)
    lin = convert_array(rgb[::2, ::2].copy(), "sRGB", "ACEScg") @ WARM.T
    path = tmp_path / "shot.png"
    write_png16(path, np.clip(convert_array(np.ascontiguousarray(lin), "ACEScg", "sRGB"), 0, 1))
    return path


def test_still_is_matched_and_sources_are_untouched(
        tmp_path: Path, relit_still: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = tmp_path / "ref.png"
    rgb, _ = read_image(PHOTO)
    write_png16(ref, rgb[::2, ::2].copy())
    before = sha256(relit_still), sha256(ref)
    code, _, err = run(capsys, "--reference", ref, "--shot", relit_still,
                       "--out", tmp_path / "out.png", "--cdl", tmp_path / "out.cc")
    assert code == 0
    assert err.count("\n") == 1 and "von-kries match:" in err and "warmer" in err
    assert (sha256(relit_still), sha256(ref)) == before
    out, _ = read_image(tmp_path / "out.png")
    original, _ = read_image(ref)
    shot, _ = read_image(relit_still)
    # The brighter shot clips (15 % of pixels here): what was lost there no grade brings back.
    unclipped = ~(shot >= 0.999).any(axis=-1)
    assert de(shot, original, unclipped) > 4 and de(out, original, unclipped) < 1.0
    (cc,) = read_cdl_file(tmp_path / "out.cc")
    assert cc.values.offset[0] < 0 < cc.values.offset[2]  # less red, more blue
    assert read_cube(tmp_path / "out.cube").table.shape == (33, 33, 33, 3)


def test_strength_zero_and_exr_out(
        tmp_path: Path, relit_still: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "--reference", PHOTO, "--shot", relit_still,
                     "--out", tmp_path / "same.png", "--strength", "0", "--method", "mkl")
    assert code == 0
    a, _ = read_image(tmp_path / "same.png")
    b, _ = read_image(relit_still)
    assert np.abs(a - b).max() <= 1 / 65535
    code, _, err = run(capsys, "--reference", PHOTO, "--shot", relit_still,
                       "--out", tmp_path / "out.exr", "--method", "histogram")
    assert code == 0 and "histogram match" in err
    lin, _ = read_image(tmp_path / "out.exr")
    assert np.isfinite(lin).all() and lin.max() > 0.5


def test_movie_is_matched_with_one_grade(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = [rgb.astype(np.float32) / 255 for _, rgb in
              read_movie_frames(DATA / "video" / "opencv_vtest.avi", 0, 6, max_width=128)]
    relit = [np.clip(convert_array(convert_array(f, "Rec.709", "ACEScg") @ WARM.T,
                                   "ACEScg", "Rec.709"), 0, 1) for f in frames]
    shot = tmp_path / "shot.mov"
    write_prores(shot, relit, Fraction(10))
    ref = tmp_path / "ref.mov"
    write_prores(ref, frames, Fraction(10))
    code, _, err = run(capsys, "--reference", ref, "--shot", shot, "--out", tmp_path / "out.mov")
    assert code == 0 and "6 frame(s)" in err
    assert probe_movie(tmp_path / "out.mov").frame_count == 6
    out = [rgb.astype(np.float32) / 255 for _, rgb in read_movie_frames(tmp_path / "out.mov")]
    back = [rgb.astype(np.float32) / 255 for _, rgb in read_movie_frames(ref)]
    moved = [rgb.astype(np.float32) / 255 for _, rgb in read_movie_frames(shot)]
    assert de(out[3], back[3]) < 0.5 * de(moved[3], back[3])


def test_errors_name_the_file_and_problem(
        tmp_path: Path, relit_still: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--reference", PHOTO, "--shot", relit_still,
                       "--out", relit_still)
    assert code == 2 and "overwrite a source" in err
    code, _, err = run(capsys, "--reference", tmp_path / "missing.png", "--shot", relit_still,
                       "--out", tmp_path / "o.png")
    assert code == 2 and "missing.png: does not exist" in err
    code, _, err = run(capsys, "--reference", PHOTO, "--shot", relit_still,
                       "--out", tmp_path / "o.mov")
    assert code == 2 and "written as a still" in err
    code, _, err = run(capsys, "--reference", PHOTO, "--shot", relit_still,
                       "--out", tmp_path / "o.png", "--method", "title")
    assert code == 2 and "needs a trained title model" in err
    code, _, err = run(capsys, "--reference", PHOTO, "--shot", tmp_path / "shot.gif",
                       "--out", tmp_path / "o.png")
    assert code == 2 and "shot.gif" in err
    assert not (tmp_path / "o.png").exists()
