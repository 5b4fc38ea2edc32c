"""CompareView: before/after of one frame with wipe, split, side by side, toggle and difference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

__all__ = ["MODES", "CompareView"]

STATIC = Path(__file__).with_name("static")
MODES = ("wipe", "split", "side-by-side", "toggle", "difference")


class CompareView(anywidget.AnyWidget):
    """Before and after frames as binary image bytes, zoomable to 1:1 source pixels.

    The front end paints ``after`` into ``<img data-testid="wb-preview">`` and raises its
    ``data-frame-seq`` once the image has decoded. ``source_width``/``source_height`` are the
    full-resolution size, so "1:1" means one source pixel per screen pixel even while a
    proxy is shown.
    """

    _esm = STATIC / "compare.js"
    _css = STATIC / "workbench.css"

    before = t.Bytes(b"").tag(sync=True)
    after = t.Bytes(b"").tag(sync=True)
    mime = t.Unicode("image/jpeg").tag(sync=True)
    mode = t.Enum(list(MODES), "wipe").tag(sync=True)
    wipe = t.Float(0.5, min=0.0, max=1.0).tag(sync=True)
    zoom = t.Float(0.0, min=0.0, max=64.0).tag(sync=True)  # 0 = fit
    frame = t.Int(0).tag(sync=True)
    timecode = t.Unicode("").tag(sync=True)
    shot = t.Unicode("").tag(sync=True)
    source_width = t.Int(0).tag(sync=True)
    source_height = t.Int(0).tag(sync=True)
    proxy = t.Bool(False).tag(sync=True)  # the after image is the interactive proxy
    seq = t.Int(0).tag(sync=True)  # bumped for every new ``after`` sent
    label_before = t.Unicode("source").tag(sync=True)
    label_after = t.Unicode("graded").tag(sync=True)
    # Device pixels across the frame as the viewer shows it now (fit or zoomed): the app
    # renders full resolution only when this exceeds the proxy's width.
    display_width = t.Int(0).tag(sync=True)
    frame_range = t.List(t.Int(), [0, 0]).tag(sync=True)  # the shot's first and last frame
    references = t.List(t.Dict()).tag(sync=True)  # {key, label}: what "before" can show
    reference = t.Unicode("source").tag(sync=True)  # the key shown as "before"
    difference_gain = t.Float(1.0, min=1.0, max=64.0).tag(sync=True)  # difference mode
    # The browser's frame cache (workbench.ui.client_frames): what determines the ``after``
    # picture, the epoch of the shown frame and proposal, and the grade panel it follows.
    after_tag = t.Dict().tag(sync=True)
    cache_epoch = t.Int(0).tag(sync=True)
    grade_model = t.Unicode("").tag(sync=True)
    # Playback: the front end plays frames it was sent (:meth:`send_play_frame`) on its own
    # clock; either side sets ``playing`` false to stop it.
    playing = t.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seek: list[Callable[[int], None]] = []  # called with a frame the scrubber asks
        self.grab: list[Callable[[], None]] = []  # called when "grab still" is pressed
        # called with the key of the frames the front end holds (or None) when play is pressed
        self.play: list[Callable[[str | None], None]] = []
        self.on_msg(self._on_front_end)

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") == "seek":
            if content.get("shot") not in (None, self.shot):
                return  # asked for on a shot no longer shown (playback stopped by a switch)
            for fn in self.seek:
                fn(int(content.get("frame", self.frame)))
        elif content.get("type") == "grab":
            for grab in self.grab:
                grab()
        elif content.get("type") == "play":
            have = content.get("have")
            for play in self.play:
                play(str(have) if have else None)

    def send_play_begin(self, key: str, count: int, fps: float, first: int,
                        timecodes: list[str], before: bool) -> None:
        """Announce a play: ``count`` frames at ``fps`` from frame number ``first``."""
        self.send({"type": "play-begin", "key": key, "count": count, "fps": fps,
                   "first": first, "timecodes": timecodes, "before": before})

    def send_play_frame(self, key: str, index: int, after: bytes,
                        before: bytes | None = None) -> None:
        """One frame of the play ``key`` (binary buffers: the graded JPEG, then the untouched)."""
        self.send({"type": "play-frame", "key": key, "index": index},
                  [after] + ([before] if before is not None else []))

    def send_play_ready(self, key: str) -> None:
        """Every frame of ``key`` was sent (or the front end already holds them): play."""
        self.send({"type": "play-ready", "key": key})

    def send_play_cancel(self, key: str, reason: str = "") -> None:
        """The play ``key`` will not come (the grade or the shot changed, or it failed)."""
        self.send({"type": "play-cancel", "key": key, "reason": reason})

    def show_before(self, image: bytes, *, shot: str = "", frame: int = 0, timecode: str = "",
                    size: tuple[int, int] = (0, 0)) -> None:
        """Show a new untouched frame; ``size`` is its full-resolution (width, height)."""
        with self.hold_sync():
            self.before = image
            self.shot, self.frame, self.timecode = shot, frame, timecode
            self.source_width, self.source_height = size

    def show_after(self, image: bytes, proxy: bool = False,
                   tag: dict[str, Any] | None = None) -> int:
        """Show a new graded frame; returns its sequence number.

        ``tag`` (from :class:`workbench.ui.client_frames.ClientFrames`) lets the browser keep
        the frame for a later move back to it; without one it is shown and not kept.
        """
        with self.hold_sync():
            self.after = image
            self.after_tag = tag or {}
            self.proxy = proxy
            self.seq += 1
        return self.seq
