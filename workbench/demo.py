"""The demo: the whole path on the bundled sample title, from dailies to a traceable delivery.

OUT receives ``dailies/`` (a copy of the sample footage: the title's read-only sources),
``title/``, ``renders/`` (EXR), ``grades/`` (.cc), ``timeline.otio`` and ``report.html``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from workbench.errors import TitleError
from workbench.export import export_delivery
from workbench.model import propose
from workbench.render import render
from workbench.title import Title, decide, ingest, journal
from workbench.title.sample import SAMPLE_ALE, SAMPLE_CLIPS, copy_sample_dailies, sample_dir

__all__ = ["MARKER", "SAMPLE_CLIPS", "run_demo", "sample_dir"]

MARKER = ".workbench-demo"


def _prepare(out: Path) -> None:
    """Make ``out`` ready; a previous demo there is replaced, anything else is refused."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise TitleError(f"{out}: exists and was not made by `workbench demo`; "
                             f"choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by `workbench demo`; safe to delete\n")


def run_demo(out: Path, progress: bool = True) -> dict[str, Any]:
    """Ingest, propose, accept (as ``demo``), render EXR and export; returns a summary."""
    out = Path(out).absolute()
    _prepare(out)
    dailies = out / "dailies"
    clips = copy_sample_dailies(dailies, extra=("NOTICE.md",))

    with Title.create(out / "title", name="Sample Title (workbench demo)") as title:
        ingest(title, clips, ale=dailies / SAMPLE_ALE, progress=progress)
        for proposal in propose(title, progress=progress):
            decide(title, title.shot(proposal.shot), "accept", by="demo",
                   note="demo: every proposal accepted as proposed")
        delivered = render(title, out / "renders", "exr", progress=progress)
        handoff = export_delivery(title, out)
        return {
            "title": title.settings.name, "out": str(out), "clips": len(title.clips()),
            "shots": len(title.shots()), "scenes": len(title.scenes()),
            "decisions": len(journal(title)), "rendered_shots": len(delivered),
            "frames": sum(d.frames for d in delivered), "grades": len(handoff.grades),
            "edls": [p.name for p in handoff.edls],
        }
