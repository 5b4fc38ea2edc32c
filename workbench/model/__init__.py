"""The title model. For now: classical shot matching to each scene's anchor."""

from workbench.model.match import MATCH_METHODS, ShotStats, match_cdl, shot_stats
from workbench.model.propose import MODEL_VERSION, choose_anchor, propose

__all__ = ["MATCH_METHODS", "MODEL_VERSION", "ShotStats", "choose_anchor", "match_cdl",
           "propose", "shot_stats"]
