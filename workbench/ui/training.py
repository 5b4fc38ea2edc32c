"""TrainingView: a live loss curve and a before/after preview while a trainer runs, with Stop."""

from __future__ import annotations

import asyncio
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

    :meth:`train` runs a trainer on a thread (the notebook stays free, so Stop reaches the
    kernel) and :meth:`wait` returns its result. :attr:`callback` can also be handed to a
    trainer directly; it returns ``False`` once Stop was pressed, which ends training
    cleanly. The status says "done" only once a run has ended.

    Each stage keeps its own curve (``stage_curves``); a one-step stage (the profiles) never
    replaces the curve of the stage that trained before it.

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
    finished = t.Bool(False).tag(sync=True)  # a run of :meth:`train` has ended
    curve_stage = t.Unicode("").tag(sync=True)  # whose loss ``curve`` is
    stage_summary = t.List(t.Dict()).tag(sync=True)  # {stage, steps, total, loss} per stage

    def __init__(self, held_out: torch.Tensor | None = None, rate_hz: float = 10.0,
                 preview_hz: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.held_out = held_out
        self.rate_hz, self.preview_hz = rate_hz, preview_hz
        self.history: list[tuple[int, float]] = []  # the curve shown
        self.stage_curves: dict[str, list[tuple[int, float]]] = {}
        self.result: Any = None
        self._last_push = self._last_preview = -1e9
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self._exc: BaseException | None = None
        if held_out is not None:
            self.before = encode_jpeg(display_encode(held_out))
        self.on_msg(self._on_front_end)

    def stop(self) -> None:
        """Ask the trainer to stop at its next step."""
        self.stop_requested = True

    def callback(self, progress: TrainProgress) -> bool:
        """Record one step; ``False`` asks the trainer to stop."""
        with self._lock:
            curve = self.stage_curves.setdefault(progress.stage, [])
            if progress.step <= 1:
                curve.clear()  # the stage starts (again)
            curve.append((progress.step, float(progress.loss)))
            if progress.total > 1 or not self.history:
                self.history, self.curve_stage = curve, progress.stage
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
            self.stage_summary = [
                {"stage": name, "steps": len(c), "loss": c[-1][1] if c else None}
                for name, c in self.stage_curves.items()]
            if preview:
                self.preview = preview
            self.updates += 1

    def train(self, fn: Callable[..., Any], **kwargs: Any) -> threading.Thread:
        """Run ``fn(callback=self.callback, **kwargs)`` on a background thread and return it."""
        def run() -> None:
            try:
                self.result = fn(callback=self.callback, **kwargs)
            except Exception as exc:  # shown in the widget: the notebook cell has returned
                self._exc = exc
                self.error = f"{type(exc).__name__}: {exc}"
            finally:
                with self.hold_sync():
                    self.running = False
                    self.finished = True

        self.stop_requested = False
        self.error = ""
        self.result, self._exc = None, None
        self.stage_curves, self.history = {}, []
        with self.hold_sync():
            self.finished = False
            self.stopped_at = 0
            self.running = True
        self.thread = threading.Thread(target=run, name="wb-train", daemon=True)
        self.thread.start()
        return self.thread

    def wait(self, timeout: float | None = None) -> Any:
        """Block until :meth:`train`'s run ends; its result (or its exception, raised)."""
        if self.thread is not None:
            self.thread.join(timeout)
            if self.thread.is_alive():
                raise TimeoutError(f"training still running after {timeout} s")
        if self._exc is not None:
            raise self._exc
        return self.result

    async def wait_async(self, poll_s: float = 0.1) -> Any:
        """As :meth:`wait`, awaited: ``model = await view.wait_async()`` in a notebook cell.

        A cell that awaits leaves the kernel's event loop free, so the Stop button's message
        is still handled while the cell waits (a blocking :meth:`wait` holds it until the end).
        """
        while self.thread is not None and self.thread.is_alive():
            await asyncio.sleep(poll_s)
        return self.wait()

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") == "stop":
            self.stop()
