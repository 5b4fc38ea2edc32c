from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import MediaError
from workbench.io import atomic_path, atomic_write_bytes, atomic_write_text, write_prores


def test_atomic_path_temp_name_and_replace(tmp_path: Path) -> None:
    target = tmp_path / "shot.exr"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".shot.tmp-") and tmp.suffix == ".exr"
        tmp.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["shot.exr"]


def test_atomic_path_cleans_up_and_keeps_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="midway"), atomic_path(target) as tmp:
        tmp.write_text("half written")
        raise RuntimeError("midway")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_atomic_path_writer_wrote_nothing(tmp_path: Path) -> None:
    with (
        pytest.raises(MediaError, match=r"out\.bin: the writer produced no file"),
        atomic_path(tmp_path / "out.bin"),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_missing_directory(tmp_path: Path) -> None:
    with (
        pytest.raises(MediaError, match=r"x\.txt: directory .* does not exist"),
        atomic_path(tmp_path / "nope" / "x.txt"),
    ):
        pass


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    assert atomic_write_text(tmp_path / "a.txt", "héllo").read_text(encoding="utf-8") == "héllo"
    assert atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_prores_writer_raising_midway_leaves_nothing(tmp_path: Path) -> None:
    def frames():
        for _ in range(3):
            yield np.full((16, 16, 3), 0.5, np.float32)
        raise RuntimeError("render crashed")

    with pytest.raises(RuntimeError, match="render crashed"):
        write_prores(tmp_path / "out.mov", frames(), Fraction(24))
    assert list(tmp_path.iterdir()) == []


def test_prores_nan_frame_names_frame_and_leaves_nothing(tmp_path: Path) -> None:
    frames = [np.full((16, 16, 3), 0.5, np.float32) for _ in range(4)]
    frames[2][3, 3, 1] = np.nan
    with pytest.raises(MediaError, match=r"out\.mov frame 2: NaN in 1 values"):
        write_prores(tmp_path / "out.mov", frames, Fraction(24))
    assert list(tmp_path.iterdir()) == []
