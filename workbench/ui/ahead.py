"""Frames rendered ahead of the request: the strengths an arrow key or a steady drag asks next.

After each shown frame, a thread of its own renders the strengths one step either side of it
(the step the last move took, the likelier direction first), then two more steps on in that
direction, so that the next move usually finds its frame ready and only has to send it (and
renders slowed by a busy machine still have a few moves' time in hand). It runs beside the
preview thread, never in its way: a request for a frame still being rendered ahead waits for
that frame instead of rendering it twice, any other request renders at once. ``on_frame`` is
told of each frame as it is made (the app sends it on to the browser, which keeps it for a move
that never has to reach the kernel: see :mod:`workbench.ui.client_frames`).
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.ops import Pipeline
from workbench.ui.frames import PreviewFrame, ShotPreview

__all__ = ["AheadCache"]

DEFAULT_STEP = 0.001  # the strength slider's step: one arrow key press
MAX_STEP = 0.02  # a larger move was a click or a typed value: the next is one key step
LEAD = 3  # steps rendered ahead in the direction of motion (one behind)
KEEP = 12  # frames kept: the lead and the way back, past the browser's next few moves
WAIT_S = 5.0  # the longest a request waits for the frame being rendered ahead for it

Key = tuple[float, bool]  # strength (rounded), proxy
# Told of each frame rendered ahead: (preview, pipeline, strength, proxy, frame).
FrameSink = Callable[[ShotPreview, Pipeline, float, bool, PreviewFrame], None]


def _key(strength: float) -> float:
    return round(strength, 6)  # the slider's values are multiples of 0.001


@dataclass
class AheadCache:
    """A few frames of one preview and pipeline rendered ahead, keyed by strength and proxy.

    ``threaded=False`` renders nothing ahead (scripts and tests that want one render per
    request). ``on_frame`` (optional) is called on the thread ahead with each frame it keeps.
    """

    threaded: bool = True
    on_frame: FrameSink | None = None
    frames: dict[Key, PreviewFrame] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    step: float = DEFAULT_STEP
    _owner: tuple[Any, ...] = ()
    _last: float | None = None
    _inflight: dict[Key, threading.Event] = field(default_factory=dict)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _todo: tuple[Any, ...] | None = None
    _thread: threading.Thread | None = None

    def _own(self, preview: ShotPreview, pipeline: Pipeline) -> None:
        # Under the lock: another preview or grade makes every kept frame useless.
        if self._owner != (preview, pipeline):
            self.frames.clear()
            self._owner = (preview, pipeline)
            self._last = None

    def take(self, preview: ShotPreview, pipeline: Pipeline, strength: float,
             proxy: bool) -> PreviewFrame | None:
        """The frame rendered ahead for this request, if there is one; notes the move."""
        key = (_key(strength), proxy)
        with self._lock:
            self._own(preview, pipeline)
            delta = strength - self._last if self._last is not None else 0.0
            if abs(delta) > 1e-9:  # signed: the next move likely goes on the same way
                self.step = delta if abs(delta) <= MAX_STEP else math.copysign(DEFAULT_STEP, delta)
            self._last = strength
            pending = self._inflight.get(key)
        if pending is not None:
            pending.wait(WAIT_S)  # being rendered right now: cheaper to wait than to redo
        with self._lock:
            frame = self.frames.get(key) if self._owner == (preview, pipeline) else None
            if frame is None:
                self.misses += 1
            else:
                self.hits += 1
            return frame

    def wanted(self, strength: float, strength_max: float) -> list[float]:
        """Strengths to render next, the likeliest first (on in the direction of motion)."""
        out = []
        steps = [1, -1, *range(2, LEAD + 1)]
        for s in (strength + k * self.step for k in steps):
            if -1e-9 <= s <= strength_max + 1e-9:
                out.append(_key(min(max(s, 0.0), strength_max)))
        return out

    def fill(self, preview: ShotPreview, pipeline: Pipeline, strength: float, proxy: bool,
             strength_max: float) -> None:
        """Render the strengths around ``strength`` on the thread ahead (newest call wins)."""
        if not self.threaded:
            return
        with self._lock:
            self._todo = (preview, pipeline, strength, proxy, strength_max)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wb-ahead", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def _run(self) -> None:
        from workbench.ui.frames import one_torch_thread

        with one_torch_thread():
            while True:
                with self._lock:
                    if self._todo is None:
                        self._thread = None
                        return
                    preview, pipeline, strength, proxy, strength_max = self._todo
                    self._todo = None
                    if self._owner != (preview, pipeline):
                        continue  # superseded before it started
                    keys = [(s, proxy) for s in self.wanted(strength, strength_max)]
                for key in keys:
                    with self._lock:
                        if self._todo is not None or key in self.frames:
                            continue  # a newer move: its neighbours matter now
                        done = self._inflight[key] = threading.Event()
                    try:
                        frame = preview.render(pipeline, key[0], proxy=proxy)
                        with self._lock:
                            kept = self._owner == (preview, pipeline)
                            if kept:
                                self.frames[key] = frame
                                while len(self.frames) > KEEP:
                                    self.frames.pop(next(iter(self.frames)))
                    except Exception:  # only a guess: the request renders it again
                        kept = False
                    finally:
                        with self._lock:
                            self._inflight.pop(key, None)
                        done.set()
                    if kept and self.on_frame is not None:
                        # The browser's copy is an extra: never fatal here.
                        with contextlib.suppress(Exception):
                            self.on_frame(preview, pipeline, key[0], proxy, frame)

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until nothing is being rendered ahead (tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
