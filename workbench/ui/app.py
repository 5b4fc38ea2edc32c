"""Workbench: the widgets composed into one app for a notebook cell, and the sample title."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np

from workbench.ops import Pipeline
from workbench.title import Title, latest_proposal
from workbench.title.settings import SETTINGS_FILE
from workbench.ui.compare import CompareView
from workbench.ui.decision import DecisionBar
from workbench.ui.frames import PROXY_WIDTH, ShotPreview
from workbench.ui.grade import GradePanel
from workbench.ui.latest import LatestOnly
from workbench.ui.scopes import Scopes
from workbench.ui.shots import ShotBrowser
from workbench.ui.titles import ThreadTitles

__all__ = ["Workbench", "open_sample_title"]

SCOPES_IDLE_S = 0.15
SCOPES_MAX_WAIT_S = 1.0


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
        self.preview: ShotPreview | None = None
        self.timings: list[dict[str, float]] = []
        self.error = w.HTML()
        self._worker = LatestOnly(self._render, threaded=threaded)
        self._scopes_worker = LatestOnly(self._scopes, threaded=threaded)
        self.scope_timings: list[float] = []
        self._base = Pipeline()
        self._seq = 0
        self._last_request: tuple[Any, ...] | None = None
        self._scopes_at = self._requested_at = -1e9

        self.browser.observe(lambda c: self.select(c["new"]), "selected")
        self.grade.observe(lambda _c: self._request(), "request_seq")
        self.decision.decided.append(lambda _d: self.browser.refresh())
        right = w.VBox([self.grade, self.scopes], layout=w.Layout(width="340px"))
        centre = w.VBox([self.compare, self.decision, self.error],
                        layout=w.Layout(flex="1 1 auto", min_width="0"))
        left = w.VBox([self.browser], layout=w.Layout(width="280px"))
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
        """Show ``name``: its frame, its latest proposal's operators and strength."""
        if not name:
            return
        title = self.title
        shot = title.shot(name)
        if self.browser.selected != name:
            self.browser.selected = name  # observer calls back here
            return
        proposal = latest_proposal(title, shot)
        self.preview = ShotPreview(shot, proxy_width=self.proxy_width)
        self._base = proposal.pipeline if proposal else Pipeline()
        self.compare.show_before(
            self.preview.before(proxy=True), shot=name, frame=self.preview.frame_number,
            timecode=self.preview.timecode, size=(shot.clip.width, shot.clip.height))
        self.grade.load(self._base, proposal.strength if proposal else 0.0,
                        title.settings.strength_cap, shot=name,
                        summary=proposal.summary if proposal else "no proposal yet")
        self.decision.load(name)
        self._request()

    def _request(self) -> None:
        if self.preview is None:
            return
        pipeline = self.grade.pipeline()
        request = (self.preview, pipeline, self.grade.strength, self.grade.dragging)
        if request == self._last_request:
            return  # a key press sends `input` and `change`: one render, not two
        self._last_request = request
        self._seq += 1
        self._requested_at = time.monotonic()
        self._worker.submit(self._seq, request)  # first: the frame is what the artist waits for
        self.decision.pipeline = pipeline if pipeline != self._base else None
        self.decision.strength = self.grade.strength

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
            frame = preview.render(pipeline, strength, proxy=proxy)
            if preview is not self.preview:
                return  # another shot was selected meanwhile
            if not proxy and self.compare.before is not preview.before(proxy=False):
                self.compare.before = preview.before(proxy=False)  # full resolution too
            self.compare.show_after(frame.jpeg, proxy=proxy)
            self.timings.append(frame.ms)
            self._scopes_worker.submit(_seq, frame.display)
            self.error.value = ""
        except Exception as exc:  # a preview must never kill the app: show it
            self.error.value = f"<div class='wb-error'>{type(exc).__name__}: {exc}</div>"

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the newest preview is shown (scripts and tests)."""
        return self._worker.wait(timeout) and self._scopes_worker.wait(timeout)

    def close(self) -> None:
        """Close the widgets and the title."""
        self._worker.wait()
        for name in ("browser", "grade", "compare", "scopes", "decision"):
            if hasattr(self, name):
                getattr(self, name).close()
        if hasattr(self, "_titles"):
            self._titles.get().close()
        super().close()
