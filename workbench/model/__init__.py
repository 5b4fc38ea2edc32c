"""The title model: what a production's dailies teach, and the proposals made from it.

- ``look``: the learned look (curves, matrix, residual 3D LUT) from before/after pairs;
- ``matching``: shot matching to a reference (von Kries, MKL, Reinhard, histogram, mean-std,
  and the learned ``title`` matcher), as parametric grades: one registry, one dispatcher;
- ``profiles`` / ``continuity``: lighting, palette, lens, grain and motion per shot, and the
  shots that do not match their scene;
- ``train`` / ``title_model``: all of it learned for one title and stored as safetensors + JSON;
- ``propose``: one proposal per shot, from the trained model when there is one.
"""

from __future__ import annotations

from workbench.model.continuity import check_continuity
from workbench.model.look import LookModel, fit_look
from workbench.model.matching import (
    MATCH_METHODS,
    MatchGrade,
    ShotStats,
    match_cdl,
    match_frames,
    register_method,
    shot_stats,
)
from workbench.model.matching.learned import TitleMatcher
from workbench.model.profiles import shot_profile
from workbench.model.progress import TrainCallback, TrainProgress
from workbench.model.propose import MODEL_VERSION, choose_anchor, propose, propose_methods
from workbench.model.title_model import TitleModel, as_matcher
from workbench.model.train import train_title

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
    "as_matcher",
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
