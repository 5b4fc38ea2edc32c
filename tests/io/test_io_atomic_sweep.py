"""Sweeping a killed writer's temporaries, and never a live writer's."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
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


def test_a_killed_writer_not_yet_reaped_is_dead(tmp_path: Path):
    # Killed with its parent, a writer stays a zombie until init reaps it; kill(pid, 0) still
    # succeeds on it, yet it writes nothing more, so a rerun must sweep what it left.
    killed = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), "killed"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout is not None and killed.stdout.readline() == "writing\n"
        stat = Path(f"/proc/{killed.pid}/stat")
        for _ in range(600):  # not waited for: it stays a zombie of this process
            if stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the writer did not exit")
        swept = sweep_stale_temporaries(tmp_path)
        assert sorted(s.path.name.split(".tmp-")[0] for s in swept) == [".killed", ".killed_shot"]
    finally:
        killed.wait(timeout=60)
