"""Binder's environment stays in step with pyproject.toml: same packages, same pins."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
# What the notebooks need beyond the runtime dependencies: a kernel, a lab, papermill.
NOTEBOOK_TOOLS = {"jupyterlab", "ipykernel", "nbformat", "papermill"}


def _key(req: Requirement) -> str:
    return req.name.lower().replace("_", "-")


def _pyproject_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        for r in map(Requirement, reqs):
            if extra != "dev" or _key(r) in NOTEBOOK_TOOLS:
                wanted.append(r)
    return {_key(r): r for r in wanted}


def _binder_requirements() -> tuple[dict[str, Requirement], list[str]]:
    reqs, options = {}, []
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-"):
            options.append(line)
        elif line:
            req = Requirement(line)
            reqs[_key(req)] = req
    return reqs, options


def test_binder_has_every_dependency_with_the_same_pin():
    wanted = _pyproject_requirements()
    binder, _ = _binder_requirements()
    assert sorted(binder) == sorted(wanted), "binder/requirements.txt and pyproject.toml differ"
    for name, req in wanted.items():
        if name == "torch":
            continue
        assert binder[name].specifier == req.specifier, f"{name}: {binder[name]} vs {req}"


def test_binder_torch_is_the_cpu_build_of_the_pinned_version():
    (pin,) = [s for s in _pyproject_requirements()["torch"].specifier if s.operator == "=="]
    binder, options = _binder_requirements()
    (binder_pin,) = binder["torch"].specifier
    assert binder_pin.operator == "=="
    assert binder_pin.version == f"{pin.version}+cpu"
    assert pin.contains(binder_pin.version)  # the CPU wheel satisfies the project's own pin
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in options


def test_binder_installs_the_package_and_the_workbench_kernel():
    post = (BINDER / "postBuild").read_text()
    assert os.access(BINDER / "postBuild", os.X_OK)
    assert "pip install --no-deps" in post and " ." in post
    assert "ipykernel install --sys-prefix --name workbench" in post
    runtime = (BINDER / "runtime.txt").read_text().strip()
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert Requirement(f"python{python}").specifier.contains(runtime.removeprefix("python-"))
