"""The hand-off of a title's delivery: grades, timeline and report of what was rendered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import DecisionError
from workbench.interchange import Delivered, delivery_timeline, write_timeline
from workbench.io.atomic import atomic_dir
from workbench.render import delivered_renders, write_grades
from workbench.report import write_report
from workbench.title import Title, accepted_decisions

__all__ = ["Export", "export_delivery"]


@dataclass(frozen=True)
class Export:
    """What :func:`export_delivery` wrote."""

    delivered: list[Delivered]
    grades: list[Path]
    timeline: Path
    report: Path


def export_delivery(title: Title, out: Path) -> Export:
    """Write ``out/grades/*.cc``, ``out/timeline.otio`` and ``out/report.html``.

    Every accepted shot must have been rendered since its latest decision: a hand-off that
    silently leaves out an accepted shot, or carries the grade of an older decision, is refused.
    ``grades/`` is replaced as a whole, so a shot rejected since the last export loses its file.
    """
    delivered = delivered_renders(title)
    rendered = {d.shot.id for d in delivered}
    missing = [s.name for s, _ in accepted_decisions(title) if s.id not in rendered]
    if missing:
        raise DecisionError(f"{title.root.name}: accepted but not rendered since their latest "
                            f"decision: {', '.join(missing)}; run `workbench render` first")
    if not delivered:
        raise DecisionError(f"{title.root.name}: nothing to export, no shot is accepted and "
                            f"rendered")
    out = Path(out).absolute()
    out.mkdir(parents=True, exist_ok=True)
    with atomic_dir(out / "grades") as folder:
        grades = [out / "grades" / p.name for p in write_grades(delivered, folder)]
    timeline = write_timeline(out / "timeline.otio",
                              delivery_timeline(title.settings.name, delivered))
    report = write_report(title, delivered, out / "report.html")
    return Export(delivered, grades, timeline, report)
