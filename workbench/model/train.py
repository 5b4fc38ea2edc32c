"""Train a title's model from its dailies: profiles, the learned shot matcher and the look.

:func:`train_title` samples about ``frames`` proxy frames across the title's shots (evenly
within each shot, shared between shots by length), trains the learned matcher
(:mod:`workbench.model.matching.learned`) on them, measures the profiles, and learns the title's
look when hero before/after pairs exist. The model is saved under ``<title>/models/<version-id>/``
and becomes ``current``.

Hero pairs for the look come from two places, both optional:

- ``<title>/hero/before/NAME.*`` and ``<title>/hero/after/NAME.*``: stills of the same frame
  before and after the colourist's grade, paired by file stem. EXR is read as linear ACEScg,
  every other format as sRGB-encoded.
- accepted or adjusted decisions with a non-empty grade: two frames of the shot, before and
  after the decided pipeline (:meth:`workbench.title.Decision.applied_pipeline`).

The look is learned in ACEScct. Without any pair there is no look, and the model says so.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from workbench.errors import TitleError
from workbench.model.matching.learned import MatcherConfig, train_matcher
from workbench.model.progress import TrainCallback, TrainProgress, wants_stop
from workbench.model.title_model import TITLE_MODEL_VERSION, TitleModel
from workbench.ops.framing import ActiveArea, active_area
from workbench.title import Shot, Title, accepted_decisions, shot_working_frames

__all__ = ["HERO_DIR", "PROXY_WIDTH", "allot_frames", "hero_pairs", "train_title"]

PROXY_WIDTH = 256   # training frames are proxies this wide (or narrower)
HERO_DIR = "hero"
PAIR_FRAMES = 2     # frames per accepted decision used as a look pair


def allot_frames(shots: list[Shot], total: int) -> dict[str, int]:
    """Share ``total`` frames between ``shots`` by length: at least one each, at most all."""
    if total < len(shots):
        total = len(shots)
    lengths = {s.name: max(s.frame_count, 1) for s in shots}
    whole = sum(lengths.values())
    share = {n: total * length / whole for n, length in lengths.items()}
    counts = {n: max(1, min(lengths[n], int(v))) for n, v in share.items()}
    # Largest remainders get the frames still to hand out, where a shot has frames left.
    for n in sorted(share, key=lambda n: share[n] - int(share[n]), reverse=True):
        if sum(counts.values()) >= total:
            break
        if counts[n] < lengths[n]:
            counts[n] += 1
    return counts


def _sample(title: Title, counts: dict[str, int], max_width: int, progress: bool
            ) -> tuple[list[torch.Tensor], list[int], list[dict[str, Any]], dict[str, Any]]:
    """Proxy frames of every shot, bars cropped, their scene index, what was read, profiles.

    Profiles (:mod:`workbench.model.profiles`) are measured on the same frames:
    ``{"title": ..., "scenes": {name: ...}, "shots": {name: ...}}``, JSON-ready.
    """
    from workbench.model.profiles import scene_profile, shot_profile, title_profile

    frames: list[torch.Tensor] = []
    groups: list[int] = []
    read: list[dict[str, Any]] = []
    scenes: dict[str, int] = {}
    shot_profiles: dict[str, Any] = {}
    by_scene: dict[str, list[Any]] = {}
    for shot in tqdm(title.shots(), desc="sample frames", unit="shot", disable=not progress):
        indices, batch = shot_working_frames(shot, counts[shot.name], max_width)
        area = active_area(batch, 1)
        cropped = area.crop(batch).contiguous()
        group = scenes.setdefault(shot.scene, len(scenes))
        frames += list(torch.nan_to_num(cropped))
        groups += [group] * len(indices)
        read.append({"shot": shot.name, "clip_sha256": shot.clip.sha256,
                     "range": [shot.start_frame, shot.end_frame], "frames": indices})
        profile = shot_profile(batch, area, indices)
        shot_profiles[shot.name] = profile.to_dict()
        by_scene.setdefault(shot.scene, []).append(profile)
    scene_profiles = {name: scene_profile(members) for name, members in by_scene.items()}
    profiles = {"title": title_profile(list(scene_profiles.values())).to_dict(),
                "scenes": {n: p.to_dict() for n, p in scene_profiles.items()},
                "shots": shot_profiles}
    return frames, groups, read, profiles


def hero_pairs(title: Title, max_width: int = PROXY_WIDTH
               ) -> tuple[list[torch.Tensor], list[torch.Tensor], list[str]]:
    """Before/after pairs for the look, in ACEScct ``(1, 3, H, W)`` each, and where each came from.

    See the module docstring for the two sources.
    """
    from workbench.color import convert

    before: list[torch.Tensor] = []
    after: list[torch.Tensor] = []
    sources: list[str] = []
    hero = title.root / HERO_DIR
    if (hero / "before").is_dir() and (hero / "after").is_dir():
        afters = {p.stem: p for p in (hero / "after").iterdir() if p.is_file()}
        for b in sorted(p for p in (hero / "before").iterdir() if p.is_file()):
            if b.stem not in afters:
                continue
            pair = [_read_still(p, max_width) for p in (b, afters[b.stem])]
            if pair[0].shape != pair[1].shape:
                raise TitleError(f"{b} and {afters[b.stem]}: hero pair sizes differ "
                                 f"({tuple(pair[0].shape[-2:])} vs {tuple(pair[1].shape[-2:])})")
            before.append(convert(pair[0], "ACEScg", "ACEScct"))
            after.append(convert(pair[1], "ACEScg", "ACEScct"))
            sources.append(f"{HERO_DIR}/{b.name}")
    for shot, decision in accepted_decisions(title):
        pipeline = decision.applied_pipeline()
        if len(pipeline) == 0:
            continue
        _, frames = shot_working_frames(shot, PAIR_FRAMES, max_width)
        frames = _picture(frames, decision.active_area, shot)
        graded = pipeline.apply(frames)
        for i in range(frames.shape[0]):
            before.append(convert(frames[i:i + 1], "ACEScg", "ACEScct"))
            after.append(convert(graded[i:i + 1], "ACEScg", "ACEScct"))
            sources.append(f"decision {decision.id} ({shot.name})")
    return before, after, sources


def _picture(frames: torch.Tensor, area: dict[str, int] | None, shot: Shot) -> torch.Tensor:
    """``frames`` (N,3,h,w) cropped to the decision's picture area (measured at full size).

    A render keeps letterbox bars as shot, outside the grade; a pair that graded them would
    teach the look to lift black where no delivery ever does.
    """
    if area is None:
        return frames
    h, w = frames.shape[-2:]
    inside = ActiveArea.from_dict(area).scaled(h, w, shot.clip.height, shot.clip.width)
    return inside.crop(frames)


def _read_still(path: Path, max_width: int) -> torch.Tensor:
    """A still as linear ACEScg ``(1, 3, H, W)``, no wider than ``max_width``."""
    import numpy as np

    from workbench.color import to_working
    from workbench.io import default_encoding, read_image

    rgb, _ = read_image(path)
    img = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float()
    img = to_working(img, default_encoding(path))
    if img.shape[-1] > max_width:
        h = max(1, round(img.shape[-2] * max_width / img.shape[-1]))
        img = torch.nn.functional.interpolate(img, size=(h, max_width), mode="area")
    return img


def train_title(title: Title, *, seed: int = 0, frames: int = 100, steps: int | None = None,
                max_width: int = PROXY_WIDTH, callback: TrainCallback | None = None,
                progress: bool = True, look_steps: int | None = None) -> TitleModel:
    """Train, save and return the title model of ``title``.

    Parameters
    ----------
    title
        An open title with ingested shots.
    seed
        Seeds every random choice: the same title and seed give the same model.
    frames
        Proxy frames to sample across the shots (at least one per shot).
    steps
        Matcher training steps (default :attr:`MatcherConfig.steps`).
    max_width
        Width of the proxy frames, in pixels.
    callback
        Receives every :class:`TrainProgress` (stages ``"matcher"``, ``"profiles"``,
        ``"look"``); returning ``False`` stops training: the model keeps what it learned, is
        saved, and ``metrics["stopped_early"]`` is True.
    progress
        Show tqdm bars with the live loss on stderr.
    look_steps
        Steps of the look model, when hero pairs exist (default: its own).

    Returns
    -------
    TitleModel
        Saved as ``<title>/models/<version-id>/`` and made current.

    Raises
    ------
    TitleError
        The title has no shots.
    """
    shots = title.shots()
    if not shots:
        raise TitleError(f"{title.root}: no shots to train on; run `workbench ingest` first")
    start = time.perf_counter()
    config = MatcherConfig() if steps is None else replace(MatcherConfig(), steps=steps)
    counts = allot_frames(shots, frames)
    pixels, groups, read, profiles = _sample(title, counts, max_width, progress)
    sampled = time.perf_counter() - start
    settings = {"frames": frames, "max_width": max_width, "seed": seed,
                "matcher": asdict(config), "look_steps": look_steps}
    digest = hashlib.sha256(json.dumps({"shots": read, "settings": settings},
                                       sort_keys=True).encode()).hexdigest()

    stopped = False

    def relay(p: TrainProgress) -> bool | None:
        nonlocal stopped
        stopped = wants_stop(callback, p)
        return False if stopped else None

    matcher = train_matcher(pixels, groups, seed=seed, config=config, callback=relay,
                            progress=progress)
    if not stopped:
        stopped = wants_stop(callback, TrainProgress("profiles", 1, 1, 0.0,
                                                     time.perf_counter() - start))
    look, look_sources = None, list[str]()
    if not stopped:
        look, look_sources = _fit_look(title, seed, max_width, look_steps, relay, progress)
    created = datetime.now(UTC)
    metrics = {"matcher": matcher.metrics,
               "look": None if look is None else look.metadata.get("metrics"),
               "frames": len(pixels), "shots": len(shots),
               "seconds": round(time.perf_counter() - start, 3),
               "sampling_seconds": round(sampled, 3), "stopped_early": stopped}
    model = TitleModel(matcher=matcher, look=look, profiles=profiles, metadata={
        "version_id": f"{created:%Y%m%dT%H%M%SZ}-{digest[:8]}",
        "kind": TITLE_MODEL_VERSION,
        "created": created.isoformat(timespec="seconds"),
        "seed": seed,
        "training_data_sha256": digest,
        "training_data": read,
        "look_pairs": look_sources,
        "settings": settings,
        "metrics": metrics,
    })
    model.save(title)
    return model


def _fit_look(title: Title, seed: int, max_width: int, steps: int | None,
              callback: TrainCallback, progress: bool) -> tuple[Any, list[str]]:
    """The look from hero pairs, or ``(None, [])`` when there are none."""
    before, after, sources = hero_pairs(title, max_width)
    if not before:
        return None, []
    from workbench.model.look import fit_look

    look = fit_look(before, after, space="ACEScct", seed=seed, steps=steps, callback=callback,
                    progress=progress)
    return look, sources
