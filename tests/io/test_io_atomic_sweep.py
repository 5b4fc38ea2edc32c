"""Sweeping a killed writer's temporaries, and never a live writer's."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from workbench.io.atomic import sweep_stale_temporaries

_WRITER = """
import os, signal, sys, time
from pathlib import Path
from workbench.io.atomic import atomic_dir, atomic_path
out, how = Path(sys.argv[1]), sys.argv[2]
with atomic_dir(out / f"{how}_shot") as tmp, atomic_path(out / f"{how}.mov") as movie:
    (tmp / "frame.0001.exr").write_bytes(b"x" * 1000)
    movie.write_bytes(b"y" * 10)
    print("writing", flush=True)
    if how == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(120)
"""


def _writer(out: Path, how: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(out), how],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "writing\n"
    return child


def test_only_a_dead_writers_temporaries_are_swept(tmp_path: Path):
    killed = _writer(tmp_path, "killed")
    killed.wait(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    live = _writer(tmp_path, "live")
    try:
        (tmp_path / ".notes.tmp-mine").mkdir()  # hidden, but not the atomic writer's
        (tmp_path / ".shot.tmp-0123abcd").mkdir()  # an older writer's name: owner unknown
        before = {p.name for p in tmp_path.iterdir()}
        assert len(before) == 6

        swept = sweep_stale_temporaries(tmp_path)
        assert sorted((s.path.name.split(".tmp-")[0], s.folder, s.size_bytes) for s in swept) == [
            (".killed", False, 10), (".killed_shot", True, 1000)]
        assert {p.name for p in tmp_path.iterdir()} == before - {s.path.name for s in swept}
        assert live.poll() is None  # still writing, its temporaries all there
    finally:
        live.kill()
        live.wait()
