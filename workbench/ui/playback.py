"""Playback of a shot: its proxy frames rendered through the current grade, for the browser.

The kernel renders every frame once (the same steps as :meth:`ShotPreview.render` and
:meth:`ShotPreview.before`, so a played frame is the kernel's preview of that frame) and the
front end plays the decoded frames on its own clock: playback never waits on the kernel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import torch

from workbench.color.convert import apply_processor, convert_array
from workbench.ops import Operator, Pipeline
from workbench.title import Shot, read_clip_frames
from workbench.title.timecode import offset_timecode
from workbench.ui.frames import (
    SHAPER,
    bake_preview_lut,
    display_lut,
    encode_jpeg,
    one_torch_thread,
    render_preview,
)

__all__ = ["MAX_PLAY_FRAMES", "PlayFrame", "PlayPlan", "play_key", "play_plan",
           "render_play_frames"]

# At most this many frames per play (~10 s at 24 fps): the browser keeps every one decoded
# (a 1024x436 proxy is ~1.8 MB as a bitmap). A longer shot plays this many from the frame shown.
MAX_PLAY_FRAMES = 240


@dataclass(frozen=True)
class PlayPlan:
    """Which clip frames a play covers: ``start``..``stop - 1`` (0-based clip indices)."""

    start: int
    stop: int
    fps: float
    first_number: int  # the frame number (as the source counts) of ``start``
    timecodes: tuple[str, ...]

    @property
    def count(self) -> int:
        """Frames in the play."""
        return self.stop - self.start


@dataclass
class PlayFrame:
    """One rendered frame of a play: graded JPEG, and the untouched one when asked for."""

    index: int  # 0-based position in the play
    after: bytes
    before: bytes | None


def play_plan(shot: Shot, shown: int | None = None,
              max_frames: int = MAX_PLAY_FRAMES) -> PlayPlan:
    """The frames a play of ``shot`` covers: all, or ``max_frames`` from clip index ``shown``."""
    start, stop = shot.start_frame, shot.end_frame
    if stop - start > max_frames:
        start = min(max(shown if shown is not None else start, start), stop - max_frames)
        stop = start + max_frames
    clip = shot.clip
    timecodes = tuple(offset_timecode(clip.timecode, i, clip.fps) if clip.timecode else ""
                      for i in range(start, stop))
    return PlayPlan(start, stop, float(clip.fps), clip.first_frame + start, timecodes)


def play_key(shot: Shot, plan: PlayPlan, pipeline: Pipeline, strength: float,
             proxy_width: int, before: bool) -> str:
    """A short hash naming one play's frames: same key, same pictures."""
    blob = json.dumps([shot.name, plan.start, plan.stop, pipeline.to_dict(), float(strength),
                       proxy_width, before], sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def render_play_frames(shot: Shot, plan: PlayPlan, pipeline: Pipeline, strength: float,
                       proxy_width: int, before: bool = False) -> Iterator[PlayFrame]:
    """Render the play's frames in order, each as :meth:`ShotPreview.render` would.

    Each is a display-referred sRGB JPEG at ``proxy_width`` through the grade at ``strength``.

    Decodes the clip once, front to back; a per-pixel grade is baked into one LUT for the
    whole play. ``before`` adds each untouched frame's JPEG. Stop iterating to cancel.
    """
    pipeline.validate()
    graded = pipeline.at_strength(strength)
    ops = [op for op in graded if isinstance(op, Operator) and op.strength != 0.0]
    baked = all(op.per_pixel for op in ops)
    space = SHAPER if baked else ops[0].space
    with one_torch_thread():
        lut = bake_preview_lut(graded) if baked else None
    frames = read_clip_frames(shot.clip, plan.start, plan.stop, max_width=proxy_width,
                              proxy=True)
    # Channels-last numpy all the way: the same OCIO processors as the preview's tensors go
    # through (so the same bytes), without their (1, 3, H, W) copies around each conversion.
    for index, rgb in frames:
        working = convert_array(rgb, shot.clip.input_space, "ACEScg")
        pixels = convert_array(working, "ACEScg", space)
        untouched = None
        if before:  # the display view of the source, as ShotPreview.before makes it
            shown = pixels.copy() if space == SHAPER else convert_array(working, "ACEScg", SHAPER)
            apply_processor(display_lut(), shown)
            untouched = encode_jpeg(cv2.convertScaleAbs(shown, alpha=255.0))
        if lut is not None:
            apply_processor(lut, pixels)
            after = encode_jpeg(cv2.convertScaleAbs(pixels, alpha=255.0))
        else:
            img = torch.from_numpy(pixels).permute(2, 0, 1)[None].contiguous()
            after = render_preview(img, graded, space).jpeg
        yield PlayFrame(index - plan.start, after, untouched)
