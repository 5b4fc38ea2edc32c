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
from testkit import shared_path

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


def test_apply_on_a_still_grades_without_compiling(tmp_path: Path):
    """A one-off still is graded eagerly (compiling costs seconds), with OpenColorIO's pixels."""
    import numpy as np
    import OpenImageIO as oiio
    import PyOpenColorIO as ocio

    grid = np.linspace(0.0, 1.0, 17)
    b, g, r = np.meshgrid(grid, grid, grid, indexing="ij")  # red varies fastest in a .cube
    rgb = np.stack([r, g, b], axis=-1).reshape(-1, 3)
    table = np.clip(rgb ** 1.2 * [1.06, 1.0, 0.9] + 0.02, 0.0, 1.0)
    cube = tmp_path / "warm.cube"
    cube.write_text("LUT_3D_SIZE 17\n" + "".join(f"{x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in table))
    src = shared_path("photo", "skimage_coffee.png")
    out = tmp_path / "coffee.exr"  # float out: compare values, not 8-bit rounding
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "workbench.cli", "-q",
                           "apply", "--grade", str(cube), "--in", str(src), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
              if line.startswith("import time:")}
    assert "torch._inductor" not in loaded and "torch._dynamo" not in loaded

    pixels = oiio.ImageBuf(str(src)).get_pixels(oiio.FLOAT)[..., :3].copy()
    config = ocio.Config.CreateRaw()
    lut = ocio.FileTransform(str(cube), interpolation=ocio.INTERP_TETRAHEDRAL)
    config.getProcessor(lut).getDefaultCPUProcessor().applyRGB(pixels)
    got = oiio.ImageBuf(str(out)).get_pixels(oiio.FLOAT)[..., :3]
    # .exr from a PNG is re-encoded to ACEScg: bring OCIO's sRGB result there too.
    from workbench.color import convert_array

    expected = convert_array(pixels, "sRGB", "ACEScg")
    np.testing.assert_allclose(got, expected, atol=2e-3, rtol=2e-3)  # half-float EXR


@pytest.mark.parametrize("grade", ["look.cc", "look.cube"])
def test_cdl_or_lut_apply_on_a_still_loads_no_torch(tmp_path: Path, grade: str):
    """A grade OpenColorIO can express runs on OCIO alone: no torch, no compiler."""
    import numpy as np

    from workbench.interchange import write_cc
    from workbench.interchange.cube import write_cube
    from workbench.ops import CDLValues, CubeLUT

    if grade.endswith(".cc"):
        write_cc(tmp_path / grade, CDLValues(slope=(1.1, 1.0, 0.9)), "look")
    else:
        g = np.linspace(0, 1, 9)
        write_cube(tmp_path / grade, CubeLUT(table=np.stack(np.meshgrid(g, g, g, indexing="ij"),
                                                            -1) ** 1.2))
    out = tmp_path / "out.png"
    stdout, loaded = _loaded("-q", "apply", "--grade", tmp_path / grade,
                             "--in", shared_path("photo", "skimage_coffee.png"), "--out", out)
    assert "applied" in stdout and out.is_file()
    heavy = sorted({"torch", "kornia"} & loaded)
    assert not heavy, f"`workbench apply --grade {grade}` loaded {heavy}"
