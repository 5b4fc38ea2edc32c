"""The widgets' front end (widgets/, via the workbench/ui/static link) ships inside the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_static_is_a_relative_link_to_widgets():
    static = ROOT / "workbench" / "ui" / "static"
    assert static.is_symlink() and static.readlink() == Path("../../widgets")
    from workbench.ui.compare import STATIC

    assert (STATIC / "compare.js").read_text() == (ROOT / "widgets" / "compare.js").read_text()


def test_wheel_holds_the_es_modules_and_css(tmp_path: Path):
    src = tmp_path / "src"  # a copy: building in place would write build/ and egg-info here
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "workbench", src / "workbench", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "widgets", src / "widgets", ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(src)], check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("workbench-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    front_end = {f"workbench/ui/static/{p.name}" for p in (ROOT / "widgets").iterdir()
                 if p.suffix in (".js", ".css")}
    assert {"workbench/ui/static/compare.js", "workbench/ui/static/workbench.css"} <= front_end
    assert front_end <= names
