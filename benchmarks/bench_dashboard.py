"""First paint of the producers' dashboard in Debian's chromium, at 24 and at 2,000 shots.

The titles: the bundled sample title (24 shots in 3 scenes, proposed by the classical method),
and a catalog of 2,000 shots made from it: its shots repeated under new names, each with a
copy of its proposal (same clips, frames and proxies), as a producer's long title would list.

Measured: a real ``workbench dashboard`` server on 127.0.0.1; one warm-up page, then fresh
pages, each timed from ``page.goto`` of the shots tab to the first page of the shots table
on screen (its 25th shot's name painted). The best of ``REPEAT`` is the value.

Anchor, in the same run: chromium painting a plain static HTML file (file://) of the same
rows (every row, no pagination, no pictures), timed the same way to the same 25th name.
"""

from __future__ import annotations

import html
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import entry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "dashboard"))
from dashkit import chromium_page, dashboard_server, make_sample_title

REPEAT = 3
PAGE_SIZE = 25
BIG = 2000
GOAL_S = 3.0


def grow_title(src: Path, dst: Path, shots: int) -> list[str]:
    """Copy title ``src`` to ``dst`` and repeat its shots (with their proposals) to ``shots``."""
    from workbench.title import Title, add_proposal, latest_proposal

    shutil.copytree(src, dst)
    with Title.open(dst) as title, title.transaction():
        originals = title.shots()
        made = len(originals)
        for k in range(1, math.ceil(shots / len(originals))):
            for shot in originals:
                if made >= shots:
                    break
                copy = title.add_shot(shot.clip, f"{shot.name}_r{k:03d}", shot.start_frame,
                                      shot.end_frame, shot.source, shot.scene)
                p = latest_proposal(title, shot)
                if p is not None:
                    add_proposal(title, copy, p.pipeline, model_version=p.model_version,
                                 strength=p.strength, confidence=p.confidence,
                                 summary=p.summary, active_area=p.active_area)
                made += 1
        return [s.name for s in title.shots()]


def static_table(names: list[str], path: Path) -> Path:
    """A plain HTML page listing ``names`` in a table (the anchor)."""
    rows = "".join(f"<tr><td>{html.escape(n)}</td><td>scene</td><td>proposed</td></tr>"
                   for n in names)
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>shots</title>"
                    f"</head><body><table><tr><th>shot</th><th>scene</th><th>status</th></tr>"
                    f"{rows}</table></body></html>")
    return path


def _time_paint(page: Any, url: str, name: str, cell: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.locator(cell, has_text=name).first.wait_for(timeout=120_000)
    return time.perf_counter() - start


def first_paint(title: Path, names: list[str], work: Path) -> tuple[float, float]:
    """(dashboard, static anchor) best first-paint seconds for ``title``."""
    target = names[min(PAGE_SIZE, len(names)) - 1]
    cell = ".tabulator-row .tabulator-cell[tabulator-field='shot']"
    anchor_page = static_table(names, work / f"static_{len(names)}.html").as_uri()
    with dashboard_server(title, log=work / f"dash_{len(names)}.log") as server:
        url = server.url + "/?tab=1"
        with chromium_page() as page:
            cold = _time_paint(page, url, target, cell)
        times = []
        for _ in range(REPEAT):
            with chromium_page() as page:
                times.append(_time_paint(page, url, target, cell))
    anchors = []
    for _ in range(REPEAT + 1):
        with chromium_page() as page:
            anchors.append(_time_paint(page, anchor_page, target, "td"))
    print(f"{len(names)} shots: dashboard first paint {min(times):.2f} s (first visit "
          f"{cold:.2f} s), static table {min(anchors[1:]):.3f} s")
    return min(times), min(anchors[1:])


def run() -> list[dict[str, Any]]:
    """Both titles, both measurements; results.json entries."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small = make_sample_title(work / "sample", train=False)
        from workbench.title import Title

        with Title.open(small, "ro") as title:
            small_names = [s.name for s in title.shots()]
        big_names = grow_title(small, work / "big" / "title", BIG)
        out = []
        for title_dir, names in ((small, small_names), (work / "big" / "title", big_names)):
            value, anchor = first_paint(title_dir, names, work)
            out.append(entry(f"dashboard_first_paint_s_{len(names)}_shots", value, "s",
                             f"chromium painting a static HTML table of the same {len(names)} "
                             f"rows from file:// (goal < {GOAL_S:g} s)", anchor,
                             higher_is_better=False))
    return out


if __name__ == "__main__":
    from benchmarks.common import write_results

    write_results(run())
