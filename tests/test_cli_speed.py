"""The command answers at once: reading commands load no torch, no media libraries, no numpy.

Each check runs the real ``workbench`` command in a fresh interpreter with ``-X importtime`` and
reads which modules it loaded, on a real title (ingested, proposed, decided).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from workbench._lazy import lazy_exports
from workbench.cli import main

# What a reading command has no use for: torch (1-3 s), media readers, colour science, numpy.
HEAVY = ("torch", "kornia", "colour", "cv2", "av", "OpenImageIO", "numpy", "param",
         "opentimelineio", "tqdm")
LAZY_PACKAGES = ("workbench.color", "workbench.io", "workbench.title")


def _loaded(*args: str | Path) -> tuple[str, set[str]]:
    """Run ``workbench ARGS`` in a fresh interpreter: stdout and the top-level modules loaded."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "workbench.cli",
                           *map(str, args)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip().split(".")[0]
             for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc.stdout, names


@pytest.fixture
def decided(capsys: pytest.CaptureFixture[str], dailies: Path, title_dir: Path) -> Path:
    for args in (["init", title_dir], ["ingest", title_dir, dailies / "face.mov"],
                 ["propose", title_dir], ["decide", title_dir, "face_001", "accept"]):
        assert main(["-q", *map(str, args)]) == 0, capsys.readouterr()
    capsys.readouterr()
    return title_dir


@pytest.mark.parametrize("command", ["status", "log"])
def test_reading_commands_load_nothing_heavy(decided: Path, command: str):
    out, loaded = _loaded(command, decided)
    assert "face_001" in out and ("accept" in out)  # it did its work, from the real journal
    assert "workbench" in loaded  # the parse saw the imports at all
    heavy = sorted(set(HEAVY) & loaded)
    assert not heavy, f"`workbench {command}` loaded {heavy}"


def test_help_loads_nothing_heavy():
    out, loaded = _loaded("--help")
    assert "status" in out
    assert not set(HEAVY) & loaded


def test_a_journal_entry_still_carries_its_chain(decided: Path):
    """The chain is parsed when it is used, and it is the one that was proposed."""
    from workbench.title import Title, journal, latest_proposal

    with Title.open(decided, "ro") as title:
        (entry,) = journal(title)
        proposal = latest_proposal(title, title.shot("face_001"))
        assert proposal is not None
        assert entry.pipeline == proposal.pipeline
        assert entry.to_dict()["pipeline"] == proposal.pipeline.to_dict()


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_packages_keep_their_public_surface(package: str):
    """Every name in ``__all__`` resolves, in a fresh interpreter, and ``dir()`` lists it."""
    code = (f"import {package} as p\n"
            "missing = [n for n in p.__all__ if n not in dir(p)]\n"
            "assert not missing, missing\n"
            "values = {n: getattr(p, n) for n in p.__all__}\n"
            "assert not [n for n, v in values.items() if type(v).__name__ == 'module'], values\n"
            f"from {package} import *\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    module = importlib.import_module(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_a_function_named_like_its_module_survives_a_direct_import():
    """``import workbench.title.ingest`` first must not hide the ``ingest`` function."""
    code = ("import workbench.title.ingest\n"
            "from workbench.title import ingest, read_shot_frames\n"
            "assert callable(ingest) and callable(read_shot_frames)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_lazy_name_may_not_be_a_submodule_name():
    with pytest.raises(ValueError, match="ingest"):
        lazy_exports("workbench.title", {"ingest": ("ingest",)})
