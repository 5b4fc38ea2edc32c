"""The per-title few-shot matte model: learn, from a handful of approved mattes, to fix a keyer.

As Nuke's CopyCat does, an artist approves (or paints) the matte on a few frames of a shot; a
tiny U-Net learns a correction of the keyer's alpha from them at proxy resolution, in a minute
or so of CPU, and runs over the rest of the shot or title. Approved frames held out of training
set how much of the correction is trusted, so on them the model is never worse than the keyer.

Usage::

    from workbench.matte.model import ApprovedMatte, train_matte_model, save_to_title
    model = train_matte_model([ApprovedMatte(plate, key, matte, "A001 frame 12"), ...],
                              keyer={"name": "chroma", "params": {...}})
    save_to_title(model, title)             # <title>/models/matte/<version-id>/
    alpha = model.apply(plate, keyer_alpha)  # (B, 1, H, W) in [0, 1]
"""

from workbench.matte.model.model import MatteModel
from workbench.matte.model.net import MatteNet
from workbench.matte.model.settings import MATTE_MODEL_SCHEMA, MatteModelSettings
from workbench.matte.model.store import (
    load_matte_model,
    matte_models_dir,
    read_matte_model,
    save_to_title,
    write_matte_model,
)
from workbench.matte.model.train import ApprovedMatte, train_matte_model

__all__ = [
    "MATTE_MODEL_SCHEMA",
    "ApprovedMatte",
    "MatteModel",
    "MatteModelSettings",
    "MatteNet",
    "load_matte_model",
    "matte_models_dir",
    "read_matte_model",
    "save_to_title",
    "train_matte_model",
    "write_matte_model",
]
