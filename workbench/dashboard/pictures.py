"""Before/after pictures of shots for the dashboard, made once from the title's proxies.

A shot's picture is its middle frame, read from the proxy (never the camera original), in
the title's delivery space: *before* as shot, *after* with the grade that counts (the latest
decision's, else the latest proposal's at its proposed strength), letterbox bars kept as
shot. Both pass through the same conversions, so the only difference is the grade, as in the
delivery report. Pictures are made once per shot and grade and kept in memory
(:class:`PictureCache`), so no page view decodes video.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from workbench.color import convert
from workbench.ops import Pipeline
from workbench.ops.framing import ActiveArea, keep_blanking
from workbench.title import Title, get_proposal, latest_decision, latest_proposal, read_shot_frames

__all__ = ["KINDS", "PICTURE_WIDTH", "THUMB_WIDTH", "PictureCache", "ShotPictures",
           "shot_pictures"]

PICTURE_WIDTH = 480   # before/after on the shot page
THUMB_WIDTH = 160     # the shots table
KINDS = ("before", "after", "thumb")


@dataclass(frozen=True)
class ShotPictures:
    """JPEG bytes of one shot: ``before``, ``after`` (``PICTURE_WIDTH``) and ``thumb``.

    ``grade`` says which grade ``after`` shows, in words (``"proposal 12 at 0.55"``).
    """

    before: bytes
    after: bytes
    thumb: bytes
    grade: str

    def get(self, kind: str) -> bytes:
        """The picture of ``kind`` (one of :data:`KINDS`)."""
        if kind not in KINDS:
            raise KeyError(f"no picture {kind!r}; known: {', '.join(KINDS)}")
        return bytes(getattr(self, kind))


def _jpeg(rgb: np.ndarray, width: int | None = None, quality: int = 85) -> bytes:
    """``(H, W, 3)`` display RGB in [0, 1] -> JPEG bytes, resized to ``width`` if given."""
    if width is not None and rgb.shape[1] > width:
        h = max(1, round(rgb.shape[0] * width / rgb.shape[1]))
        rgb = cv2.resize(rgb, (width, h), interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB image
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def shot_pictures(title: Title, shot_name: str, width: int = PICTURE_WIDTH) -> ShotPictures:
    """Before/after of ``shot_name``'s middle frame, from its proxy, as JPEG.

    Shape: the frame is read at most ``width`` pixels wide; ``thumb`` is
    :data:`THUMB_WIDTH` wide. Colour: the clip's encoding → the title's working space
    (graded there) → the title's delivery space, clipped to [0, 1] for display.
    """
    shot = title.shot(shot_name)
    middle = shot.start_frame + shot.frame_count // 2
    rgb = None
    for index, frame in read_shot_frames(shot, max_width=width, proxy=True):
        rgb = frame
        if index >= middle:
            break
    if rgb is None:
        raise KeyError(f"shot {shot_name}: no frame could be read")
    working = title.settings.working_space
    img = convert(torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None]
                  .contiguous(), shot.clip.input_space, working)
    decision = latest_decision(title, shot)
    chain: Pipeline | None = None
    strength, area, grade = 0.0, None, "none (no proposal yet)"
    if decision is not None and decision.verdict != "reject":
        chain, strength = decision.pipeline, decision.applied_strength
        area, grade = decision.active_area, f"{decision.verdict} at {strength:g}"
    else:
        proposal = (get_proposal(title, decision.proposal_id)
                    if decision is not None and decision.proposal_id is not None
                    else latest_proposal(title, shot))
        if proposal is not None:
            chain, strength, area = proposal.pipeline, proposal.strength, proposal.active_area
            grade = (f"proposal {proposal.id} at {strength:g}"
                     + (" (rejected)" if decision is not None else ""))
    after = img
    if chain is not None:
        pipeline = chain.at_strength(strength)
        if len(pipeline):
            after = pipeline.apply(img, working)
            if area is not None:
                h, w = img.shape[-2:]
                active = ActiveArea.from_dict(area).scaled(h, w, shot.clip.height,
                                                           shot.clip.width)
                after = keep_blanking(after, img, active)
    space = title.settings.delivery_space
    before_rgb = convert(img, working, space)[0].permute(1, 2, 0).numpy()
    after_rgb = convert(after, working, space)[0].permute(1, 2, 0).numpy()
    return ShotPictures(_jpeg(before_rgb), _jpeg(after_rgb), _jpeg(before_rgb, THUMB_WIDTH, 80),
                        grade)


class PictureCache:
    """Pictures of a title's shots, made on first request and kept (least recently used out).

    Thread-safe: each request opens the title read-only for its own thread, and two requests
    for one shot make its pictures once.
    """

    def __init__(self, root: Path, size: int = 512) -> None:
        self.root = Path(root)
        self.size = size
        self._items: OrderedDict[tuple[str, str], ShotPictures] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[tuple[str, str], threading.Lock] = {}

    def get(self, shot: str, key: str) -> ShotPictures:
        """The pictures of ``shot`` for grade state ``key`` (:attr:`ShotRow.picture_key`)."""
        ident = (shot, key)
        with self._lock:
            if ident in self._items:
                self._items.move_to_end(ident)
                return self._items[ident]
            making = self._making.setdefault(ident, threading.Lock())
        with making:
            with self._lock:
                if ident in self._items:
                    return self._items[ident]
            with Title.open(self.root, "ro") as title:
                pictures = shot_pictures(title, shot)
            with self._lock:
                self._items[ident] = pictures
                self._making.pop(ident, None)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return pictures
