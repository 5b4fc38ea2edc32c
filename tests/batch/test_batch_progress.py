"""The live progress file the dashboard reads: its shape, its atomic rewrites, its reader."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from workbench.batch import PROGRESS_SCHEMA, BatchProgress, read_progress
from workbench.batch.fanout import coerce_parameter
from workbench.errors import ParameterError, WorkbenchError


def test_every_change_rewrites_the_whole_file_with_counts(tmp_path):
    board = BatchProgress(tmp_path, "render_accepted", tmp_path / "title", ["a", "b", "c"])
    board.update("a", "running")
    board.update("b", "failed", 1.23456, "DecisionError: b was not accepted")
    data = read_progress(tmp_path / "progress.json")
    assert data["schema"] == PROGRESS_SCHEMA and data["title"] == str(tmp_path / "title")
    assert data["counts"] == {"pending": 1, "running": 1, "done": 0, "failed": 1, "skipped": 0}
    assert data["items"][1] == {"key": "b", "status": "failed", "seconds": 1.235,
                                "error": "DecisionError: b was not accepted"}
    assert data["finished"] is None
    board.update("a", "done", 2.0)
    board.finish()
    assert read_progress(tmp_path)["finished"] is not None
    assert [p.name for p in tmp_path.iterdir()] == ["progress.json"], "no temporaries left"
    with pytest.raises(ValueError, match="unknown batch status 'lost'"):
        board.update("c", "lost")


def test_reader_names_the_file_and_the_problem(tmp_path):
    path = tmp_path / "progress.json"
    with pytest.raises(WorkbenchError, match="no batch progress file"):
        read_progress(path)
    path.write_text("{not json")
    with pytest.raises(WorkbenchError, match=re.escape(f"{path}: unreadable")):
        read_progress(path)
    path.write_text(json.dumps({"schema": "other/1"}))
    with pytest.raises(WorkbenchError, match=re.escape(f"expected schema {PROGRESS_SCHEMA!r}")):
        read_progress(path)
    BatchProgress(tmp_path, "t", tmp_path, ["a"])
    data = json.loads(path.read_text())
    data["items"].append({"key": "b", "status": "pending"})
    path.write_text(json.dumps(data))
    with pytest.raises(WorkbenchError, match="total is 1 but the file lists 2"):
        read_progress(path)


def test_reading_progress_imports_neither_papermill_nor_dask():
    code = ("import sys, workbench.batch as b; b.read_progress; "
            "print(sorted(m for m in ('papermill', 'distributed', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parameters_from_the_command_line_take_the_template_types():
    assert coerce_parameter("shots", "a,b", {"type": "list[str]"}) == ["a", "b"]
    assert coerce_parameter("shots", '["a"]', {"type": "list[str]"}) == ["a"]
    assert coerce_parameter("strength", "1", {"type": "float"}) == 1.0
    assert coerce_parameter("fmt", "123", {"type": "str"}) == "123"
    with pytest.raises(ParameterError, match="-p frames 'many': expected int"):
        coerce_parameter("frames", "many", {"type": "int"})


def test_batch_without_the_extra_says_which_extra_to_install(tmp_path):
    block = ("import sys, importlib.abc\n"
             "class NoBatch(importlib.abc.MetaPathFinder):\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] in ('papermill', 'distributed'):\n"
             "            raise ModuleNotFoundError(name)\n"
             "sys.meta_path.insert(0, NoBatch())\n"
             "from workbench.cli import main\n"
             f"sys.exit(main(['batch', 'render_accepted', {str(tmp_path)!r}]))\n")
    out = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True)
    assert out.returncode != 0
    assert "workbench[batch]" in out.stderr and "needs papermill" in out.stderr
