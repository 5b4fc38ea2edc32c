"""``workbench key``: pull a matte from a green/blue-screen plate, or against a clean plate.

A still gives one matte of the plate's size: a 16-bit one-channel PNG (or TIFF) for PNG/TIFF/JPEG
plates, an EXR with one linear ``A`` channel for EXR plates. A sequence or a movie gives a matte
sequence (``--out matte.####.png``), keyed frame by frame and held steady where the plate is
still (:mod:`workbench.matte.temporal`). Every frame is keyed before any file appears, so bad
input (NaN pixels, a clean plate of another size) leaves nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.commands import AddCommand
from workbench.commands.files import file_encoding

__all__ = ["cmd_key", "register"]

SCREENS = ("auto", "green", "blue")


def register(add: AddCommand) -> None:
    """Add ``workbench key``."""
    sp = add("key", cmd_key, "pull a matte from a green/blue-screen plate or a clean plate")
    sp.formatter_class = argparse.RawDescriptionHelpFormatter
    sp.description = (
        "Key a plate (still, sequence or movie) and write its matte at the plate's size.\n\n"
        "  PNG/TIFF/JPEG plate -> 16-bit one-channel PNG (or .tif) matte\n"
        "  EXR plate           -> EXR matte, one linear A channel\n"
        "  sequence or movie   -> a matte sequence: --out NAME.####.png (or .exr for EXR)\n\n"
        "A chroma key by default (the screen colour estimated from the plate, uneven light\n"
        "followed); with --clean-plate, a difference key against that still or the temporal\n"
        "median of that movie. Keyer settings (a Keyer's JSON) come from --settings.")
    sp.add_argument("plate", type=Path, metavar="PLATE",
                    help="the plate: a still, a sequence (name.####.exr or a folder) or a movie "
                         "(never written to)")
    sp.add_argument("--out", type=Path, required=True, metavar="MATTE",
                    help="matte file for a still; NAME.####.png/.exr for a sequence or movie")
    sp.add_argument("--screen", default="auto", choices=SCREENS,
                    help="screen colour (default auto: decided from the frame's border)")
    sp.add_argument("--clean-plate", type=Path, metavar="FILE",
                    help="the shot's background without the subject (a still, or a movie whose "
                         "temporal median is taken): a difference key")
    sp.add_argument("--settings", type=Path, metavar="JSON",
                    help="Keyer settings as written by Keyer.to_dict (screen is overridden by "
                         "--screen unless that is auto)")
    sp.add_argument("--no-temporal", action="store_true",
                    help="key each frame of a sequence on its own (no stabilising of still areas)")
    sp.add_argument("--model", type=Path, metavar="DIR",
                    help="a per-title matte model (its folder, or a title: its current one) "
                         "that corrects the key; its keyer settings are used unless --settings "
                         "is given")


def _is_sequence(path: Path) -> bool:
    from workbench.io import is_pattern

    return path.is_dir() or is_pattern(path)


def _kind(path: Path) -> str:
    """``"movie"``, ``"sequence"`` or ``"still"``; raises naming the file otherwise."""
    from workbench.errors import MediaError
    from workbench.io.formats import MOVIE_SUFFIXES, STILL_SUFFIXES, format_of

    if _is_sequence(path):
        return "sequence"
    fmt = format_of(path)
    if fmt is None:
        raise MediaError(f"{path}: the plate must be a still ({', '.join(STILL_SUFFIXES)}), "
                         f"a sequence or a movie ({', '.join(MOVIE_SUFFIXES)})")
    if not path.is_file():
        raise MediaError(f"{path}: does not exist")
    return "movie" if fmt.kind == "movie" else "still"


def _matte_suffixes(plate: Path) -> tuple[str, ...]:
    """The matte formats a plate's matte is written in: EXR for EXR, PNG/TIFF otherwise."""
    from workbench.io import frame_file

    linear = file_encoding(plate) != "sRGB" and frame_file(plate).suffix.lower() == ".exr"
    return (".exr",) if linear else (".png", ".tif", ".tiff")


def _check_out(plate: Path, kind: str, out: Path) -> None:
    from workbench.errors import ParameterError
    from workbench.io import is_pattern

    allowed = _matte_suffixes(plate)
    if out.suffix.lower() not in allowed:
        raise ParameterError(f"{out}: the matte of {plate.name} is written as "
                             f"{' or '.join(allowed)}, got {out.suffix or 'no suffix'!r}")
    if kind != "still" and not is_pattern(out):
        raise ParameterError(f"{out}: a {kind} gives a matte sequence; name it with a frame "
                             f"pattern, e.g. {out.stem}.####{out.suffix}")
    if kind == "still" and is_pattern(out):
        raise ParameterError(f"{out}: a still plate gives one matte file, not a sequence")
    try:
        same = out.exists() and plate.exists() and out.samefile(plate)
    except OSError:
        same = False
    if same:
        raise ParameterError(f"{out}: would overwrite the plate; sources are never written to")


def _working(rgb: Any, encoding: str, where: str) -> Any:
    """``(H, W, 3)`` pixels in ``encoding`` → ``(1, 3, H, W)`` ACEScg; NaN/Inf raise naming it."""
    import numpy as np
    import torch

    from workbench.checks import check_finite
    from workbench.color import convert

    rgb = np.ascontiguousarray(rgb, dtype=np.float32)
    check_finite(rgb, where)
    img = torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()
    return convert(img, encoding, "ACEScg")


