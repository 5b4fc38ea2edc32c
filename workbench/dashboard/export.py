"""``workbench dashboard --export``: the dashboard as one static, self-contained HTML file.

For people without access to the server: status counts, what is left, shots by scene and day,
every shot with its before/after, proposal and decision history, the continuity flags, the
profile plots and the batches' last known progress. Pictures are embedded as JPEG data URIs
and the plots carry BokehJS inline, so the page opens from a file with no server and no
network. Written atomically.
"""

from __future__ import annotations

import base64
import html
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from workbench.dashboard.app import STATUS_COLOURS, profile_plots
from workbench.dashboard.batches import batch_folders, read_batches
from workbench.dashboard.catalog import (
    STATUSES,
    ShotRow,
    decision_history,
    left_to_do,
    scene_day_counts,
    settled,
    shot_rows,
    status_counts,
)
from workbench.dashboard.pictures import shot_pictures
from workbench.dashboard.profiles import TitleProfiles, title_profiles
from workbench.io.atomic import atomic_write_text
from workbench.title import Title

__all__ = ["EXPORT_WIDTH", "export_report"]

EXPORT_WIDTH = 320  # pixels of each before/after picture in the file

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
td,th{padding:.35em .5em;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}
.counts{display:flex;gap:12px;flex-wrap:wrap}
.count{border-radius:6px;padding:8px 14px;color:#fff;min-width:90px}
.count b{display:block;font-size:26px}
.pair{display:flex;gap:6px} .pair img{width:220px;display:block}
figure{margin:0} figcaption{color:#666;font-size:12px} .k{color:#777}
.bar{background:#ddd;border-radius:4px;height:14px} .bar div{background:#54a24b;height:14px}
.flag{border-left:3px solid #e9a23b;padding:2px 8px;margin:2px 0}
"""


def _uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(r.get(c))}</td>" for c in columns) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _plots_html(profiles: TitleProfiles) -> tuple[str, str]:
    """(head, body) HTML of the profile plots with BokehJS inline; a note when none."""
    if profiles.missing:
        return "", f"<p class=k>No profiles: {_e(profiles.missing)}</p>"
    import holoviews as hv
    import holoviews.plotting.bokeh  # registers the bokeh renderer
    from bokeh.embed import components
    from bokeh.resources import INLINE

    script, div = components(hv.render(profile_plots(profiles), backend="bokeh"))
    # BokehJS inline only: once Panel is imported, INLINE also lists Panel's extension files
    # by relative URL, files nobody ships beside the report (the plots need none of them).
    inline = "".join(f"<script>{js}</script>" for js in INLINE.js_raw)
    return inline + script, div


def _shot_html(title: Title, row: ShotRow, flag: dict[str, Any] | None) -> str:
    """One shot's table row: where it is, its before/after embedded, proposal and decisions."""
    pictures = shot_pictures(title, row.name, width=EXPORT_WIDTH)
    lines = "".join(
        f"<br>{_e(h['when'])} <b>{_e(h['verdict'])}</b>"
        f"{'' if h['strength'] is None else ' at ' + format(h['strength'], 'g')} "
        f"<span class=k>by</span> {_e(h['who'])}"
        for h in decision_history(title, row.name)) or "<br>none yet"
    reasons = "".join(f'<div class="flag">{_e(r)}</div>'
                      for r in (flag["reasons"] if flag and flag["flag"] else []))
    return (f'<tr id="shot-{_e(row.name)}"><td><b>{_e(row.name)}</b><br>'
            f"<span class=k>scene</span> {_e(row.scene)}<br><span class=k>day</span> "
            f"{_e(row.day or '-')}<br><span class=k>status</span> {_e(row.status)}</td>"
            f'<td><div class="pair"><figure><img alt="before" src="'
            f'{_uri(pictures.before)}"><figcaption>before</figcaption></figure><figure>'
            f'<img alt="after" src="{_uri(pictures.after)}"><figcaption>after: '
            f"{_e(pictures.grade)}</figcaption></figure></div></td>"
            f"<td>{_e(row.summary) or '<span class=k>no proposal</span>'}{reasons}"
            f"<br><span class=k>decisions</span>{lines}</td></tr>")


def export_report(root: Path, path: Path, batches: Sequence[Path] = (),
                  progress: bool = True) -> Path:
    """Write the static dashboard of title ``root`` to ``path``; returns ``path``."""
    root, path = Path(root), Path(path)
    profiles = title_profiles(root)
    flags = {r["shot"]: r for r in profiles.rows}
    with Title.open(root, "ro") as title:
        name = title.settings.name
        rows = shot_rows(title)
        shots_html = [_shot_html(title, row, flags.get(row.name))
                      for row in tqdm(rows, desc="export", unit="shot", disable=not progress,
                                      file=sys.stderr)]
    counts = status_counts(rows)
    done, total, pct = settled(counts)
    boxes = "".join(f'<div class="count" style="background:{STATUS_COLOURS[s]}">'
                    f"<b>{counts[s]}</b>{s}</div>" for s in STATUSES)
    left = "".join(f"<li><b>{n}</b> {what}</li>" for n, what in left_to_do(counts))
    flagged = [{"shot": r["shot"], "scene": r["scene"], "score": r["score"],
                "compared with": r["reference"], "reasons": " ".join(r["reasons"])}
               for r in profiles.flagged]
    batch_rows = [{"batch": s.folder.name, "state": s.state,
                   "template": (s.progress or {}).get("template", ""),
                   "progress": ", ".join(f"{n} {k}" for k, n in s.counts.items() if n)
                   or s.problem, "updated": (s.progress or {}).get("updated", "")}
                  for s in read_batches(batch_folders(root, batches))]
    plot_head, plot_body = _plots_html(profiles)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{_e(name)}: dashboard</title><style>{_STYLE}</style>{plot_head}</head><body>
<h1>{_e(name)}</h1>
<p class=k>{total} shots · exported {when} from title folder <code>{_e(root.name)}</code>
(a snapshot: the live dashboard is <code>workbench dashboard</code>)</p>
<div class="counts">{boxes}</div>
<p>{done} of {total} shots settled (rendered or rejected), {pct:.0f}%</p>
<div class="bar"><div style="width:{pct:.1f}%"></div></div>
<h2>What is left</h2><ul>{left or '<li>nothing: every shot is settled</li>'}</ul>
<h2>Shots by scene and shooting day</h2>
{_table(scene_day_counts(rows), ["scene", "day", "shots", *STATUSES])}
<h2>Continuity</h2>
<p>{len(flagged)} of {len(profiles.rows)} profiled shots do not match their scene.</p>
{_table(flagged, ["shot", "scene", "score", "compared with", "reasons"]) if flagged else ""}
<h2>Profiles</h2>{plot_body}
<h2>Batches</h2>
{_table(batch_rows, ["batch", "state", "template", "progress", "updated"]) if batch_rows
 else "<p class=k>none</p>"}
<h2>Shots</h2>
<table id="shots"><tr><th>shot</th><th>before / after</th><th>proposal, continuity and
decisions</th></tr>{"".join(shots_html)}</table>
</body></html>
"""
    return atomic_write_text(path, page)
