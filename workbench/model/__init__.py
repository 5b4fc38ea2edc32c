"""The title model: what a production's dailies teach, and the proposals made from it.

- ``look``: the learned look (curves, matrix, residual 3D LUT) from before/after pairs;
- ``methods`` / ``transfer``: shot matching to a reference (von Kries, MKL, Reinhard,
  histogram, mean-std, and the learned ``title`` matcher), as parametric grades;
- ``profiles`` / ``continuity``: lighting, palette, lens, grain and motion per shot, and the
  shots that do not match their scene;
- ``train`` / ``title_model``: all of it learned for one title and stored as safetensors + JSON;
- ``propose``: one proposal per shot, from the trained model when there is one.

Heavy submodules load on first use, so ``import workbench.model`` stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from workbench.model.match import ShotStats, match_cdl, shot_stats
from workbench.model.methods import MATCH_METHODS, MatchGrade, match_frames, register_method
from workbench.model.progress import TrainCallback, TrainProgress
from workbench.model.propose import MODEL_VERSION, choose_anchor, propose, propose_methods

__all__ = [
    "MATCH_METHODS",
    "MODEL_VERSION",
    "LookModel",
    "MatchGrade",
    "ShotStats",
    "TitleMatcher",
    "TitleModel",
    "TrainCallback",
    "TrainProgress",
    "check_continuity",
    "choose_anchor",
    "fit_look",
    "match_cdl",
    "match_frames",
    "propose",
    "propose_methods",
    "register_method",
    "shot_profile",
    "shot_stats",
    "train_title",
]

_LAZY = {
    "LookModel": "workbench.model.look",
    "fit_look": "workbench.model.look",
    "TitleMatcher": "workbench.model.matcher",
    "TitleModel": "workbench.model.title_model",
    "train_title": "workbench.model.train",
    "check_continuity": "workbench.model.continuity",
    "shot_profile": "workbench.model.profiles",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.model' has no attribute {name!r}")