def _frames(plate: Path, kind: str) -> Iterator[tuple[int, str, Any]]:
    """``(frame number, where, (1, 3, H, W) ACEScg)`` for each frame of the plate."""
    from workbench.io import list_sequence, read_image, read_movie_frames

    if kind == "still":
        rgb, _ = read_image(plate)
        yield 0, plate.name, _working(rgb, file_encoding(plate), plate.name)
    elif kind == "sequence":
        encoding = file_encoding(plate)
        for number, path in list_sequence(plate):
            rgb, _ = read_image(path)
            yield number, path.name, _working(rgb, encoding, path.name)
    else:
        for index, rgb in read_movie_frames(plate, depth=32):
            where = f"{plate.name} frame {index}"
            yield index, where, _working(rgb, file_encoding(plate), where)


def _frame_count(plate: Path, kind: str) -> int | None:
    from workbench.io import list_sequence, probe_movie

    if kind == "sequence":
        return len(list_sequence(plate))
    if kind == "movie":
        return probe_movie(plate).frame_count
    return 1


def _clean_plate(path: Path | None) -> Any:
    """The clean plate ``(1, 3, H, W)`` ACEScg: a still as it is, a movie's temporal median."""
    from workbench.errors import MediaError
    from workbench.matte.cleanplate import movie_clean_plate

    if path is None:
        return None
    kind = _kind(path)
    if kind == "movie":
        median = movie_clean_plate(path)
        return _working(median[0].permute(1, 2, 0).numpy(), file_encoding(path), path.name)
    if kind == "sequence":
        raise MediaError(f"{path}: a clean plate is a still or a movie, not a sequence")
    from workbench.io import read_image

    rgb, _ = read_image(path)
    return _working(rgb, file_encoding(path), path.name)


def _settings(a: argparse.Namespace) -> Any:
    from workbench.errors import ParameterError
    from workbench.matte.keyer import Keyer

    data: dict[str, Any] = {"schema": "Keyer.1", "params": {}}
    if a.settings is not None:
        try:
            data = json.loads(a.settings.read_text())
        except (OSError, ValueError) as exc:
            raise ParameterError(f"{a.settings}: not a Keyer settings JSON ({exc})") from None
    elif getattr(a, "model", None) is not None:  # the key the model learned to correct
        data = _model(a).metadata.get("keyer") or data
    if a.screen != "auto":
        data = {**data, "params": {**data.get("params", {}), "screen": a.screen}}
    return Keyer.from_dict(data)


def _model(a: argparse.Namespace) -> Any:
    """The ``--model`` matte model, read once (``None`` without one)."""
    from workbench.matte.model import load_matte_model

    if getattr(a, "model", None) is None:
        return None
    if not hasattr(a, "_matte_model"):
        a._matte_model = load_matte_model(a.model)
    return a._matte_model


def _matte_frames(a: argparse.Namespace, kind: str) -> Iterator[tuple[int, Any]]:
    """Key every frame: ``(frame number, (H, W) float32 alpha)``."""
    from tqdm.auto import tqdm

    from workbench.errors import ShapeError
    from workbench.matte.keyer import key
    from workbench.matte.temporal import TemporalStabiliser

    settings = _settings(a)
    model = _model(a)
    clean = _clean_plate(a.clean_plate)
    stabiliser = TemporalStabiliser() if kind != "still" and not a.no_temporal else None
    total = _frame_count(a.plate, kind)
    bar = tqdm(total=total, desc=f"key {a.plate.name}", unit="frame", disable=total == 1)
    for number, where, img in _frames(a.plate, kind):
        if clean is not None and clean.shape[-2:] != img.shape[-2:]:
            raise ShapeError(f"{a.clean_plate.name}: clean plate is {clean.shape[-1]}x"
                             f"{clean.shape[-2]}, the plate ({where}) is {img.shape[-1]}x"
                             f"{img.shape[-2]}")
        alpha = key(img, settings, clean_plate=clean).alpha
        if model is not None:
            alpha = model.apply(img, alpha)
        if stabiliser is not None:
            alpha = stabiliser(img, alpha)
        bar.update(1)
        yield number, alpha[0, 0].numpy()
    bar.close()


def _pattern_name(pattern: Path, number: int) -> Path:
    import re

    name = pattern.name
    m = re.search(r"#+", name)
    if m:
        name = name[:m.start()] + f"{number:0{len(m.group(0))}d}" + name[m.end():]
    else:
        m2 = re.search(r"%0?(\d*)d", name)
        assert m2 is not None
        name = name[:m2.start()] + f"{number:0{int(m2.group(1) or 1)}d}" + name[m2.end():]
    return pattern.with_name(name)


def cmd_key(a: argparse.Namespace) -> int:
    """Run ``workbench key``."""
    import sys

    from workbench.matte.matte_files import write_matte

    kind = _kind(a.plate)
    _check_out(a.plate, kind, a.out)
    _settings(a)  # bad settings fail before any frame is read
    if kind == "still":
        (_, alpha), = list(_matte_frames(a, kind))
        write_matte(a.out, alpha)
        print(f"key: {a.out} ({alpha.shape[1]}x{alpha.shape[0]}, mean alpha "
              f"{float(alpha.mean()):.3f})", file=sys.stderr)
        return 0
    # Frames go to a hidden folder beside the output and move into place only when all are
    # keyed: a bad frame halfway leaves nothing behind.
    created = not a.out.parent.exists()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    staging = a.out.parent / f".key-{os.getpid()}-{a.out.stem.replace('#', '')}"
    staging.mkdir()
    try:
        written = []
        for number, alpha in _matte_frames(a, kind):
            target = _pattern_name(a.out, number)
            write_matte(staging / target.name, alpha)
            written.append(target)
        for target in written:
            os.replace(staging / target.name, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(a.out.parent, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    print(f"key: {len(written)} mattes {a.out}", file=sys.stderr)
    return 0
