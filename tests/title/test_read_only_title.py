"""A title on read-only storage: reading commands work, writing ones say which path is locked.

Tests run as root, which ignores permission bits. Each command therefore runs in a child
process whose capability bounding set is empty (``setpriv --bounding-set=-all``): still uid 0,
but without CAP_DAC_OVERRIDE, so ``chmod a-w`` holds for it exactly as for any user.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from workbench.cli import main


def _workbench(*args: str | Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "workbench.cli", "-q", *map(str, args)]
    if os.geteuid() == 0:  # drop root's power to write what is not writable
        cmd = ["setpriv", "--bounding-set=-all", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _set_writable(root: Path, writable: bool) -> None:
    for p in [root, *root.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode | 0o200 if writable else mode & ~0o222)


@pytest.fixture
def decided(capsys, dailies: Path, title_dir: Path, tmp_path: Path) -> Path:
    """The tiny title with one shot accepted and rendered, one rejected, one undecided."""
    for args in (["init", title_dir, "--name", "Tiny"],
                 ["ingest", title_dir, dailies / "street.mov", dailies / "face.mov",
                  "--day", "Day 03"],
                 ["propose", title_dir],
                 ["decide", title_dir, "street_001", "accept", "--by", "ana"],
                 ["decide", title_dir, "face_001", "reject", "--by", "ben"],
                 ["render", title_dir, "--out", tmp_path / "renders"]):
        assert main(["-q", *map(str, args)]) == 0, capsys.readouterr()
    capsys.readouterr()
    yield title_dir
    _set_writable(title_dir, True)  # let pytest clean up as any user


def test_an_archived_title_is_read_and_rendered_but_not_changed(decided: Path, tmp_path: Path):
    _set_writable(decided, False)  # chmod -R a-w: the folder itself cannot take -wal/-shm
    before = _tree(decided)

    status = _workbench("status", decided)
    assert status.returncode == 0, status.stderr
    assert [line.split()[0] for line in status.stdout.splitlines()] == [
        "street_001", "street_002", "face_001"]
    assert "rendered" in status.stdout and "rejected" in status.stdout

    log = _workbench("log", decided)
    assert log.returncode == 0, log.stderr
    assert "street_001" in log.stdout and "face_001" in log.stdout

    # render reads the title and writes only to --out; it says the render goes unrecorded.
    render = _workbench("render", decided, "--out", tmp_path / "again")
    assert render.returncode == 0, render.stderr
    assert len(list((tmp_path / "again" / "street_001").glob("*.exr"))) == 14
    assert "read-only" in render.stderr

    # export hands off the render recorded before the title was archived.
    export = _workbench("export", decided, "--out", tmp_path / "handoff")
    assert export.returncode == 0, export.stderr
    timeline = otio.adapters.read_from_file(str(tmp_path / "handoff" / "timeline.otio"))
    assert [c.name for c in timeline.find_clips()] == ["street_001"]

    # A writing command names the path it cannot write, in one line, and changes nothing.
    for args in (["decide", decided, "street_002", "accept"],
                 ["relink", decided, "face", decided / "face.mov"]):
        done = _workbench(*args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "read-only" in lines[0], done.stderr
        assert f"{decided / 'catalog.sqlite'}:" in lines[0]
    assert _tree(decided) == before  # not a byte changed, no -wal or -shm added


def test_a_read_only_catalog_in_a_writable_folder(decided: Path):
    catalog = decided / "catalog.sqlite"
    catalog.chmod(0o444)
    before = _tree(decided)
    status = _workbench("status", decided)
    assert status.returncode == 0, status.stderr
    assert "Day 03" in status.stdout
    done = _workbench("decide", decided, "street_002", "accept")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"workbench: error: {catalog}: read-only, so this command cannot change title 'Tiny' "
        f"(status, log, render and export can read it)")
    assert _tree(decided) == before
