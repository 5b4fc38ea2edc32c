"""Frames the browser keeps, so that a slider move onto a kept strength paints without the kernel.

Every frame the app renders ahead (:class:`workbench.ui.ahead.AheadCache`) is sent to the
viewer as it is made, as binary JPEG bytes with a **tag**: everything that determines its
picture. The viewer decodes it at once and keeps it; when the strength slider moves to a kept
strength it paints that frame straight away, before the kernel has even heard of the move. The
kernel stays the source of truth: the move still reaches it and it answers with its own frame
(the same picture), tagged the same way.

The tag:

``epoch``
    Bumped whenever the shown frame of the shot (shot, clip frame) or the proposal under the grade
    changes; the viewer also stops using kept frames the moment it sees the shot, frame or the
    grade panel's operators change, until the new epoch arrives.
``values``, ``bypass``
    The grade panel's parameter values and bypassed operators exactly as synced to the browser;
    the viewer compares them with the panel's own (its local copy, updated the instant a slider
    moves), so a frame made for an older grade is never shown for a newer one.
``strength``, ``proxy``, ``mode``
    The strength (rounded to the slider's 1e-6), whether the frame is the proxy, and the compare
    mode it was made under.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

from workbench.ops import Pipeline
from workbench.ui.compare import CompareView
from workbench.ui.frames import PreviewFrame, ShotPreview
from workbench.ui.grade import GradePanel

__all__ = ["ClientFrames"]

KEEP_TAGS = 16  # pipelines whose tags are remembered (the newest requests)


def strength_key(strength: float) -> float:
    """The strength as the browser keys it: rounded to 1e-6 (the slider's values)."""
    return round(float(strength), 6)


class ClientFrames:
    """Tags frames for the browser's cache and sends those rendered ahead.

    Call :meth:`note` with each pipeline the app builds from the grade panel (before rendering
    anything for it); :meth:`tag` then names a frame of that pipeline and :meth:`push` sends one.
    """

    def __init__(self, compare: CompareView, grade: GradePanel) -> None:
        self.compare = compare
        self.grade = grade
        self.epoch = 0
        self.pushed = 0
        self._owner: tuple[Any, Any] | None = None
        self._tags: OrderedDict[int, tuple[Pipeline, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        compare.grade_model = grade.model_id  # the viewer follows the panel's values locally

    def note(self, preview: ShotPreview, base: Pipeline, pipeline: Pipeline) -> None:
        """Remember the panel's values behind ``pipeline`` (just built from the panel).

        ``base`` is the proposal loaded into the panel; a new ``preview`` or ``base`` (compared
        by identity) starts a new epoch, sent to the viewer at once. When the panel changed
        between building ``pipeline`` and this call (widget messages may arrive on another
        thread), ``pipeline`` gets no tag: its frames are shown, never kept.
        """
        values, bypass = copy.deepcopy(self.grade.values), list(self.grade.bypass)
        current = self.grade.pipeline() == pipeline  # the snapshot is what made ``pipeline``
        with self._lock:
            if self._owner is None or self._owner[0] is not preview or (
                    self._owner[1] is not base):
                self._owner = (preview, base)
                self.epoch += 1
                self._tags.clear()
                self.compare.cache_epoch = self.epoch
            if not current:
                return
            tag = {"epoch": self.epoch, "values": values, "bypass": bypass,
                   "mode": self.compare.mode}
            self._tags[id(pipeline)] = (pipeline, tag)
            self._tags.move_to_end(id(pipeline))
            while len(self._tags) > KEEP_TAGS:
                self._tags.popitem(last=False)

    def tag(self, pipeline: Pipeline, strength: float, proxy: bool) -> dict[str, Any]:
        """The tag of ``pipeline``'s frame at ``strength``; ``{}`` (never cached) if unknown."""
        with self._lock:
            known = self._tags.get(id(pipeline))
        if known is None or known[0] is not pipeline:
            return {}
        return {**known[1], "strength": strength_key(strength), "proxy": bool(proxy)}

    def push(self, preview: ShotPreview, pipeline: Pipeline, strength: float, proxy: bool,
             frame: PreviewFrame) -> None:
        """Send a frame rendered ahead to the viewer (binary JPEG, with its tag)."""
        tag = self.tag(pipeline, strength, proxy)
        if not tag or preview is not (self._owner or (None,))[0]:
            return  # another frame of the shot is shown now: the viewer would drop it anyway
        self.compare.send({"type": "frame", "tag": tag}, [frame.jpeg])
        self.pushed += 1
