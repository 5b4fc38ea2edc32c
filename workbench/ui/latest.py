"""Do expensive work on the newest request only: a slider sends many, the artist sees the last."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["LatestOnly"]


class LatestOnly:
    """Run ``work(seq, request)`` on one background thread, always on the newest request.

    Requests carry an increasing sequence number. While one runs, newer ones replace each
    other; when it finishes, only the newest waiting one runs: stale requests are dropped.
    ``threaded=False`` runs each request at once, on the caller's thread. ``thread_init``
    runs first on each new worker thread.
    """

    def __init__(self, work: Callable[[int, Any], None], threaded: bool = True,
                 thread_init: Callable[[], None] | None = None) -> None:
        self._work = work
        self.threaded = threaded
        self._thread_init = thread_init
        self._cond = threading.Condition()
        self._pending: tuple[int, Any] | None = None
        self._busy = False
        self._thread: threading.Thread | None = None
        self.last_seq = 0
        self.dropped = 0
        self.errors: list[BaseException] = []

    def submit(self, seq: int, request: Any) -> None:
        """Queue ``request``; a request older than one already queued or done is dropped."""
        if not self.threaded:
            if seq > self.last_seq:
                self.last_seq = seq
                self._work(seq, request)
            else:
                self.dropped += 1
            return
        with self._cond:
            if seq <= self.last_seq or (self._pending and seq <= self._pending[0]):
                self.dropped += 1
                return
            if self._pending is not None:
                self.dropped += 1
            self._pending = (seq, request)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wb-preview",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        if self._thread_init is not None:
            self._thread_init()
        while True:
            with self._cond:
                if self._pending is None:  # idle: end, so no thread outlives its work
                    self._thread = None
                    return
                seq, request = self._pending
                self._pending = None
                self._busy = True
                self.last_seq = seq
            try:
                self._work(seq, request)
            except Exception as exc:  # shown by the owner; the worker keeps serving
                self.errors.append(exc)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued or running; ``False`` on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy,
                                       timeout=timeout)
