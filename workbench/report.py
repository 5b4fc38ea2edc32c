"""A self-contained HTML report of delivered shots: before/after, decision, model version."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from workbench.color import convert
from workbench.io import atomic_write_text
from workbench.render import Delivered, apply_decided
from workbench.title import Proposal, Shot, Title, get_proposal, journal, read_clip_frames
from workbench.title.composites import comp_records

__all__ = ["before_after", "write_report"]

THUMB_WIDTH = 600


def before_after(title: Title, shot: Shot, delivered: Delivered, width: int = THUMB_WIDTH
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The shot's middle frame before and after its grade, display-encoded ``(H, W, 3)`` in [0, 1].

    Both pass through the same conversions (source encoding → working space → delivery space),
    so the only difference between them is the decided grade.
    """
    middle = shot.start_frame + shot.frame_count // 2
    # Only the middle frame is read: a movie seeks to the keyframe before it (exact indices)
    # rather than decoding the first half of the shot.
    rgb = next(f for _, f in read_clip_frames(shot.clip, middle, middle + 1, max_width=width,
                                              proxy=True))
    working = title.settings.working_space
    img = convert(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(),
                  shot.clip.input_space, working)
    after = apply_decided(delivered.decision, img, working, shot.clip)
    space = title.settings.delivery_space
    return _display_hwc(img, working, space), _display_hwc(after, working, space)


def _display_hwc(img: torch.Tensor, working: str, space: str) -> np.ndarray:
    """The first image of ``img`` in ``space``, as a ``(H, W, 3)`` array clipped to [0, 1]."""
    return convert(img, working, space)[0].permute(1, 2, 0).clamp(0, 1).numpy()


