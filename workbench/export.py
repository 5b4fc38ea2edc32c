"""The hand-off of what was rendered: grades, looks, timeline, EDL and report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import DecisionError
from workbench.interchange import (
    Delivered,
    delivery_timeline,
    read_cc,
    write_edl,
    write_looks_config,
    write_timeline,
)
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
    looks: Path
    timeline: Path
    edls: list[Path]
    report: Path


def _write_edls(out: Path, name: str, delivered: list[Delivered]) -> list[Path]:
    """CMX 3600 EDLs of the delivery, one per frame rate.

    An EDL counts every event in its own single rate, so shots of other rates cannot share it
    frame-accurately: ``timeline.edl`` when the delivery has one rate, else
    ``timeline_<rate>.edl`` per rate (``timeline_23.976.edl``).
    """
    by_rate: dict[float, list[Delivered]] = {}
    for d in delivered:
        by_rate.setdefault(float(d.shot.clip.fps), []).append(d)
    paths = []
    for rate, group in sorted(by_rate.items()):
        label = "" if len(by_rate) == 1 else f"_{rate:.3f}".rstrip("0").rstrip(".")
        paths.append(write_edl(out / f"timeline{label}.edl", delivery_timeline(name, group),
                               rate=rate))
    return paths


def export_delivery(title: Title, out: Path) -> Export:
    """Write the hand-off into ``out``.

    ``grades/*.cc`` (one ASC CDL per shot, in ACEScct; a grade that is more than a CDL also
    gets ``grades/<shot>.cube``, the whole grade baked, and its ``.cc`` approximates it),
    ``looks.ocio`` (an OCIO config with one look per shot, for Nuke or any OCIO host),
    ``timeline.otio``, CMX 3600 EDLs with ``ASC_SOP``/``ASC_SAT`` (plain CDL grades) recorded
    from 01:00:00:00 (one per frame rate, see :func:`_write_edls`; the OTIO keeps each clip's
    own rate) and ``report.html``.

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
    # A shot whose grade is more than a CDL is looked up through its baked .cube, exactly.
    looks = write_looks_config(out / "looks.ocio", {
        p.stem: p.with_suffix(".cube") if p.with_suffix(".cube").is_file() else read_cc(p)[1]
        for p in grades})
    otio_timeline = delivery_timeline(title.settings.name, delivered)
    timeline = write_timeline(out / "timeline.otio", otio_timeline)
    edls = _write_edls(out, title.settings.name, delivered)
    report = write_report(title, delivered, out / "report.html")
    return Export(delivered, grades, looks, timeline, edls, report)
