"""The batch templates: where they are, what one run covers, and their parameters.

A template is a papermill notebook in ``templates/`` with one ``parameters`` cell. Every
template takes ``title_dir`` and ``out_dir``; a shot-level template takes ``shots`` and a
scene-level one ``scenes`` (one item per run when ``workbench batch`` fans it out); a
title-level template runs once for the whole title.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import ParameterError

__all__ = [
    "TEMPLATES",
    "Template",
    "find_template",
    "template_parameters",
    "templates_dir",
]


@dataclass(frozen=True)
class Template:
    """A batch template: its name, what one run covers and which items it runs on by default.

    ``level`` is ``"shot"``, ``"scene"`` or ``"title"``; ``items`` says which shots a batch
    takes when none are named: ``"accepted"`` (shots with an accepted decision),
    ``"proposed"`` (shots with a proposal) or ``"all"``.
    """

    name: str
    level: str
    items: str = "all"
    output: str = "output"  # the folder under a batch's OUT that its out_dir points at
    summary: str = ""

    @property
    def key_parameter(self) -> str | None:
        """The parameter a run's items go in: ``shots``, ``scenes`` or none."""
        return {"shot": "shots", "scene": "scenes"}.get(self.level)


TEMPLATES = {t.name: t for t in (
    Template("render_accepted", "shot", "accepted", "renders",
             "render accepted decisions for delivery"),
    Template("review_copies", "shot", "proposed", "review",
             "proposals as burnt-in review stills, apart from delivery"),
    Template("propose", "title", "all", "proposals", "propose grades with a chosen method"),
    Template("train_title_model", "title", "all", "model", "train the title model"),
    Template("continuity_report", "scene", "all", "continuity",
             "continuity flags, reasons and fixes, per scene"),
)}


def templates_dir() -> Path:
    """The ``templates/`` folder beside the package (a source checkout or an editable install)."""
    return Path(__file__).resolve().parents[2] / "templates"


def find_template(name_or_path: str | Path) -> tuple[Template, Path]:
    """A template by name (``render_accepted``) or by path to its ``.ipynb``.

    A notebook that is not one of :data:`TEMPLATES` runs per shot when it takes ``shots``,
    per scene when it takes ``scenes``, else once for the title.
    """
    given = Path(name_or_path)
    path = given if given.suffix == ".ipynb" else templates_dir() / f"{given.name}.ipynb"
    if not path.is_file():
        raise ParameterError(f"template {str(name_or_path)!r}: no notebook at {path}; known "
                             f"templates: {', '.join(TEMPLATES)}")
    known = TEMPLATES.get(path.stem)
    if known is None:
        names = set(template_parameters(path))
        level = "shot" if "shots" in names else "scene" if "scenes" in names else "title"
        known = Template(path.stem, level)
    return known, path.absolute()


def template_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """The parameters of template ``path``: ``{name: {"type", "default", "help"}}``.

    Read from its one cell tagged ``parameters``, as papermill's ``--help-notebook`` shows them.
    """
    import json

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{path}: a template needs exactly one cell tagged 'parameters', "
                             f"found {len(cells)}")
    source = "".join(cells[0]["source"])
    lines = source.splitlines()
    params = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            line = lines[node.lineno - 1]
            params[node.target.id] = {
                "type": ast.unparse(node.annotation),
                "default": ast.literal_eval(node.value) if node.value is not None else None,
                "help": line.split("  # ", 1)[1].strip() if "  # " in line else ""}
    return params
