"""A look on disk: ``model.safetensors`` (weights, training colours) + ``look.json``.

The folder is written whole or not at all; reading checks every file and names the one at
fault. Older schemas are brought up to date by the upgrade steps registered here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from workbench.errors import ParameterError, TitleError
from workbench.io.atomic import atomic_dir
from workbench.model.look.settings import (
    LOOK_SCHEMA,
    LOOK_SPACES,
    LookSettings,
    clips_output,
)
from workbench.model.look_net import LookNet
from workbench.schema import check_readable, register_upgrade, upgrade

__all__ = ["JSON_FILE", "WEIGHTS_FILE", "StoredLook", "read_look", "write_look"]

WEIGHTS_FILE = "model.safetensors"
JSON_FILE = "look.json"
_COLOURS, _COUNTS = "training_colours", "training_counts"
_TENSORS = "tensors"
"""Key under which :func:`read_look` hands the weights to the upgrade steps with
``look.json``: a look's stored form is both files."""


@register_upgrade("LookModel", 1)
def _look_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    """``.1`` had no hue terms: hue order 0 and a zero ``hue_coef`` reproduce it exactly."""
    doc["settings"] = {"hue_order": 0, **doc.get("settings", {})}
    doc[_TENSORS] = {"hue_coef": torch.zeros(3, 1), **doc[_TENSORS]}
    return doc


@register_upgrade("LookModel", 2)
def _look_2_to_3(doc: dict[str, Any]) -> dict[str, Any]:
    """``.3`` may carry the training colours in the weights; a ``.2`` look simply has none."""
    return doc


@register_upgrade("LookModel", 3)
def _look_3_to_4(doc: dict[str, Any]) -> dict[str, Any]:
    """``.4`` may clip its output and scale saturation linearly; a ``.3`` look did neither."""
    doc["settings"] = {"clip_output": False, "linear_saturation": False,
                       **doc.get("settings", {})}
    return doc


@dataclass(frozen=True)
class StoredLook:
    """What :func:`read_look` found: the parts of a :class:`~workbench.model.look.LookModel`."""

    net: LookNet
    space: str
    metadata: dict[str, Any]
    colours: torch.Tensor | None
    colour_counts: torch.Tensor | None


def write_look(directory: Path, stored: StoredLook) -> Path:
    """Write ``model.safetensors`` and ``look.json`` into ``directory``, atomically.

    The folder appears whole or not at all; an existing one is replaced.
    """
    net, colours, counts = stored.net, stored.colours, stored.colour_counts
    tensors = {name: p.detach().contiguous() for name, p in net.named_parameters()}
    if colours is not None and counts is not None:
        tensors[_COLOURS] = colours.detach().float().contiguous()
        tensors[_COUNTS] = counts.detach().double().contiguous()
    doc = {"schema": LOOK_SCHEMA, "space": stored.space, "domain": list(LOOK_SPACES[stored.space]),
           **stored.metadata}
    with atomic_dir(directory) as tmp:
        save_file(tensors, str(tmp / WEIGHTS_FILE), metadata={"schema": LOOK_SCHEMA})
        (tmp / JSON_FILE).write_text(json.dumps(doc, indent=2) + "\n")
    return directory


def read_look(directory: Path) -> StoredLook:
    """Read a look written by :func:`write_look`, upgraded to :data:`LOOK_SCHEMA`.

    Raises
    ------
    TitleError
        A file is missing, unreadable or does not hold a look's weights (naming it).
    ParameterError
        ``look.json`` has another schema or an unknown space.
    """
    json_path, weights_path = directory / JSON_FILE, directory / WEIGHTS_FILE
    for path in (json_path, weights_path):
        if not path.is_file():
            raise TitleError(f"{path}: missing; not a look model folder")
    doc = _read_json(json_path)
    space = doc.get("space")
    if space not in LOOK_SPACES:
        raise ParameterError(f"{json_path}: unknown look space {space!r}")
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise TitleError(f"{weights_path}: corrupt or not safetensors ({exc})") from exc
    doc = upgrade({**doc, _TENSORS: tensors}, LOOK_SCHEMA, str(json_path))
    tensors = doc.pop(_TENSORS)
    try:
        settings = LookSettings.from_dict(doc.get("settings", {}))
    except TypeError as exc:
        raise ParameterError(f"{json_path}: bad settings ({exc})") from exc
    colours, counts = tensors.pop(_COLOURS, None), tensors.pop(_COUNTS, None)
    net = _load_net(weights_path, settings, tensors, colours, counts)
    net.clip = clips_output(settings, space)
    meta = {k: v for k, v in doc.items() if k not in ("schema", "space", "domain")}
    return StoredLook(net=net, space=space, metadata=meta, colours=colours, colour_counts=counts)


def _read_json(json_path: Path) -> dict[str, Any]:
    """``look.json``, checked readable at :data:`LOOK_SCHEMA` before any weights are read."""
    try:
        doc = json.loads(json_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TitleError(f"{json_path}: not readable JSON ({exc})") from exc
    check_readable(doc, LOOK_SCHEMA, str(json_path))  # before the weights are read
    return doc


def _load_net(weights_path: Path, settings: LookSettings, tensors: dict[str, torch.Tensor],
              colours: torch.Tensor | None, counts: torch.Tensor | None) -> LookNet:
    """The network of ``settings`` holding ``tensors``, checked to fit and be finite."""
    net = LookNet(settings.levels, settings.knots, settings.hue_order,
                  linear_saturation=settings.linear_saturation)
    if (colours is None) != (counts is None) or (
            colours is not None and counts is not None
            and (colours.ndim != 2 or colours.shape[1] != 3
                 or counts.shape != (colours.shape[0],))):
        raise TitleError(f"{weights_path}: training colours and counts do not match")
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())[:300]
        raise TitleError(f"{weights_path}: weights do not fit the look ({reason})") from exc
    extra = [t for t in (colours, counts) if t is not None]
    if not all(bool(torch.isfinite(t).all()) for t in [*tensors.values(), *extra]):
        raise TitleError(f"{weights_path}: NaN or Inf in the weights")
    net.eval()
    return net
