"""Workbench: the widgets composed into one app for a notebook cell, and the sample title."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np

from workbench.errors import ParameterError
from workbench.ops import CDL, Pipeline
from workbench.title import (
    Decision,
    Proposal,
    Shot,
    Title,
    add_proposal,
    get_proposal,
    latest_proposal,
)
from workbench.title.settings import SETTINGS_FILE, now_iso
from workbench.ui.ahead import AheadCache
from workbench.ui.client_frames import ClientFrames
from workbench.ui.compare import CompareView
from workbench.ui.decision import DecisionBar
from workbench.ui.frames import PROXY_WIDTH, ShotPreview
from workbench.ui.grade import GradePanel
from workbench.ui.keys import AppKeys
from workbench.ui.latest import LatestOnly
from workbench.ui.playback import play_key, play_plan, render_play_frames
from workbench.ui.references import StillGallery, reference_choices
from workbench.ui.scopes import Scopes
from workbench.ui.shots import ShotBrowser
from workbench.ui.titles import ThreadTitles

__all__ = ["Workbench", "open_sample_title"]

SCOPES_IDLE_S = 0.15
SCOPES_MAX_WAIT_S = 1.0
DOUBLE_PRESS_S = 1.0  # a decision key pressed again this soon after a decision is ignored


def open_sample_title(directory: Path | str, progress: bool = False) -> Path:
    """The bundled sample title, made (ingest + propose, ~30 s) in ``directory`` if absent.

    ``directory/dailies`` receives a read-only copy of the footage; the title is
    ``directory/title``, which is returned.
    """
    from workbench.model import propose
    from workbench.title import ingest
    from workbench.title.sample import SAMPLE_ALE, copy_sample_dailies

    root = Path(directory).absolute()
    title_dir = root / "title"
    if (title_dir / SETTINGS_FILE).exists():
        return title_dir
    dailies = root / "dailies"
    clips = copy_sample_dailies(dailies)
    # Built aside and renamed when complete: an interrupted ingest/propose must not
    # leave a title that the next call returns as-is, without proposals.
    partial = root / "title.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with Title.create(partial, name="Sample Title") as title:
        ingest(title, clips, ale=dailies / SAMPLE_ALE, progress=progress)
        propose(title, progress=progress)
    shutil.rmtree(title_dir, ignore_errors=True)
    partial.rename(title_dir)
    return title_dir


class Workbench(w.VBox):
    """Shot browser, compare view, grade panel, scopes and decision bar on one title.

    Selecting a shot loads its latest proposal; moving a slider re-renders the preview
    (the ~1024 px proxy while dragging, full resolution on release) on a background
    thread that always skips to the newest request; the scopes follow the preview; a
    decision is journaled for the selected shot at the panel's strength.

    Parameters
    ----------
    title_dir
        A title directory (``workbench init``/``ingest``/``propose``).
    continuity
        Optional continuity rows ``{"item", "group", "flag", "score", "reasons"}``.
    threaded
        ``False`` renders on the caller's thread (scripts and tests).
    """

    def __init__(self, title_dir: Path | str, continuity: Iterable[Mapping[str, Any]] = (),
                 proxy_width: int = PROXY_WIDTH, threaded: bool = True,
                 select: str | None = None) -> None:
        title = Title.open(title_dir)
        self._titles = ThreadTitles(title)
        self.proxy_width = proxy_width
        self.browser = ShotBrowser(title, continuity)
        self.grade = GradePanel()
        self.compare = CompareView()
        self.scopes = Scopes()
        self.decision = DecisionBar(title)
        self.shortcuts = AppKeys(on_action=self.key)
        self._edits: dict[str, dict[str, Any]] = {}  # shot -> edits kept until decided
        self._frames: dict[str, int] = {}  # shot -> the clip frame shown
        self._decided_at: dict[str, float] = {}
        self._settled: dict[str, Any] = {}  # shot -> the grade state last decided
        self.preview: ShotPreview | None = None
        self.timings: list[dict[str, float]] = []
        self.error = w.HTML()
        # ipykernel may deliver widget messages on more than one thread: one shot switch,
        # key or fix at a time.
        self._lock = threading.RLock()
        self._worker = LatestOnly(self._render, threaded=threaded)
        self.ahead = AheadCache(threaded=threaded)  # frames ahead of the next slider move
        # ... also sent to the browser, which paints a kept one before the kernel hears of it
        self.client_frames = ClientFrames(self.compare, self.grade)
        self.ahead.on_frame = self.client_frames.push
        self._scopes_worker = LatestOnly(self._scopes, threaded=threaded)
        self.scope_timings: list[float] = []
        self._base = Pipeline()
        self._seq = 0
        self._last_request: tuple[Any, ...] | None = None
        self._scopes_at = self._requested_at = -1e9
        # Playback: frames rendered on their own thread, played by the front end; any edit,
        # shot switch or frame step stops it (and cancels a render under way).
        self._play_gen = 0
        self._play_begun = 0  # the generation whose frames the page was last told to expect
        self._play_worker = LatestOnly(self._render_play, threaded=threaded)
        self.play_timings: list[dict[str, float]] = []

        self.browser.observe(lambda c: self.select(c["new"]), "selected")
        self.grade.observe(lambda _c: self._grade_changed(), "request_seq")
        self.compare.observe(lambda _c: self._request(), "display_width")  # zoomed: more pixels
        self.compare.seek.append(self.show_frame)
        self.browser.fix.append(lambda name: self._fix_from_page(name))
        self.compare.grab.append(lambda: self._grab_from_page())
        self.compare.play.append(lambda have: self._play_from_page(have))
        # Paused in the page: a render still under way is not wanted any more.
        self.compare.observe(lambda c: None if c["new"] else self._cancel_play(), "playing")
        self.compare.observe(lambda _c: self._reference_changed(), "reference")
        self._proposal_id: int | None = None
        self._references: dict[tuple[Any, ...], bytes] = {}  # rendered references, per frame
        self.decision.decided.append(self._decided)
        # Fixed side columns and a centre that does not size to its content: the layout
        # holds still from shot to shot.
        right = w.VBox([self.grade, self.scopes],
                       layout=w.Layout(flex="0 1 320px", min_width="280px"))
        centre = w.VBox([self.compare, self.decision, self.shortcuts, self.error],
                        layout=w.Layout(flex="1 1 0%", min_width="0"))
        left = w.VBox([self.browser], layout=w.Layout(flex="0 1 230px", min_width="180px"))
        super().__init__([w.HBox([left, centre, right])])
        self.add_class("wb-app")
        first = select or (self.title.shots()[0].name if self.title.shots() else "")
        if first:
            self.browser.selected = first
            if first == self.browser.selected and self.preview is None:
                self.select(first)

    @property
    def title(self) -> Title:
        """The title, opened for the calling thread (widget messages may come on another)."""
        return self._titles.get()

    def select(self, name: str) -> None:
        """Show ``name``: its frame, its latest proposal's operators and strength.

        Edits to the shot being left are kept (with their undo history) until they are
        decided or discarded, and come back when it is selected again.
        """
        with self._lock:  # a key press handled on another thread waits for the whole switch
            self._select(name)

    def _select(self, name: str) -> None:
        if not name:
            return
        self.stop_playback()
        title = self.title
        shot = title.shot(name)
        if self.browser.selected != name:
            self.browser.selected = name  # observer calls back here
            return
        self._keep_edits()
        proposal = latest_proposal(title, shot)
        self._show_frame(shot, self._frames.get(name))
        self._base = proposal.pipeline if proposal else Pipeline()
        self._proposal_id = proposal.id if proposal else None
        self._list_references(shot)
        self.grade.load(self._base, proposal.strength if proposal else 0.0,
                        title.settings.strength_cap, shot=name,
                        summary=proposal.summary if proposal else "no proposal yet")
        if name in self._edits:
            self.grade.restore(self._edits[name])
        self.decision.load(name)
        self._request()

    def _show_frame(self, shot: Shot, index: int | None) -> None:
        self.preview = ShotPreview(shot, frame=index, proxy_width=self.proxy_width)
        self._frames[shot.name] = self.preview.index
        first = shot.clip.first_frame
        self.compare.frame_range = [first + shot.start_frame, first + shot.end_frame - 1]
        self.compare.show_before(
            self.preview.before(proxy=True), shot=shot.name, frame=self.preview.frame_number,
            timecode=self.preview.timecode, size=(shot.clip.width, shot.clip.height))
        if self.compare.reference != "source":
            self._show_reference()  # the anchor, a version or a still stays the reference

    def _list_references(self, shot: Shot) -> None:
        rows = [r.to_dict() for r in reference_choices(self.title, shot, self._proposal_id)]
        with self.compare.hold_sync():
            self.compare.references = rows
            if self.compare.reference not in {r["key"] for r in rows}:
                self.compare.reference = "source"  # observer shows it
        self._show_reference()

    def set_reference(self, key: str) -> None:
        """Compare against ``key``: ``source``, ``anchor``, ``proposal:ID`` or ``still:NAME``."""
        if key not in {r["key"] for r in self.compare.references}:
            raise ParameterError(f"no reference {key!r} for {self.grade.shot}; have "
                                 f"{[r['key'] for r in self.compare.references]}")
        self.compare.reference = key

    def _reference_changed(self) -> None:
        self.stop_playback()  # the frames played were made for the other "before" side
        self._show_reference()

    def _show_reference(self) -> None:
        """Put the chosen reference on the compare view's "before" side."""
        if self.preview is None:
            return
        key = self.compare.reference
        proxy = self.compare.proxy or not self._needs_full()
        label = next((r["label"] for r in self.compare.references if r["key"] == key), key)
        try:
            image = self._reference_image(key, proxy)
        except Exception as exc:  # a missing still must not break the viewer: say so
            self.error.value = f"<div class='wb-error'>{type(exc).__name__}: {exc}</div>"
            key, label, image = "source", "source", self.preview.before(proxy=proxy)
        with self.compare.hold_sync():
            self.compare.before = image
            self.compare.label_before = label

    def _reference_image(self, key: str, proxy: bool) -> bytes:
        assert self.preview is not None
        if key == "source":
            return self.preview.before(proxy=proxy)
        cache = (self.preview, key)
        if cache not in self._references:
            title = self.title
            if key == "anchor":
                anchor = title.anchor(self.preview.shot.scene)
                assert anchor is not None
                image = ShotPreview(anchor, proxy_width=self.proxy_width).before(proxy=True)
            elif key.startswith("proposal:"):
                other = get_proposal(title, int(key.split(":", 1)[1]))
                image = self.preview.render(other.pipeline, other.strength, proxy=True).jpeg
            else:
                image = StillGallery(title.root).load(key.split(":", 1)[1])
            self._references = {k: v for k, v in self._references.items()
                                if k[0] is self.preview}  # only this frame's are kept
            self._references[cache] = image
        return self._references[cache]

    def grab_still(self) -> str:
        """Store the graded frame as shown in the title's still gallery; returns its name."""
        if self.preview is None or not self.compare.after:
            raise ParameterError("nothing shown to grab: select a shot first")
        shot = self.preview.shot
        meta = {"shot": shot.name, "frame": self.preview.frame_number,
                "strength": self.grade.strength, "pipeline": self.grade.pipeline().to_dict(),
                "proxy": self.compare.proxy, "grabbed_at": now_iso()}
        name = StillGallery(self.title.root).save(
            f"{shot.name}_frame{self.preview.frame_number}", self.compare.after, meta)
        self._list_references(shot)
        return name

    def propose_fix(self, name: str) -> Proposal:
        """Make the continuity fix of shot ``name`` its proposal and show it against the anchor.

        The fix is the continuity finding's CDL when the browser was given one (its ``fix``),
        else a new match of the shot to its scene's anchor (:func:`workbench.model.propose`).
        Nothing is journaled: the artist still accepts, adjusts or rejects it.
        """
        title = self.title
        shot = title.shot(name)
        fix = (self.browser.finding(name) or {}).get("fix")
        if fix and fix.get("cdl"):
            cdl = fix["cdl"]
            params = {f"{k}_{c}": float(cdl[k][i]) for k in ("slope", "offset", "power")
                      for i, c in enumerate("rgb")}
            reference = title.shot(str(fix["reference"]))
            proposal = add_proposal(
                title, shot, Pipeline([CDL(saturation=float(cdl["saturation"]), **params)]),
                model_version=f"continuity-fix/{fix.get('method', '')}", strength=1.0,
                confidence=float(fix.get("confidence", 1.0)),
                summary=f"continuity fix toward {reference.name}", anchor=reference)
        else:
            from workbench.model import propose

            (proposal,) = propose(title, progress=False, only=[name])
        self._edits.pop(name, None)
        if self.browser.selected == name:
            self.select(name)
        else:
            self.browser.selected = name  # the observer selects it
        if "anchor" in {r["key"] for r in self.compare.references}:
            self.compare.reference = "anchor"
        self.compare.mode = "wipe"
        self.browser.refresh()
        return proposal

    def _fix_from_page(self, name: str) -> None:
        try:
            with self._lock:
                self.propose_fix(name)
        except Exception as exc:  # shown, not raised into a comm handler that swallows it
            self.error.value = f"<div class='wb-error'>{type(exc).__name__}: {exc}</div>"

    def _grab_from_page(self) -> None:
        try:
            self.grab_still()
        except Exception as exc:  # a full disk must not break the viewer: say so
            self.error.value = f"<div class='wb-error'>{type(exc).__name__}: {exc}</div>"

    def _keep_edits(self) -> None:
        shot = self.grade.shot
        if not shot:
            return
        if self.grade.edited or self.grade.undo_depth:
            self._edits[shot] = self.grade.edits()
        else:
            self._edits.pop(shot, None)
        self._mark_edited()

    def _mark_edited(self) -> None:
        # A shot is "edited" while what it shows differs from what was last decided on it.
        self.browser.edited = sorted(s for s, e in self._edits.items()
                                     if e["state"] != self._settled.get(s))

    def _decided(self, decision: Decision) -> None:
        self._decided_at[decision.shot] = time.monotonic()
        if decision.shot == self.grade.shot:
            self._settled[decision.shot] = self.grade.state()
        self._edits.pop(decision.shot, None)
        self._mark_edited()
        self.browser.refresh()

    def show_frame(self, frame: int) -> None:
        """Show the shot's frame numbered ``frame`` (as the source counts; held to the shot)."""
        if self.preview is not None:
            self.step_frame(frame - self.preview.frame_number)

    def step_frame(self, delta: int) -> None:
        """Show the frame ``delta`` frames later (earlier if negative) in the shot."""
        with self._lock:
            self._step_frame(delta)

    def _step_frame(self, delta: int) -> None:
        self.stop_playback()
        if self.preview is None:
            return
        shot = self.preview.shot
        index = min(max(self.preview.index + delta, shot.start_frame), shot.end_frame - 1)
        if index != self.preview.index:
            self._show_frame(shot, index)
            self._request()

    def key(self, action: str) -> None:
        """Do what a key of the app's key map asks (``keys.KEYMAP``)."""
        with self._lock:  # on the shot shown: never half-way through a switch
            self._key(action)

    def _key(self, action: str) -> None:
        if action in ("next", "previous"):
            names = [r["name"] for r in self.browser.visible()] or [
                r["name"] for r in self.browser.shots]
            if names:
                here = names.index(self.browser.selected) if self.browser.selected in names else -1
                step = 1 if action == "next" else -1
                self.select(names[min(max(here + step, 0), len(names) - 1)])
        elif action in ("accept", "reject"):
            last = self._decided_at.get(self.browser.selected, -1e9)
            if time.monotonic() - last >= DOUBLE_PRESS_S:  # `g g` is one decision, not two
                self.decision.decide(action)
        elif action == "undo":
            self.grade.undo()
        elif action == "redo":
            self.grade.redo()
        elif action in ("frame-back", "frame-forward"):
            self.step_frame(-1 if action == "frame-back" else 1)

    def _request(self) -> None:
        if self.preview is None:
            return
        pipeline = self.grade.pipeline()
        self.client_frames.note(self.preview, self._base, pipeline)
        proxy = self.grade.dragging or not self._needs_full()
        request = (self.preview, pipeline, self.grade.strength, proxy)
        self.decision.pipeline = pipeline if pipeline != self._base else None
        self.decision.strength = self.grade.strength
        if request == self._last_request:
            # A key press sends `input` and `change`: one render, not two. A drag released
            # where it last rendered needs no new frame, only the frames ahead of it.
            if not self.grade.dragging:
                self.ahead.fill(self.preview, pipeline, self.grade.strength, proxy,
                                self.grade.strength_max)
            return
        self._last_request = request
        self._seq += 1
        self._requested_at = time.monotonic()
        self._worker.submit(self._seq, request)

    def _grade_changed(self) -> None:
        self.stop_playback()  # an edit stops playback: the frames played no longer match it
        self._request()

    def play(self, have: str | None = None) -> str | None:
        """Play the shot's proxy frames through the current grade at its strength.

        The frames (and the untouched ones, when the viewer compares against the source) are
        rendered on a background thread and streamed to the viewer, which plays them at the
        clip's frame rate, looping, on its own clock. ``have`` is the key of the frames the
        viewer already holds: the same grade plays again without rendering. Returns the
        play's key (``None`` with no shot shown).
        """
        with self._lock:
            if self.preview is None:
                return None
            shot = self.preview.shot
            plan = play_plan(shot, self.preview.index)
            pipeline, strength = self.grade.pipeline(), self.grade.strength
            before = self.compare.reference == "source"
            key = play_key(shot, plan, pipeline, strength, self.proxy_width, before)
            self._play_gen += 1
            self.compare.playing = True
            if key == have:
                self.compare.send_play_ready(key)
                return key
            self.compare.send_play_begin(key, plan.count, plan.fps, plan.first_number,
                                         list(plan.timecodes), before)
            self._play_begun = self._play_gen
            self._play_worker.submit(self._play_gen, (self._play_gen, key, shot, plan,
                                                      pipeline, strength, before))
            return key

    def _cancel_play(self) -> None:
        self._play_gen += 1

    def stop_playback(self) -> None:
        """Stop playing (and cancel a render of frames under way)."""
        self._cancel_play()
        if self.compare.playing:
            self.compare.playing = False

    def _send_stale_cancel(self, gen: int, key: str) -> None:
        """Tell the page a cancelled render stopped, unless a newer play has begun since.

        A replay with the same grade has the same key, so a late cancel from the old render
        would drop the new play's frames; a newer begin already dropped the old ones.
        """
        with self._lock:  # play() begins under the same lock: no begin slips in between
            if self._play_begun == gen:
                self.compare.send_play_cancel(key, "stopped")

    def _play_from_page(self, have: str | None) -> None:
        try:
            self.play(have)
        except Exception as exc:  # shown, not raised into a comm handler that swallows it
            self.compare.playing = False
            self.error.value = f"<div class='wb-error'>{type(exc).__name__}: {exc}</div>"

    def _render_play(self, gen: int, request: tuple[Any, ...]) -> None:
        _gen, key, shot, plan, pipeline, strength, before = request
        t0 = time.perf_counter()
        try:
            for frame in render_play_frames(shot, plan, pipeline, strength, self.proxy_width,
                                            before):
                if gen != self._play_gen:
                    self._send_stale_cancel(gen, key)
                    return
                self.compare.send_play_frame(key, frame.index, frame.after, frame.before)
            self.play_timings.append({"frames": plan.count,
                                      "ms": (time.perf_counter() - t0) * 1e3})
            if gen == self._play_gen:
                self.compare.send_play_ready(key)
            else:
                self._send_stale_cancel(gen, key)
        except Exception as exc:  # a bad frame must not break the viewer: say so
            self.compare.send_play_cancel(key, f"{type(exc).__name__}: {exc}")
            self.compare.playing = False
            self.error.value = f"<div class='wb-error'>playback of {shot.name}: " \
                               f"{type(exc).__name__}: {exc}</div>"

    def _needs_full(self) -> bool:
        """True when the viewer shows more pixels across than the proxy has (zoomed in)."""
        shown = self.compare.display_width
        return self.preview is not None and shown > self.proxy_width * 1.05 and (
            self.preview.shot.clip.width > self.proxy_width)

    def _scopes(self, _seq: int, display: np.ndarray) -> None:
        # On their own thread, newest picture only, once the slider rests SCOPES_IDLE_S (or
        # every SCOPES_MAX_WAIT_S during a long drag): on 2 cores they would otherwise take
        # CPU from the next frame, the thing the artist is watching.
        while self._worker.threaded:
            now = time.monotonic()
            idle = SCOPES_IDLE_S - (now - self._requested_at)
            overdue = SCOPES_MAX_WAIT_S - (now - self._scopes_at)
            if idle <= 0 or overdue <= 0:
                break
            time.sleep(min(idle, overdue))
        self._scopes_at = time.monotonic()
        self.scope_timings.append(self.scopes.update(display)["scopes"])

    def _render(self, _seq: int, request: tuple[ShotPreview, Pipeline, float, bool]) -> None:
        preview, pipeline, strength, proxy = request
        try:
            frame = self.ahead.take(preview, pipeline, strength, proxy)
            if frame is None:
                frame = preview.render(pipeline, strength, proxy=proxy)
                self.timings.append(frame.ms)
            if preview is not self.preview:
                return  # another shot was selected meanwhile
            before = preview.before(proxy=proxy)
            if self.compare.reference == "source" and self.compare.before is not before:
                self.compare.before = before  # the same resolution as the after
            self.compare.show_after(frame.jpeg, proxy=proxy,
                                    tag=self.client_frames.tag(pipeline, strength, proxy))
            self._scopes_worker.submit(_seq, frame.display)
            self.error.value = ""
            if not self.grade.dragging:  # a drag rarely lands on a guessed value: save the CPU
                self.ahead.fill(preview, pipeline, strength, proxy, self.grade.strength_max)
        except Exception as exc:  # a preview must never kill the app: show it
            self.error.value = f"<div class='wb-error'>{type(exc).__name__}: {exc}</div>"

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the newest preview is shown (scripts and tests)."""
        return (self._worker.wait(timeout) and self._scopes_worker.wait(timeout)
                and self.ahead.wait(timeout) and self._play_worker.wait(timeout))

    def close(self) -> None:
        """Close the widgets and the title."""
        self._cancel_play()  # a play's frames still rendering stop at the next one
        self._worker.wait()
        self._play_worker.wait()
        for name in ("browser", "grade", "compare", "scopes", "decision", "shortcuts"):
            if hasattr(self, name):
                getattr(self, name).close()
        if hasattr(self, "_titles"):
            self._titles.get().close()
        super().close()
