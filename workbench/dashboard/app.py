"""The producers' dashboard: one Panel page per browser session, with five tabs.

- **Title**: status counts, what is left to do, shots by scene and shooting day;
- **Shots**: every shot in a paginated table (thumbnails load lazily); the chosen shot's
  before/after (side by side, and as a wipe with a slider), proposal sentence, decision
  history and continuity reasons, and with ``allow_decisions`` the reviewer's accept and
  reject buttons;
- **Continuity**: the shots that do not match their scene, with the reasons;
- **Profiles**: exposure, colour temperature and saturation per shot by scene (HoloViews),
  the flagged shots in red;
- **Batches**: live progress of the title's batches, re-read every second.

Pictures come from :class:`~workbench.dashboard.pictures.PictureCache` through the server's
``/pictures/`` route, so a page view decodes no video; profiles from the title model.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import panel as pn

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
from workbench.dashboard.profiles import PLOTTED, ProfileSource, TitleProfiles, metric_table
from workbench.errors import WorkbenchError
from workbench.title import Title, decide

__all__ = ["PICTURE_ROUTE", "DashboardConfig", "build_app", "picture_url", "profile_plots"]

PICTURE_ROUTE = "/pictures"
STATUS_COLOURS = {"new": "#888888", "proposed": "#4c78a8", "accepted": "#54a24b",
                  "adjusted": "#88d27a", "rejected": "#e45756", "rendered": "#2f7d32"}
# Fixed column widths: Tabulator's fit-to-data layout measured every cell and was most of
# the browser's time on first paint.
SHOT_COLUMN_WIDTHS = {"picture": 88, "shot": 130, "scene": 90, "day": 90, "status": 85,
                      "strength": 90, "confidence": 115, "proposal": 380}
CSS = """
.wb-counts{display:flex;gap:12px;flex-wrap:wrap}
.wb-count{border-radius:6px;padding:8px 14px;color:#fff;min-width:90px}
.wb-count b{display:block;font-size:26px}
.wb-pair{display:flex;gap:8px;flex-wrap:wrap}
.wb-pair figure{margin:0;flex:1 1 45%;min-width:200px} .wb-pair img{width:100%;display:block}
.wb-pair figcaption{color:#666;font-size:12px}
.wb-wipe{max-width:640px;margin:8px 0 0} .wb-stage{position:relative}
.wb-stage img{width:100%;display:block}
.wb-stage img.wb-over{position:absolute;top:0;left:0;clip-path:inset(0 0 0 var(--wipe,50%))}
.wb-line{position:absolute;top:0;bottom:0;left:var(--wipe,50%);width:2px;margin-left:-1px;
 background:#fff;box-shadow:0 0 2px #000;pointer-events:none}
.wb-wipe input{width:100%;margin:4px 0 0} .wb-wipe figcaption{color:#666;font-size:12px}
.wb-bar{background:#ddd;border-radius:4px;height:14px;width:100%}
.wb-bar div{background:#54a24b;height:14px;border-radius:4px}
.wb-reason{border-left:3px solid #e9a23b;padding:2px 8px;margin:4px 0}
.wb-table{border-collapse:collapse;width:100%;font-size:13px}
.wb-table th,.wb-table td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
.wb-table th{background:#f3f3f3}
"""


@dataclass
class DashboardConfig:
    """What one dashboard serves, and what its readers may do."""

    root: Path
    allow_decisions: bool = False
    reviewer: str | None = None
    batches: tuple[Path, ...] = ()
    page_size: int = 25
    refresh_ms: int = 1000
    profiles: ProfileSource | None = field(default=None, repr=False)
    """The title's profiles, shared by every session and computed once; ``None``: none."""


def picture_url(shot: str, kind: str, key: str) -> str:
    """The URL of a shot's picture (``before``, ``after`` or ``thumb``) at grade state ``key``."""
    return f"{PICTURE_ROUTE}/{quote(shot, safe='')}/{kind}.jpg?v={quote(key)}"


def _shots_frame(rows: list[ShotRow]) -> pd.DataFrame:
    return pd.DataFrame({
        "picture": [f'<img src="{picture_url(r.name, "thumb", r.picture_key)}" loading="lazy" '
                    # a fixed box: a row keeps its height when its picture arrives
                    f'width="64" height="36" style="object-fit:contain" '
                    f'alt="{html.escape(r.name)}">' for r in rows],
        "shot": [r.name for r in rows],
        "scene": [r.scene for r in rows],
        "day": [r.day for r in rows],
        "status": [r.status for r in rows],
        "strength": [r.strength for r in rows],
        "confidence": [r.confidence for r in rows],
        "proposal": [r.summary for r in rows],
    })


def _wipe_html(before: str, after: str) -> str:
    """Before and after stacked: after shows right of a line the reader drags with a slider.

    No script is needed beyond the slider's own handler (the HTML pane runs no ``<script>``).
    """
    return ('<figure class="wb-wipe" style="--wipe:50%"><div class="wb-stage">'
            f'<img id="wb-wipe-before" src="{before}" alt="before">'
            f'<img id="wb-wipe-after" class="wb-over" src="{after}" alt="after">'
            '<div class="wb-line"></div></div>'
            '<input id="wb-wipe" type="range" min="0" max="100" value="50" '
            'aria-label="wipe between before and after" '
            "oninput=\"this.parentElement.style.setProperty('--wipe', this.value + '%')\">"
            "<figcaption>wipe: before on the left of the line, after on the right; drag the "
            "slider</figcaption></figure>")


def _table_html(rows: list[dict[str, Any]], empty: str) -> str:
    """A small plain HTML table of ``rows`` (dicts with the same keys), or ``empty`` in words.

    Plain HTML rather than a Tabulator: these tables are short, and a Tabulator costs the
    browser a layout pass of its own on first paint.
    """
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>"
                                    for v in r.values()) + "</tr>" for r in rows)
    return f'<table class="wb-table"><tr>{head}</tr>{body}</table>'


def _counts_html(counts: dict[str, int]) -> str:
    boxes = "".join(f'<div class="wb-count" style="background:{STATUS_COLOURS[s]}">'
                    f"<b>{counts[s]}</b>{s}</div>" for s in STATUSES)
    return f'<div class="wb-counts">{boxes}</div>'


def _left_html(counts: dict[str, int]) -> str:
    done, total, pct = settled(counts)
    items = "".join(f"<li><b>{n}</b> {what}</li>" for n, what in left_to_do(counts))
    return (f"<p>{done} of {total} shots settled (rendered or rejected), {pct:.0f}%</p>"
            f'<div class="wb-bar"><div style="width:{pct:.1f}%"></div></div>'
            f"<h3>What is left</h3><ul>{items or '<li>nothing: every shot is settled</li>'}</ul>")


def profile_plots(profiles: TitleProfiles) -> Any:
    """HoloViews layout: each plotted metric per shot, grouped by scene, flagged shots in red."""
    import holoviews as hv

    plots = []
    for metric, (label, unit) in PLOTTED.items():
        data = pd.DataFrame(metric_table(profiles.rows, metric))
        ylabel = f"{label} ({unit})" if unit else label
        plots.append(hv.Scatter(data, kdims=["scene"], vdims=["value", "shot", "flag"])
                     .opts(color=hv.dim("flag").categorize({"ok": "#4c78a8",
                                                             "flagged": "#e45756"}),
                           size=hv.dim("flag").categorize({"ok": 7, "flagged": 13}),
                           jitter=0.35, tools=["hover"], title=label, ylabel=ylabel,
                           xlabel="scene", width=420, height=320, show_grid=True,
                           logy=metric == "cct"))  # lamps and coloured light span decades
    return hv.Layout(plots).cols(3).opts(shared_axes=False)


class _Session:
    """The widgets of one browser session and what they do."""

    def __init__(self, config: DashboardConfig) -> None:
        self.config = config
        with Title.open(config.root, "ro") as title:
            self.name = title.settings.name
            self.rows = shot_rows(title)
        self.by_name = {r.name: r for r in self.rows}
        self.counts_pane = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.left_pane = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.scene_table = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.scene_filter = pn.widgets.Select(name="Scene", options=[
            "all", *sorted({r.scene for r in self.rows})], width=180)
        self.status_filter = pn.widgets.Select(name="Status", options=["all", *STATUSES],
                                               width=140)
        self.search = pn.widgets.TextInput(name="Shot", placeholder="name contains…", width=180)
        self.table = pn.widgets.Tabulator(
            _shots_frame(self.rows), pagination="remote", page_size=config.page_size,
            disabled=True, show_index=False, selectable=1, sizing_mode="stretch_width",
            formatters={"picture": {"type": "html"}}, layout="fit_columns",
            widths=SHOT_COLUMN_WIDTHS, css_classes=["wb-shots"])
        self.shot_select = pn.widgets.AutocompleteInput(
            name="Go to shot", options=[r.name for r in self.rows], restrict=True,
            case_sensitive=False, search_strategy="includes", min_characters=1, width=220)
        self.shot_head = pn.pane.Markdown("Choose a shot in the table.")
        self.pair = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.history = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.reasons = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.message = pn.pane.Alert("", alert_type="info", visible=False)
        self.note = pn.widgets.TextInput(name="Note", placeholder="why (optional)", width=260)
        self.accept = pn.widgets.Button(name="Accept", button_type="success", width=110)
        self.reject = pn.widgets.Button(name="Reject", button_type="danger", width=110)
        self.current: str | None = None
        self.flags: dict[str, dict[str, Any]] = {}
        self.batch_pane = pn.pane.HTML(stylesheets=[CSS], sizing_mode="stretch_width")
        self.batch_items = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, pagination="local",
            page_size=20, sizing_mode="stretch_width")

        self.scene_filter.param.watch(self._filter, "value")
        self.status_filter.param.watch(self._filter, "value")
        self.search.param.watch(self._filter, "value")
        self.table.on_click(self._clicked)
        self.shot_select.param.watch(lambda e: self.show(e.new) if e.new else None, "value")
        self.accept.on_click(lambda _: self._decide("accept"))
        self.reject.on_click(lambda _: self._decide("reject"))
        self._overview()

    # -- the title at a glance --------------------------------------------------------
    def _overview(self) -> None:
        counts = status_counts(self.rows)
        self.counts_pane.object = _counts_html(counts)
        self.left_pane.object = _left_html(counts)
        self.scene_table.object = _table_html(scene_day_counts(self.rows), "no shots yet")

    def _reload(self) -> None:
        with Title.open(self.config.root, "ro") as title:
            self.rows = shot_rows(title)
        self.by_name = {r.name: r for r in self.rows}
        self._overview()
        self._filter()

    # -- the shots table --------------------------------------------------------------
    def _filter(self, *_: Any) -> None:
        scene, status = self.scene_filter.value, self.status_filter.value
        text = (self.search.value or "").lower()
        rows = [r for r in self.rows if (scene == "all" or r.scene == scene)
                and (status == "all" or r.status == status) and text in r.name.lower()]
        self.table.value = _shots_frame(rows)

    def _clicked(self, event: Any) -> None:
        frame = self.table.value
        if event.row is not None and 0 <= event.row < len(frame):
            self.show(str(frame["shot"].iloc[event.row]))

    # -- one shot ---------------------------------------------------------------------
    def show(self, shot: str) -> None:
        """Show ``shot``'s before/after, proposal, history and continuity."""
        row = self.by_name.get(shot)
        if row is None:
            return
        self.current = shot
        self.message.visible = False
        strength = "" if row.strength is None else f", strength {row.strength:g}"
        self.shot_head.object = (
            f"## {row.name}\n**Scene** {row.scene} · **day** {row.day or '-'} · "
            f"**{row.frames} frames** of {row.clip} · **status** {row.status}{strength}\n\n"
            f"**Proposal:** {row.summary or 'none yet'}")
        after_label = {"proposed": "after (proposed)", "rejected": "proposed (rejected)",
                       "new": "after (no proposal yet)"}.get(row.status, "after (decided)")
        self.pair.object = (
            '<div class="wb-pair">'
            f'<figure><img id="wb-before" src="{picture_url(shot, "before", row.picture_key)}" '
            f'alt="before"><figcaption>before (as shot)</figcaption></figure>'
            f'<figure><img id="wb-after" src="{picture_url(shot, "after", row.picture_key)}" '
            f'alt="after"><figcaption>{after_label}</figcaption></figure></div>'
            + _wipe_html(picture_url(shot, "before", row.picture_key),
                         picture_url(shot, "after", row.picture_key)))
        with Title.open(self.config.root, "ro") as title:
            history = decision_history(title, shot)
        self.history.object = _table_html(history, "no decision yet")
        if not self.flags and self.config.profiles is not None:
            ready = self.config.profiles.peek()
            self.flags = {r["shot"]: r for r in ready.rows} if ready else {}
        flag = self.flags.get(shot)
        if flag and flag["reasons"]:
            items = "".join(f'<div class="wb-reason">{html.escape(r)}</div>'
                            for r in flag["reasons"])
            self.reasons.object = f"<b>Continuity</b>{items}"
        else:
            self.reasons.object = ("<b>Continuity</b>: matches its scene" if flag else "")
        if self.shot_select.value != shot:
            self.shot_select.value = shot

    def _decide(self, verdict: str) -> None:
        if not self.config.allow_decisions or self.current is None:
            return
        row = self.by_name[self.current]
        try:
            with Title.open(self.config.root, "rw") as title:
                d = decide(title, title.shot(row.name), verdict, by=self.config.reviewer,
                           proposal_id=row.proposal_id,
                           note=self.note.value or "decided on the dashboard")
        except WorkbenchError as exc:
            self.message.param.update(object=str(exc), alert_type="danger", visible=True)
            return
        self.note.value = ""
        self._reload()
        self.show(row.name)
        self.message.param.update(
            object=f"{d.shot}: {d.verdict} by {d.decided_by} at {d.decided_at} "
                   f"(decision {d.id[:8]}), journaled", alert_type="success", visible=True)

    # -- profiles and continuity ------------------------------------------------------
    def _profiles(self) -> TitleProfiles | None:
        if self.config.profiles is None:
            return None
        profiles = self.config.profiles.get()
        self.flags = {r["shot"]: r for r in profiles.rows}
        return profiles

    def continuity_view(self) -> pn.viewable.Viewable:
        """Flagged shots with their reasons (or why there are none)."""
        profiles = self._profiles()
        if profiles is None or profiles.missing:
            why = profiles.missing if profiles else "profiles were not loaded"
            return pn.pane.Alert(f"No continuity check: {why}", alert_type="warning")
        flagged = profiles.flagged
        frame = pd.DataFrame([{"shot": r["shot"], "scene": r["scene"], "score": r["score"],
                               "compared with": r["reference"],
                               "reasons": " ".join(r["reasons"])} for r in flagged])
        return pn.Column(
            pn.pane.Markdown(f"**{len(flagged)}** of {len(profiles.rows)} profiled shots do "
                             f"not match their scene (score 0.5 at the threshold, towards 1 "
                             f"for gross mismatches)."),
            pn.widgets.Tabulator(frame, disabled=True, show_index=False, pagination="local",
                                 page_size=25, sizing_mode="stretch_width",
                                 widths={"reasons": 600}),
            sizing_mode="stretch_width")

    def profiles_view(self) -> pn.viewable.Viewable:
        """The HoloViews plots of the profiles."""
        profiles = self._profiles()
        if profiles is None or profiles.missing:
            why = profiles.missing if profiles else "profiles were not loaded"
            return pn.pane.Alert(f"No profiles: {why}", alert_type="warning")
        return pn.Column(
            pn.pane.Markdown(f"Measured on every shot by the title model "
                             f"({profiles.model_version}). Each dot is a shot; red ones are "
                             f"flagged by continuity."),
            pn.pane.HoloViews(profile_plots(profiles), backend="bokeh"))

    # -- batches ----------------------------------------------------------------------
    def refresh_batches(self) -> None:
        """Re-read every batch's progress file."""
        states = read_batches(batch_folders(self.config.root, self.config.batches))
        if not states:
            where = f"{self.config.root.name}/batches/"
            self.batch_pane.object = f"<p>No batch yet: none in {html.escape(where)}.</p>"
            self.batch_items.value = pd.DataFrame()
            return
        parts, items = [], []
        for s in states:
            if s.progress is None:
                parts.append(f"<p><b>{html.escape(s.folder.name)}</b>: "
                             f"{html.escape(s.problem)}</p>")
                continue
            p = s.progress
            counts = ", ".join(f"{n} {k}" for k, n in s.counts.items() if n)
            dask = (f' · <a href="{html.escape(p["dask_dashboard"])}" target="_blank">Dask '
                    f"dashboard</a>" if p.get("dask_dashboard") else "")
            parts.append(
                f"<p><b>{html.escape(s.folder.name)}</b>: template "
                f"<code>{html.escape(str(p['template']))}</code>, {s.state}, {counts} of "
                f"{p['total']} · started {html.escape(str(p['started']))}, updated "
                f"{html.escape(str(p['updated']))}{dask}</p><div class=\"wb-bar\">"
                f'<div style="width:{100 * s.done_fraction:.1f}%"></div></div>')
            items += [{"batch": s.folder.name, "item": i["key"], "status": i["status"],
                       "seconds": i.get("seconds"), "error": i.get("error") or ""}
                      for i in p["items"]]
        self.batch_pane.object = "".join(parts)
        self.batch_items.value = pd.DataFrame(items)

    # -- the page ---------------------------------------------------------------------
    def page(self) -> pn.viewable.Viewable:
        """The whole page."""
        mode = (f"decisions enabled for **{self.config.reviewer}**"
                if self.config.allow_decisions else "read-only")
        controls: list[Any] = [self.message]
        if self.config.allow_decisions:
            controls = [pn.Row(self.accept, self.reject, self.note), self.message]
        shot_view = pn.Column(self.shot_select, self.shot_head, self.pair, *controls,
                              self.reasons, pn.pane.Markdown("### Decision history"),
                              self.history, sizing_mode="stretch_width")
        overview = pn.Column(self.counts_pane, self.left_pane,
                             pn.pane.Markdown("### Shots by scene and shooting day"),
                             self.scene_table, sizing_mode="stretch_width")
        shots = pn.Row(
            pn.Column(pn.Row(self.scene_filter, self.status_filter, self.search), self.table,
                      sizing_mode="stretch_width"),
            shot_view, sizing_mode="stretch_width")
        self.refresh_batches()
        pn.state.add_periodic_callback(self.refresh_batches, period=self.config.refresh_ms)
        tabs = pn.Tabs(
            ("Title", overview), ("Shots", shots),
            ("Continuity", pn.panel(pn.bind(self.continuity_view), defer_load=True)),
            ("Profiles", pn.panel(pn.bind(self.profiles_view), defer_load=True)),
            ("Batches", pn.Column(self.batch_pane, self.batch_items,
                                  sizing_mode="stretch_width")),
            dynamic=True, sizing_mode="stretch_width")
        if pn.state.location is not None:  # ?tab=1&shot=NAME links to a shot
            pn.state.location.sync(tabs, {"active": "tab"})
            pn.state.location.sync(self.shot_select, {"value": "shot"})
        return pn.Column(
            pn.pane.Markdown(f"# {self.name}\n{len(self.rows)} shots · {mode} · "
                             f"title folder `{self.config.root.name}`"),
            tabs, sizing_mode="stretch_width")


def build_app(config: DashboardConfig) -> pn.viewable.Viewable:
    """The dashboard page for one browser session."""
    return _Session(config).page()
