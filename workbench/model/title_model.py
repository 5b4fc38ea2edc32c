"""The title model on disk: learned matcher, optional look, profiles and what it was trained on.

A trained model lives in ``<title>/models/<version-id>/``:

- ``model.json``: schema ``TitleModel.1``, the model version string, creation time, seed, the
  SHA-256 of the training data (the shots' source hashes, frame ranges and the settings), the
  training metrics, the matcher's settings, the profiles, and the SHA-256 of every weight file;
- ``matcher.safetensors``: the learned shot matcher's weights, and the proxy frames it
  remembers of the dailies (``library.NNN``, float16 linear ACEScg, up to 64 frames at most
  192 px wide: :mod:`workbench.model.matching.memory`);
- ``look/``: the look model (``model.safetensors`` + ``look.json``), only when hero
  before/after pairs existed.

``<title>/models/current`` is a one-line text file naming the version in use. Nothing is
pickled; a missing, edited or truncated file raises :class:`~workbench.errors.TitleError`
naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from workbench.errors import ParameterError, TitleError
from workbench.io.atomic import atomic_dir, atomic_write_text
from workbench.io.hashing import sha256_file
from workbench.model.matching.learned import TitleMatcher
from workbench.schema import upgrade

if TYPE_CHECKING:
    from workbench.model.look import LookModel
    from workbench.title import Title

__all__ = [
    "CURRENT_FILE",
    "MODELS_DIR",
    "TITLE_MODEL_SCHEMA",
    "TITLE_MODEL_VERSION",
    "TitleModel",
    "as_matcher",
    "has_title_model",
    "models_dir",
]

TITLE_MODEL_SCHEMA = "TitleModel.1"
TITLE_MODEL_VERSION = "title-model/1 (learned matcher: exposure, von Kries WB, CDL in ACEScct)"
MODELS_DIR = "models"
CURRENT_FILE = "current"
JSON_FILE = "model.json"
MATCHER_FILE = "matcher.safetensors"
LOOK_DIR = "look"


def models_dir(title: Title | Path | str) -> Path:
    """``<title>/models``."""
    root = Path(title) if isinstance(title, str | Path) else title.root
    return root / MODELS_DIR


def has_title_model(title: Title | Path | str) -> bool:
    """True when the title has a ``models/current`` pointer (a trained model to load)."""
    return (models_dir(title) / CURRENT_FILE).is_file()


@dataclass
class TitleModel:
    """Everything learned from one title's dailies.

    Attributes
    ----------
    matcher : TitleMatcher
        The learned shot matcher (match method ``"title"``).
    look : LookModel | None
        The title's look, when hero before/after pairs existed to learn it from.
    profiles : dict
        JSON-ready profiles: ``{"title": ..., "scenes": {name: ...}, "shots": {name: ...}}``.
    metadata : dict
        ``version_id``, ``model_version``, ``created``, ``seed``, ``training_data_sha256``,
        ``settings``, ``metrics``.
    """

    matcher: TitleMatcher
    look: LookModel | None = None
    profiles: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version_id(self) -> str:
        """The folder name under ``models/``, e.g. ``20261125T212500Z-1a2b3c4d``."""
        return str(self.metadata.get("version_id", ""))

    @property
    def model_version(self) -> str:
        """What a proposal records: the model kind and this version's id."""
        return f"{TITLE_MODEL_VERSION} {self.version_id}"

    def save(self, title: Title | Path | str, make_current: bool = True) -> Path:
        """Write the model to ``<title>/models/<version-id>/`` and point ``current`` at it.

        The folder appears whole or not at all; ``current`` is replaced atomically.
        """
        from safetensors.torch import save_file

        if not self.version_id:
            raise ParameterError("TitleModel.save: metadata has no version_id")
        folder = models_dir(title) / self.version_id
        with atomic_dir(folder) as tmp:
            save_file(self.matcher.state_dict(), str(tmp / MATCHER_FILE),
                      metadata={"schema": self.matcher.to_dict()["schema"]})
            files = {MATCHER_FILE: sha256_file(tmp / MATCHER_FILE)}
            if self.look is not None:
                self.look.save(tmp / LOOK_DIR)
                for f in sorted((tmp / LOOK_DIR).iterdir()):
                    files[f"{LOOK_DIR}/{f.name}"] = sha256_file(f)
            doc = {"schema": TITLE_MODEL_SCHEMA, **self.metadata,
                   "model_version": self.model_version, "matcher": self.matcher.to_dict(),
                   "profiles": self.profiles, "files": files}
            (tmp / JSON_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        if make_current:
            atomic_write_text(models_dir(title) / CURRENT_FILE, self.version_id + "\n")
        return folder

    @classmethod
    def load(cls, title: Title | Path | str, version: str | None = None) -> TitleModel:
        """Read the current model of ``title`` (or ``version``).

        Raises
        ------
        TitleError
            No trained model, or a file that is missing, changed since training or unreadable
            (the message names it and says to retrain with ``workbench train``).
        """
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        base = models_dir(title)
        retrain = f"retrain with `workbench train {base.parent}`"
        if version is None:
            pointer = base / CURRENT_FILE
            if not pointer.is_file():
                raise TitleError(f"{base.parent}: no trained title model ({pointer} missing); "
                                 f"train one with `workbench train {base.parent}`")
            version = pointer.read_text().strip()
            if not version or "/" in version or version.startswith("."):
                raise TitleError(f"{pointer}: does not name a model version ({version!r}); "
                                 f"{retrain}")
        folder = base / version
        json_path = folder / JSON_FILE
        if not json_path.is_file():
            raise TitleError(f"{json_path}: missing; model {version!r} is incomplete; {retrain}")
        try:
            doc = json.loads(json_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TitleError(f"{json_path}: not readable JSON ({exc}); {retrain}") from None
        doc = upgrade(doc, TITLE_MODEL_SCHEMA, str(json_path), TitleError)
        for name, digest in dict(doc.get("files", {})).items():
            path = folder / name
            if not path.is_file():
                raise TitleError(f"{path}: missing from model {version!r}; {retrain}")
            if sha256_file(path) != digest:
                raise TitleError(f"{path}: changed or corrupt since training (SHA-256 differs); "
                                 f"{retrain}")
        try:
            weights = load_file(str(folder / MATCHER_FILE))
        except (SafetensorError, OSError, ValueError) as exc:
            raise TitleError(f"{folder / MATCHER_FILE}: not safetensors ({exc}); {retrain}"
                             ) from None
        if not all(bool(torch.isfinite(t).all()) for t in weights.values()):
            raise TitleError(f"{folder / MATCHER_FILE}: NaN or Inf in the weights; {retrain}")
        try:
            matcher = TitleMatcher.from_state(doc.get("matcher", {}), weights)
        except (ParameterError, TypeError) as exc:
            raise TitleError(f"{json_path}: matcher does not load ({exc}); {retrain}") from None
        look = None
        if (folder / LOOK_DIR).is_dir():
            from workbench.model.look import LookModel

            try:
                look = LookModel.load(folder / LOOK_DIR)
            except ParameterError as exc:
                raise TitleError(f"{folder / LOOK_DIR}: look does not load ({exc})") from None
        skip = {"schema", "matcher", "profiles", "files", "model_version"}
        meta = {k: v for k, v in doc.items() if k not in skip}
        return cls(matcher=matcher, look=look, profiles=doc.get("profiles", {}), metadata=meta)


def as_matcher(model: TitleModel | TitleMatcher | Title | Path | str) -> TitleMatcher:
    """The learned matcher of ``model``: a TitleMatcher, a TitleModel, a Title or its directory.

    What match method ``"title"`` is given (see :func:`workbench.model.matching.match_frames`).

    Raises
    ------
    TitleError
        A title or directory without a loadable trained model.
    ParameterError
        Anything else.
    """
    if isinstance(model, TitleMatcher):
        return model
    if isinstance(model, TitleModel):
        return model.matcher
    if isinstance(model, str | Path) or hasattr(model, "shots"):  # a directory or a Title
        return TitleModel.load(model).matcher
    raise ParameterError(f"match method 'title': expected a trained title model, a matcher or "
                         f"a title directory, got {type(model).__name__}")
