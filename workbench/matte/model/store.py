"""A matte model on disk: ``matte.safetensors`` (weights) + ``matte.json`` (everything else).

Stored with the title's other models, in ``<title>/models/matte/<version-id>/``, with
``<title>/models/matte/current`` naming the version in use (as ``models/current`` names the
title model's). ``matte.json`` holds schema ``MatteModel.1``, the version, the trust earned on
held-out frames and the metrics that earned it, the settings, the keyer it learned from, the
SHA-256 of the training data and of the weights file. Nothing is pickled; a missing, edited or
truncated file raises :class:`~workbench.errors.TitleError` naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from workbench.errors import ParameterError, TitleError
from workbench.io.atomic import atomic_dir, atomic_write_text
from workbench.io.hashing import sha256_file
from workbench.matte.model.model import MatteModel
from workbench.matte.model.net import MatteNet
from workbench.matte.model.settings import MATTE_MODEL_SCHEMA, MatteModelSettings
from workbench.schema import upgrade

if TYPE_CHECKING:
    from workbench.title import Title

__all__ = [
    "JSON_FILE",
    "MATTE_DIR",
    "WEIGHTS_FILE",
    "load_matte_model",
    "matte_models_dir",
    "read_matte_model",
    "save_to_title",
    "write_matte_model",
]

WEIGHTS_FILE = "matte.safetensors"
JSON_FILE = "matte.json"
MATTE_DIR = "matte"
CURRENT_FILE = "current"


def matte_models_dir(title: Title | Path | str) -> Path:
    """``<title>/models/matte``."""
    from workbench.model.title_model import models_dir

    return models_dir(title) / MATTE_DIR


def write_matte_model(model: MatteModel, directory: Path | str) -> Path:
    """Write ``matte.safetensors`` and ``matte.json`` into ``directory``, atomically.

    The folder appears whole or not at all; an existing one is replaced.
    """
    from safetensors.torch import save_file

    directory = Path(directory)
    tensors = {k: v.detach().contiguous() for k, v in model.net.state_dict().items()}
    with atomic_dir(directory) as tmp:
        save_file(tensors, str(tmp / WEIGHTS_FILE), metadata={"schema": MATTE_MODEL_SCHEMA})
        doc = {**model.metadata, "schema": MATTE_MODEL_SCHEMA, "trust": model.trust,
               "settings": model.settings.to_dict(),
               "files": {WEIGHTS_FILE: sha256_file(tmp / WEIGHTS_FILE)}}
        (tmp / JSON_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return directory


def save_to_title(model: MatteModel, title: Title | Path | str, make_current: bool = True
                  ) -> Path:
    """Write ``model`` to ``<title>/models/matte/<version-id>/`` and point ``current`` at it."""
    if not model.version_id:
        raise ParameterError("save_to_title: the matte model's metadata has no version_id")
    base = matte_models_dir(title)
    folder = write_matte_model(model, base / model.version_id)
    if make_current:
        atomic_write_text(base / CURRENT_FILE, model.version_id + "\n")
    return folder


def read_matte_model(directory: Path | str) -> MatteModel:
    """Read a model folder written by :func:`write_matte_model`.

    Raises
    ------
    TitleError
        A file missing, not readable, changed since it was written (SHA-256), weights that do
        not fit the network or hold NaN/Inf; the message names the file.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(directory)
    json_path, weights_path = folder / JSON_FILE, folder / WEIGHTS_FILE
    for path in (json_path, weights_path):
        if not path.is_file():
            raise TitleError(f"{path}: missing; not a matte model folder")
    try:
        doc = json.loads(json_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TitleError(f"{json_path}: not readable JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise TitleError(f"{json_path}: not a matte model manifest")
    doc = upgrade(doc, MATTE_MODEL_SCHEMA, str(json_path), TitleError)
    digest = dict(doc.get("files", {})).get(WEIGHTS_FILE)
    if digest is None or sha256_file(weights_path) != digest:
        raise TitleError(f"{weights_path}: changed or corrupt since training (SHA-256 differs "
                         f"from {json_path.name})")
    try:
        settings = MatteModelSettings.from_dict(dict(doc.get("settings", {})))
        trust = float(doc["trust"])
    except (ParameterError, TypeError, KeyError, ValueError) as exc:
        raise TitleError(f"{json_path}: bad settings or trust ({exc})") from None
    if not 0.0 <= trust <= 1.0:
        raise TitleError(f"{json_path}: trust must be in [0, 1], got {trust}")
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise TitleError(f"{weights_path}: corrupt or not safetensors ({exc})") from None
    net = MatteNet(settings.width)
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        reason = " ".join(str(exc).split())[:300]
        raise TitleError(f"{weights_path}: weights do not fit the matte network ({reason})"
                         ) from None
    if not all(bool(torch.isfinite(t).all()) for t in tensors.values()):
        raise TitleError(f"{weights_path}: NaN or Inf in the weights")
    net.eval()
    meta: dict[str, Any] = {k: v for k, v in doc.items() if k not in ("trust", "settings", "files")}
    return MatteModel(net=net, trust=trust, settings=settings, metadata=meta)


def load_matte_model(path: Title | Path | str, version: str | None = None) -> MatteModel:
    """A matte model from a model folder, a title (its current one) or ``models/matte``.

    ``path`` may be the folder holding ``matte.json`` (what ``workbench key --model DIR``
    takes), a title directory or :class:`~workbench.title.Title`, or a ``models/matte`` folder;
    in the last two ``version`` (else ``current``) picks the model.

    Raises
    ------
    TitleError
        Nothing that holds a matte model there, or a model that does not read (naming the file).
    """
    root = Path(path) if isinstance(path, str | Path) else path.root
    if version is None and (root / JSON_FILE).is_file():
        return read_matte_model(root)
    base = root if (root / CURRENT_FILE).is_file() and root.name == MATTE_DIR \
        else matte_models_dir(root)
    if version is None:
        pointer = base / CURRENT_FILE
        if not pointer.is_file():
            raise TitleError(f"{root}: no matte model ({root / JSON_FILE} or {pointer} "
                             f"missing)")
        version = pointer.read_text().strip()
        if not version or "/" in version or version.startswith("."):
            raise TitleError(f"{pointer}: does not name a matte model version ({version!r})")
    return read_matte_model(base / version)
