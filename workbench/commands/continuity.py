"""``workbench continuity``: flag shots or images that do not match the rest of their scene.

``TITLE_DIR`` (a workbench title): every shot is compared with its scene's anchor from the
catalogue (or ``--anchor``), else with the scene's consensus. ``IMAGE_DIR``: PNG, TIFF and JPEG
are read as sRGB, EXR as ACEScg; all images are one scene, compared with their consensus
unless ``--anchor`` names one. ``--json`` prints only the JSON list on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.commands.files import file_encoding
from workbench.io.formats import FORMATS

__all__ = ["IMAGE_SPACES", "cmd_continuity", "register"]

# File suffix → the encoding an image of that kind is read in (scene-linear ones as ACEScg).
IMAGE_SPACES = {s: "ACEScg" if f.scene_linear else f.encoding
                for f in FORMATS if f.kind == "still" for s in f.suffixes}
ANALYSIS_WIDTH = 256
ANALYSIS_FRAMES = 8


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr)


def _image_items(folder: Path, quiet: bool) -> list[Any]:
    """One :class:`ContinuityItem` per image of ``folder``, group = the folder's name."""
    import cv2
    import numpy as np
    import torch
    from tqdm.auto import tqdm

    from workbench.color import to_working
    from workbench.errors import MediaError
    from workbench.io import read_image
    from workbench.model.continuity import ContinuityItem
    from workbench.model.profiles import shot_profile

    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_SPACES)
    if not files:
        raise MediaError(f"{folder}: no images (PNG, TIFF, JPEG or EXR) in this folder")
    items = []
    for path in tqdm(files, desc="profile", unit="image", disable=quiet, file=sys.stderr):
        try:
            rgb, _ = read_image(path)
        except MediaError:
            raise
        except Exception as exc:  # OpenImageIO's own errors name no file
            raise MediaError(f"{path.name}: unreadable image ({exc})") from exc
        h, w = rgb.shape[:2]
        if w > ANALYSIS_WIDTH:
            rgb = cv2.resize(rgb, (ANALYSIS_WIDTH, max(1, round(h * ANALYSIS_WIDTH / w))),
                             interpolation=cv2.INTER_AREA)
        if not np.isfinite(rgb).all():
            raise MediaError(f"{path.name}: NaN or infinite values in "
                             f"{int((~np.isfinite(rgb)).sum())} samples")
        x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].contiguous()
        frames = to_working(x, file_encoding(path))
        items.append(ContinuityItem(path.name, folder.name, shot_profile(frames), frames))
    return items


def _title_items(root: Path, anchor: str | None, quiet: bool
                 ) -> tuple[list[Any], dict[str, str]]:
    """Items for every shot of a title, and the scenes' anchors (``--anchor`` wins)."""
    from tqdm.auto import tqdm

    from workbench.errors import TitleError
    from workbench.model.continuity import ContinuityItem
    from workbench.model.profiles import shot_profile
    from workbench.title import Title, shot_working_frames

    with Title.open(root, "ro") as title:  # only reads: works on an archived title
        shots = title.shots()
        if not shots:
            raise TitleError(f"{root}: no shots; run `workbench ingest` first")
        anchors = {}
        for scene in title.scenes():
            a = title.anchor(scene.name)
            if a is not None:
                anchors[scene.name] = a.name
        if anchor is not None:
            named = next((s for s in shots if s.name == anchor), None)
            if named is None:
                raise TitleError(f"--anchor {anchor!r} is not a shot of {root.name}; shots: "
                                 f"{', '.join(s.name for s in shots)}")
            anchors[named.scene] = named.name
        items = []
        for shot in tqdm(shots, desc="profile", unit="shot", disable=quiet, file=sys.stderr):
            indices, frames = shot_working_frames(shot, ANALYSIS_FRAMES, ANALYSIS_WIDTH)
            items.append(ContinuityItem(shot.name, shot.scene,
                                        shot_profile(frames, frame_indices=indices), frames))
    return items, anchors


def cmd_continuity(a: argparse.Namespace) -> int:
    """Profile every item, compare within scenes, print the findings."""
    from workbench.errors import MediaError, ParameterError
    from workbench.model.continuity import check_continuity

    path: Path = a.path
    quiet = bool(a.quiet)
    if not path.is_dir():
        raise MediaError(f"{path}: not a directory (expected a title or a folder of images)")
    if (path / "title.json").exists():
        items, anchors = _title_items(path, a.anchor, quiet)
    else:
        items = _image_items(path, quiet)
        anchors = {}
        if a.anchor is not None:
            if a.anchor not in {it.name for it in items}:
                raise ParameterError(f"--anchor {a.anchor!r} is not an image in {path}; images: "
                                     f"{', '.join(it.name for it in items)}")
            anchors[path.name] = a.anchor
    _log(f"comparing {len(items)} item(s) in {len({it.group for it in items})} group(s)", quiet)
    findings = check_continuity(items, anchors)
    if a.json:
        print(json.dumps([f.to_dict() for f in findings], indent=2))
        return 0
    for f in findings:
        mark = "FLAG" if f.flag else "ok"
        print(f"{f.item:32s} {f.group:20s} {mark:4s} {f.score:5.2f}  "
              f"{' '.join(f.reasons) if f.reasons else 'matches ' + f.reference}")
    flagged = sum(f.flag for f in findings)
    print(f"{flagged} of {len(findings)} flagged")
    return 0


def register(add: Any) -> None:
    """Add ``workbench continuity``."""
    sp = add("continuity", cmd_continuity,
             "flag shots or images that do not match their scene (exposure, white balance, "
             "contrast, saturation, grain, framing, motion)")
    sp.add_argument("path", type=Path, help="a title directory or a folder of images")
    sp.add_argument("--json", action="store_true", help="print only a JSON list on stdout")
    sp.add_argument("--anchor", help="the shot or image the others must match "
                                     "(default: the catalogue's anchors, else the consensus)")