def _jpeg_data_uri(rgb: np.ndarray) -> str:
    bgr = cv2.cvtColor((rgb * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert ok
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode()


def _composites_section(title: Title) -> str:
    """Accepted composites and integrations: sources (hashed), matte, decision, render."""
    records = comp_records(title)
    if not records:
        return ""
    rows = []
    for r in records:
        p, d, render = r["proposal"], r["decision"], r["render"]
        sources = "<br>".join(
            f"<span class=k>{html.escape(role)}</span> {html.escape(Path(s['path']).name)} "
            f"<code>{s['sha256'][:12]}</code>" for role, s in sorted(p["sources"].items()))
        done = (f"{html.escape(Path(render['path']).name)}, {render['rendered_at']}"
                if render else "<b>not rendered yet</b>")
        stats = ""
        if p.get("report"):
            ratio = " ".join("-" if v is None else f"{v:.2f}"
                             for v in p["report"].get("grain_ratio", []))
            stats = f"<br><span class=k>grain power / plate, per band</span> {ratio}"
        rows.append(f"""<tr><td><b>{html.escape(p['kind'])} {p['id']}</b><br>{sources}<br>
<span class=k>matte</span> {html.escape(p['matte_model'])}</td>
<td>{html.escape(p['summary'])}{stats}</td>
<td><b>{d['verdict']}</b> at strength {d['strength']:g}<br><span class=k>by</span> \
{html.escape(d['decided_by'])} <span class=k>at</span> {d['decided_at']}<br>
<span class=k>render</span> {done}</td></tr>""")
    return (f"<h2>Composites and integrations</h2>\n<p>{len(records)} accepted.</p>\n"
            f"<table><tr><th>sources</th><th>what</th><th>decision</th></tr>\n"
            f"{''.join(rows)}</table>\n")


def _residual(fit: dict[str, Any]) -> str:
    r = fit.get("residual")
    if r is None:
        return "not measured"
    if fit.get("measure") == "ΔE2000":
        return f"held-out residual {r:.2f} ΔE2000"
    return f"distribution mismatch {r:.2f} ({fit.get('measure', '')}; the views share no surface)"


def _made_by(proposal: Proposal) -> str:
    """Which model made ``proposal``, and the classical fit it was compared with on the shot.

    Empty for proposals that recorded nothing (anchors; catalogs before version 3).
    """
    details = proposal.details or {}
    model = details.get("model")
    if not model:
        return ""
    out = (f"<br><span class=k>made by</span> {html.escape(str(model.get('method')))} "
           f"<code>{html.escape(str(model.get('version')))}</code>, "
           f"{html.escape(_residual(model))}")
    classical = details.get("classical")
    if classical:
        a, b = model.get("residual"), classical.get("residual")
        verdict = ("" if a is None or b is None or model.get("measure") != classical.get("measure")
                   else " (model better)" if a < b else " (classical better)" if b < a
                   else " (equal)")
        out += (f"<br><span class=k>classical</span> {html.escape(str(classical.get('method')))}"
                f" on this shot: {html.escape(_residual(classical))}{verdict}")
    return out


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;background:#151515;color:#ddd}
h1{font-weight:600} table{border-collapse:collapse;width:100%}
td,th{padding:.5em;border-bottom:1px solid #333;vertical-align:top;text-align:left}
img{display:block;width:300px} td:last-child{min-width:24em} .k{color:#888} code{color:#9cf}
.pair{display:flex;gap:6px} figure{margin:0} figcaption{color:#888;font-size:12px}
.warn{border-left:3px solid #e9a23b;padding:.2em 1em;margin:1em 0}
"""


def write_report(title: Title, delivered: Sequence[Delivered], path: Path,
                 not_in_edl: Sequence[tuple[str, str]] = ()) -> Path:
    """Write ``report.html``: one row per delivered shot, with before/after thumbnails.

    ``not_in_edl`` lists ``(shot, why)`` for delivered shots no EDL of the hand-off carries
    (a frame rate SMPTE timecode lacks): the report says so above the table, so a conform
    knows to take them from ``timeline.otio``.
    """
    rows = []
    for d in delivered:
        before, after = before_after(title, d.shot, d)
        cdl = d.decision.pipeline.to_dict()["operators"]
        grade = html.escape(", ".join(op["schema"] for op in cdl) or "none (anchor, left as shot)")
        proposal = (get_proposal(title, d.decision.proposal_id)
                    if d.decision.proposal_id is not None else None)
        why = (f"<br><span class=k>proposed</span> {html.escape(proposal.summary)} "
               f"<span class=k>confidence</span> {proposal.confidence:.2f}"
               f"{_made_by(proposal)}" if proposal else "")
        rows.append(f"""<tr>
<td><b>{html.escape(d.shot.name)}</b><br><span class=k>scene</span> {html.escape(d.shot.scene)}
<br><span class=k>frames</span> {d.shot.start_frame}–{d.shot.end_frame - 1} of \
{html.escape(d.shot.clip.name)}</td>
<td><div class=pair><figure><img alt="before" src="{_jpeg_data_uri(before)}">\
<figcaption>before</figcaption></figure>
<figure><img alt="after" src="{_jpeg_data_uri(after)}">\
<figcaption>after</figcaption></figure></div></td>
<td><b>{d.decision.verdict}</b> at strength {d.decision.strength:g}<br>
<span class=k>by</span> {html.escape(d.decision.decided_by)} \
<span class=k>at</span> {d.decision.decided_at}<br>
<span class=k>grade</span> {grade}<br>\
<span class=k>model</span> {html.escape(d.decision.model_version)}<br>
<span class=k>decision</span> <code>{d.decision.id}</code><br>
<span class=k>render</span> {d.frames} frames {d.fmt.upper()}{why}</td></tr>""")
    decisions = journal(title)
    left_out = ""
    if not_in_edl:
        items = "".join(f"<li><b>{html.escape(shot)}</b>: {html.escape(why)}</li>"
                        for shot, why in not_in_edl)
        left_out = (f'<div class=warn><p>{len(not_in_edl)} shot(s) are in '
                    f"<code>timeline.otio</code> but in no EDL:</p><ul>{items}</ul></div>\n")
    body = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(title.settings.name)}: delivery report</title>\
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title.settings.name)}: delivery report</h1>
<p>{len(delivered)} shot(s) delivered from {len(title.shots())} in the title;
{len(decisions)} decision(s) in the journal. \
Working space {html.escape(title.settings.working_space)},
thumbnails in {html.escape(title.settings.delivery_space)}.</p>
{left_out}<table><tr><th>shot</th><th>before / after</th><th>decision</th></tr>
{''.join(rows)}
</table>
{_composites_section(title)}</body></html>
"""
    return atomic_write_text(path, body)
