"""`workbench batch` for real: papermill runs fanned out on Dask, failures, resumption, kill -9."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest
from batchkit import ACCEPTED, REFUSED, workbench

from workbench.batch import read_progress, read_results
from workbench.title import Title, decide, journal

pytestmark = pytest.mark.slow


def frames_of(title_dir: Path, shot: str) -> int:
    with Title.open(title_dir, "ro") as title:
        return title.shot(shot).frame_count


def assert_render_valid(folder: Path, shot: str, title_dir: Path) -> None:
    """Every frame of a rendered shot reads back whole with OpenImageIO, and all are there."""
    files = sorted(folder.glob("*.png"))
    assert len(files) == frames_of(title_dir, shot)
    for path in files:
        pixels = oiio.ImageBuf(str(path)).get_pixels(oiio.FLOAT)
        assert pixels is not None and pixels.ndim == 3 and np.isfinite(pixels).all(), path
        assert pixels.std() > 0.01, f"{path}: a flat frame"


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


def test_failing_shot_does_not_stop_the_others_and_a_rerun_resumes(fresh_title, tmp_path):
    out = tmp_path / "out"
    shots = [*ACCEPTED, REFUSED]
    first = workbench("batch", "render_accepted", fresh_title, "--shots", *shots,
                      "--workers", "2", "--out", out, "-q")
    assert first.returncode == 1, first.stderr  # one shot failed: the command says so
    assert "Dask dashboard: http://127.0.0.1:" in first.stderr

    summary = json.loads((out / "summary.json").read_text())["items"]
    by_key = {r["key"]: r for r in summary}
    assert [r["key"] for r in summary] == shots
    for name in ACCEPTED:
        r = by_key[name]
        assert r["status"] == "done" and r["error_name"] is None
        assert r["package_version"] and r["parameters"]["shots"] == [name]
        with Title.open(fresh_title, "ro") as title:
            from workbench.title import latest_decision
            assert r["decision"] == latest_decision(title, title.shot(name)).id
        assert_render_valid(out / "renders" / name, name, fresh_title)
        assert read_results(out / "notebooks" / f"{name}.ipynb")["status"] == "done"
    refused = by_key[REFUSED]
    assert refused["status"] == "failed" and refused["error_name"] == "DecisionError"
    assert REFUSED in refused["error_value"] and isinstance(refused["cell"], int)
    assert not (out / "renders" / REFUSED).exists()
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["key"], r["status"]) for r in rows] == [(k, by_key[k]["status"]) for k in shots]
    progress = read_progress(out)
    assert progress["counts"] == {"pending": 0, "running": 0, "done": 2, "failed": 1,
                                  "skipped": 0}
    assert progress["finished"] and progress["dask_dashboard"].startswith("http://127.0.0.1:")

    # The artist accepts the refused shot; the rerun only runs what did not finish.
    with Title.open(fresh_title) as title:
        decide(title, title.shot(REFUSED), "accept", by="test")
    done_before = {n: (out / "notebooks" / f"{n}.ipynb").stat().st_mtime_ns for n in ACCEPTED}
    second = workbench("batch", "render_accepted", fresh_title, "--shots", *shots,
                       "--workers", "1", "--out", out, "-q")
    assert second.returncode == 0, second.stderr
    progress = read_progress(out)
    assert {i["key"]: i["status"] for i in progress["items"]} == {
        ACCEPTED[0]: "skipped", ACCEPTED[1]: "skipped", REFUSED: "done"}
    assert {n: (out / "notebooks" / f"{n}.ipynb").stat().st_mtime_ns
            for n in ACCEPTED} == done_before
    assert_render_valid(out / "renders" / REFUSED, REFUSED, fresh_title)
    assert all(r["status"] == "done" for r in json.loads(
        (out / "summary.json").read_text())["items"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_same_batch_on_a_separate_scheduler_and_two_workers(batch_title, tmp_path):
    port = free_port()
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", "127.0.0.1:0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}",
                 "--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        out = tmp_path / "review"
        done = workbench("batch", "review_copies", batch_title, "--shots", *ACCEPTED,
                         "--scheduler", f"tcp://127.0.0.1:{port}", "--out", out, "-q",
                         check=True)
        assert f"scheduler tcp://127.0.0.1:{port}" in done.stderr
        summary = json.loads((out / "summary.json").read_text())["items"]
        assert [r["status"] for r in summary] == ["done", "done"]
        for r in summary:
            (still,) = r["outputs"]
            assert Path(still).parent == out / "review" / r["key"]
            assert oiio.ImageBuf(still).get_pixels(oiio.FLOAT).std() > 0.01
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def _wait_group_gone(pgid: int, timeout: float = 30.0) -> None:
    """Wait until every process of group ``pgid`` has exited (zombies count as exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[-1].split()
            except OSError:
                continue
            if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
                running.append(stat.parent.name)
        if not running:
            return
        time.sleep(0.05)
    pytest.fail(f"processes of the killed batch still running after {timeout} s: {running}")


def test_kill_9_mid_run_leaves_no_partial_output_and_a_rerun_completes(fresh_title, tmp_path):
    out = tmp_path / "out"
    with Title.open(fresh_title) as title:
        decide(title, title.shot(REFUSED), "accept", by="test")
        entries = len(journal(title))
    shots = [*ACCEPTED, REFUSED]
    cmd = [sys.executable, "-m", "workbench.cli", "batch", "render_accepted", str(fresh_title),
           "--shots", *shots, "--workers", "2", "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # its own group: client, workers, kernels
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill as soon as a shot is being rendered
            rendering = (out / "renders").is_dir() and any((out / "renders").iterdir())
            if rendering and read_progress(out)["counts"]["running"] >= 1:
                break
            assert proc.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("no render started within 120 s")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole machine going down, as far as it can
        proc.wait()
        _wait_group_gone(proc.pid)

    # Nothing under a final name is partial: finished notebooks and renders are whole.
    for nb in (out / "notebooks").glob("[!.]*.ipynb"):  # temporaries aside
        assert read_results(nb)["status"] == "done"
    for folder in (out / "renders").iterdir():
        if not folder.name.startswith("."):
            assert_render_valid(folder, folder.name, fresh_title)
    db = sqlite3.connect(fresh_title / "catalog.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    with Title.open(fresh_title, "ro") as title:
        assert len(journal(title)) == entries

    rerun = workbench("batch", "render_accepted", fresh_title, "--shots", *shots,
                      "--workers", "2", "--out", out, "-q")
    assert rerun.returncode == 0, rerun.stderr
    for name in shots:
        assert_render_valid(out / "renders" / name, name, fresh_title)
        assert read_results(out / "notebooks" / f"{name}.ipynb")["status"] == "done"
    assert not temporaries(out / "notebooks") and not temporaries(out / "renders")
    assert read_progress(out)["counts"]["done"] + read_progress(out)["counts"]["skipped"] == 3


def test_unknown_parameter_and_missing_template_are_clear_errors(batch_title, tmp_path):
    bad = workbench("batch", "render_accepted", batch_title, "-p", "colour", "red",
                    "--out", tmp_path / "o")
    assert bad.returncode != 0 and "-p colour" in bad.stderr and "fmt" in bad.stderr
    missing = workbench("batch", "no_such_template", batch_title)
    assert missing.returncode != 0 and "render_accepted" in missing.stderr
