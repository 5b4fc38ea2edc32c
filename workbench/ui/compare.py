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

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seek: list[Callable[[int], None]] = []  # called with a frame the scrubber asks
        self.grab: list[Callable[[], None]] = []  # called when "grab still" is pressed
        self.on_msg(self._on_front_end)

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") == "seek":
            for fn in self.seek:
                fn(int(content.get("frame", self.frame)))
        elif content.get("type") == "grab":
            for grab in self.grab:
                grab()

    def show_before(self, image: bytes, *, shot: str = "", frame: int = 0, timecode: str = "",
                    size: tuple[int, int] = (0, 0)) -> None:
        """Show a new untouched frame; ``size`` is its full-resolution (width, height)."""
        with self.hold_sync():
            self.before = image
            self.shot, self.frame, self.timecode = shot, frame, timecode
            self.source_width, self.source_height = size

    def show_after(self, image: bytes, proxy: bool = False) -> int:
        """Show a new graded frame; returns its sequence number."""
        with self.hold_sync():
            self.after = image
            self.proxy = proxy
            self.seq += 1
        return self.seq
