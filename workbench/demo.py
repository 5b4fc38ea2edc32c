"""The demo: the whole path on the bundled sample title, from dailies to a traceable delivery.

The title model is trained on the sample's own frames first (small settings: about half a
minute on two cores), so every proposal is the title model's, and records how it compares
with the classical fit on its shot. OUT receives ``dailies/`` (a copy of the sample footage:
the title's read-only sources), ``title/``, ``renders/`` (EXR), ``grades/`` (.cc),
``timeline.otio`` and ``report.html``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from workbench.errors import TitleError
from workbench.export import export_delivery
from workbench.model import propose
from workbench.model.train import train_title
from workbench.render import render
from workbench.title import Proposal, Title, decide, ingest, journal
from workbench.title.sample import SAMPLE_ALE, SAMPLE_CLIPS, copy_sample_dailies, sample_dir

__all__ = ["MARKER", "SAMPLE_CLIPS", "run_demo", "sample_dir"]

MARKER = ".workbench-demo"
TRAIN_FRAMES = 24   # proxy frames the demo's title model trains on (as notebook 02)
TRAIN_STEPS = 150   # its matcher's training steps


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
    """Ingest, train the title model, propose with it, accept, render EXR, export; a summary."""
    out = Path(out).absolute()
    _prepare(out)
    dailies = out / "dailies"
    clips = copy_sample_dailies(dailies, extra=("NOTICE.md",))

    with Title.create(out / "title", name="Sample Title (workbench demo)") as title:
        ingest(title, clips, ale=dailies / SAMPLE_ALE, progress=progress)
        model = train_title(title, seed=0, frames=TRAIN_FRAMES, steps=TRAIN_STEPS,
                            progress=progress)
        proposals = propose(title, progress=progress)  # with the title model just trained
        for proposal in proposals:
            decide(title, title.shot(proposal.shot), "accept", by="demo",
                   note="demo: every proposal accepted as proposed")
        delivered = render(title, out / "renders", "exr", progress=progress)
        handoff = export_delivery(title, out)
        return {
            "title": title.settings.name, "out": str(out), "clips": len(title.clips()),
            "shots": len(title.shots()), "scenes": len(title.scenes()),
            "decisions": len(journal(title)), "rendered_shots": len(delivered),
            "frames": sum(d.frames for d in delivered), "grades": len(handoff.grades),
            "edls": [p.name for p in handoff.edls], "model": model.version_id,
            **_model_against_classical(proposals),
        }


def _model_against_classical(proposals: list[Proposal]) -> dict[str, int]:
    """How many matched shots the title model fitted better than the classical method did."""
    compared = [(p.details or {}).get("model", {}).get("residual") for p in proposals
                if "classical" in (p.details or {})]
    classical = [(p.details or {})["classical"].get("residual") for p in proposals
                 if "classical" in (p.details or {})]
    pairs = [(a, b) for a, b in zip(compared, classical, strict=True)
             if a is not None and b is not None]
    return {"compared": len(pairs), "model_better": sum(a < b for a, b in pairs)}
