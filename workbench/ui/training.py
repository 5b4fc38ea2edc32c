"""TrainingView: a live loss curve and a before/after preview while a trainer runs, with Stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import torch
import traitlets as t

from workbench.model.progress import TrainProgress
from workbench.ui.frames import display_encode, encode_jpeg

__all__ = ["TrainingView"]

STATIC = Path(__file__).with_name("static")
MAX_POINTS = 2000  # the curve sent is decimated to this many points


class TrainingView(anywidget.AnyWidget):
    """A trainer's live loss curve and model preview, with a Stop button.

    Hand :attr:`callback` to a trainer (any thread); it returns ``False`` once Stop was
    pressed, which ends training cleanly.

    Updates reach the front end at most ``rate_hz`` times a second (the last step always
    does); the model preview on ``held_out`` at most ``preview_hz`` times.

    Parameters
    ----------
    held_out
        ``(1, 3, H, W)`` ACEScg frame the trainer did not learn from, or ``None``.
    """

    _esm = STATIC / "training.js"
    _css = STATIC / "workbench.css"

    stage = t.Unicode("").tag(sync=True)
    step = t.Int(0).tag(sync=True)
    total = t.Int(0).tag(sync=True)
    loss = t.Float(None, allow_none=True).tag(sync=True)  # None before step 1: NaN is not JSON
    seconds = t.Float(0.0).tag(sync=True)
    curve = t.Bytes(b"").tag(sync=True)  # float32 (N, 2): step, loss
    before = t.Bytes(b"").tag(sync=True)
    preview = t.Bytes(b"").tag(sync=True)
    running = t.Bool(False).tag(sync=True)
    stop_requested = t.Bool(False).tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    updates = t.Int(0).tag(sync=True)  # how many times the front end was sent new state
    stopped_at = t.Int(0).tag(sync=True)  # the step at which Stop took effect (0: it did not)

    def __init__(self, held_out: torch.Tensor | None = None, rate_hz: float = 10.0,
                 preview_hz: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.held_out = held_out
        self.rate_hz, self.preview_hz = rate_hz, preview_hz
        self.history: list[tuple[int, float]] = []
        self._last_push = self._last_preview = -1e9
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        if held_out is not None:
            self.before = encode_jpeg(display_encode(held_out))
        self.on_msg(self._on_front_end)

    def stop(self) -> None:
        """Ask the trainer to stop at its next step."""
        self.stop_requested = True

    def callback(self, progress: TrainProgress) -> bool:
        """Record one step; ``False`` asks the trainer to stop."""
        with self._lock:
            if progress.step <= 1 and self.history and progress.stage != self.stage:
                self.history = []  # a new stage starts a new curve
            self.history.append((progress.step, float(progress.loss)))
            now = time.monotonic()
            # The last step, and the step that sees Stop, are always shown.
            last = progress.step >= progress.total or self.stop_requested
            if last or now - self._last_push >= 1.0 / self.rate_hz:
                self._last_push = now
                self._push(progress, now, last)
        return not self.stop_requested

    def _push(self, progress: TrainProgress, now: float, last: bool) -> None:
        preview = b""
        if (progress.preview is not None and self.held_out is not None
                and (last or now - self._last_preview >= 1.0 / self.preview_hz)):
            self._last_preview = now
            with torch.no_grad():
                shown = progress.preview(self.held_out)
            preview = encode_jpeg(display_encode(shown))
        pts = np.asarray(self.history, np.float32)
        if len(pts) > MAX_POINTS:
            pts = pts[np.linspace(0, len(pts) - 1, MAX_POINTS).round().astype(int)]
        with self.hold_sync():
            self.stopped_at = progress.step if self.stop_requested else 0
            self.stage, self.step, self.total = progress.stage, progress.step, progress.total
            self.loss, self.seconds = float(progress.loss), float(progress.seconds)
            self.curve = pts.tobytes()
            if preview:
                self.preview = preview
            self.updates += 1

    def train(self, fn: Callable[..., Any], **kwargs: Any) -> threading.Thread:
        """Run ``fn(callback=self.callback, **kwargs)`` on a background thread and return it."""
        def run() -> None:
            try:
                fn(callback=self.callback, **kwargs)
            except Exception as exc:  # shown in the widget: the notebook cell has returned
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                self.running = False

        self.stop_requested = False
        self.error = ""
        self.running = True
        self.thread = threading.Thread(target=run, name="wb-train", daemon=True)
        self.thread.start()
        return self.thread

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") == "stop":
            self.stop()
