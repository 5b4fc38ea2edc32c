"""A render killed outright (``kill -9``) leaves its temporary folder; the next render sweeps it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from workbench.cli import main
from workbench.demo import sample_dir
from workbench.io import read_image
from workbench.title import Title, decide


def _temporaries(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.startswith(".") and ".tmp-" in p.name)


def test_a_killed_render_is_swept_by_the_next(capsys, tmp_path: Path):
    title_dir, out = tmp_path / "title", tmp_path / "renders"
    for args in (["init", title_dir], ["ingest", title_dir, sample_dir() / "bikes.mp4"],
                 ["propose", title_dir]):
        assert main(["-q", *map(str, args)]) == 0
    with Title.open(title_dir) as title:
        longest = max(title.shots(), key=lambda s: s.frame_count)
        decide(title, longest, "accept", by="test")
    capsys.readouterr()

    child = subprocess.Popen([sys.executable, "-m", "workbench.cli", "-q", "render",
                              str(title_dir), "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        # Kill once a shot's frames are half written: some are in the temporary folder.
        if out.is_dir() and any(len(list(t.iterdir())) >= 3 for t in _temporaries(out)):
            os.kill(child.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the render ended before it could be killed"
    left = _temporaries(out)
    assert len(left) == 1 and left[0].is_dir()

    assert main(["-q", "render", str(title_dir), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "removed 1 leftover temporary folder" in err and str(left[0]) in err
    assert _temporaries(out) == []
    assert [p.name for p in out.iterdir()] == [longest.name]
    frames = sorted((out / longest.name).glob("*.exr"))  # delivered whole, read by OpenImageIO
    assert len(frames) == longest.frame_count
    assert read_image(frames[-1])[0].shape == (272, 640, 3)
