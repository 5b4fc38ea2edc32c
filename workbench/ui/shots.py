"""ShotBrowser: the title's shots as thumbnails, grouped by scene and day, with status and flags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import torch
import traitlets as t

from workbench.title import (
    Shot,
    Title,
    latest_decision,
    latest_proposal,
    read_clip_frames,
    shot_status,
)
from workbench.ui.frames import display_encode, encode_jpeg
from workbench.ui.titles import ThreadTitles

__all__ = ["STATUSES", "ShotBrowser", "make_thumbnails", "shot_rows", "thumbnail"]

STATIC = Path(__file__).with_name("static")
STATUSES = ("new", "proposed", "accepted", "adjusted", "rejected", "rendered")


def thumbnail(shot: Shot, width: int = 160) -> bytes:
    """JPEG of the shot's first frame, ``width`` pixels wide, display-encoded."""
    return make_thumbnails([shot], width)[shot.name]


def make_thumbnails(shots: Iterable[Shot], width: int = 160) -> dict[str, bytes]:
    """Shot name -> JPEG of its first frame; each clip is decoded once, front to back."""
    by_clip: dict[int, list[Shot]] = {}
    for shot in shots:
        by_clip.setdefault(shot.clip.id, []).append(shot)
    out = {}
    for group in by_clip.values():
        clip = group[0].clip
        wanted = {s.start_frame: s for s in group}
        for index, rgb in read_clip_frames(clip, min(wanted), max(wanted) + 1,
                                           max_width=width, proxy=True):
            if index in wanted:
                batch = torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()
                out[wanted[index].name] = encode_jpeg(
                    display_encode(batch, clip.input_space), quality=80)
    return out


def shot_rows(title: Title, continuity: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """One JSON-ready row per shot: name, scene, day, frames, status, proposal and flags.

    ``continuity`` rows are ``{"item", "group", "flag", "score", "reasons"}`` with ``item`` a
    shot name (as ``workbench.model.continuity`` reports them).
    """
    flags = {str(c["item"]): c for c in continuity}
    rows = []
    for shot in title.shots():
        proposal = latest_proposal(title, shot)
        decision = latest_decision(title, shot)
        # Once the artist decided on this proposal, the card shows the strength they chose.
        strength = proposal.strength if proposal else None
        if decision is not None and (proposal is None or decision.proposal_id == proposal.id):
            strength = decision.strength
        c = flags.get(shot.name, {})
        rows.append({
            "name": shot.name, "scene": shot.scene, "day": shot.clip.day or "",
            "clip": shot.clip.name, "start": shot.start_frame, "end": shot.end_frame,
            "frames": shot.frame_count, "status": shot_status(title, shot),
            "strength": strength,
            "confidence": proposal.confidence if proposal else None,
            "summary": proposal.summary if proposal else "",
            "flag": bool(c.get("flag", False)),
            "score": float(c["score"]) if c.get("score") is not None else None,
            "reasons": [str(r) for r in c.get("reasons", [])],
            "explanation": str(c.get("explanation", "")),
            "fixable": bool(c.get("flag", False)),
        })
    return rows


class ShotBrowser(anywidget.AnyWidget):
    """Thumbnails of the title's shots grouped by scene and day; filter and select.

    ``selected`` (synced) is the chosen shot's name. ``thumbnails`` maps shot name to JPEG
    bytes (sent as binary buffers). Filters: ``filter_status`` (``""`` = all),
    ``filter_scene`` (``""`` = all), ``flagged_only``.
    """

    _esm = STATIC / "shots.js"
    _css = STATIC / "workbench.css"

    shots = t.List(t.Dict()).tag(sync=True)
    thumbnails = t.Dict().tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    filter_status = t.Unicode("").tag(sync=True)
    filter_scene = t.Unicode("").tag(sync=True)
    flagged_only = t.Bool(False).tag(sync=True)
    edited = t.List(t.Unicode()).tag(sync=True)  # shots with edits not yet decided
    statuses = t.List(t.Unicode(), list(STATUSES)).tag(sync=True)

    def __init__(self, title: Title | None = None,
                 continuity: Iterable[Mapping[str, Any]] = (), thumbnails: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._titles = ThreadTitles(title) if title is not None else None
        self.continuity = list(continuity)
        self.fix: list[Callable[[str], None]] = []  # called with a flagged shot's name
        self.on_msg(self._on_front_end)
        if title is not None:
            self.refresh(thumbnails=thumbnails)

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") == "fix":
            for fn in self.fix:
                fn(str(content.get("shot", "")))

    def finding(self, name: str) -> Mapping[str, Any] | None:
        """The continuity row of shot ``name``, if one was given."""
        return next((c for c in self.continuity if str(c.get("item")) == name), None)

    @property
    def title(self) -> Title | None:
        """The title, opened for the calling thread."""
        return self._titles.get() if self._titles is not None else None

    def refresh(self, thumbnails: bool = False) -> None:
        """Re-read statuses (after a decision); ``thumbnails`` also re-makes the pictures."""
        title = self.title
        if title is None:
            return
        rows = shot_rows(title, self.continuity)
        with self.hold_sync():
            if thumbnails:
                self.thumbnails = make_thumbnails(title.shots())
            self.shots = rows

    def set_continuity(self, continuity: Iterable[Mapping[str, Any]]) -> None:
        """Show continuity flags: rows of ``{"item", "group", "flag", "score", "reasons"}``."""
        self.continuity = list(continuity)
        self.refresh()

    def visible(self) -> list[dict[str, Any]]:
        """The rows the filters let through, in catalogue order (as the front end shows)."""
        return [r for r in self.shots
                if (not self.filter_status or r["status"] == self.filter_status)
                and (not self.filter_scene or r["scene"] == self.filter_scene)
                and (not self.flagged_only or r["flag"])]

    @t.validate("selected")
    def _known(self, proposal: t.Bunch) -> str:
        name = str(proposal.value)
        if name and self.shots and name not in {r["name"] for r in self.shots}:
            raise t.TraitError(f"no shot {name!r} in this title")
        return name
