"""Shot matching: bring a shot to a reference shot with a named method, as a parametric grade.

- :mod:`.registry`: the one registry (:data:`MATCH_METHODS`, :func:`register_method`) and the
  dispatcher (:func:`resolve_method`) that says what a name, ``"auto"`` included, means;
- :mod:`.classical`: ``views``, ``von-kries``, ``mkl``, ``reinhard``, ``histogram``,
  ``mean-std``, on the transfers of :mod:`.transfer`, the ACEScct statistics of :mod:`.stats`
  and, for ``views``, the pixels both shots show (:mod:`.correspond`);
- :mod:`.learned`: the learned matcher ``title``, trained on the title's dailies, which keeps
  its network's grade, a fit through the title's remembered frames (:mod:`.memory`) or a
  classical fit per shot, by held-out residual (:mod:`.select`);
- :mod:`.grade`: :func:`match_frames` and the :class:`MatchGrade` it returns (CDL + LUT in
  ACEScct, or the method's own operators), with a confidence from the grade's held-out
  residual (:mod:`.select`);
- :mod:`.temporal`: which frames to fit on, and how much a result flickers.

``workbench match``, ``propose``, continuity fixes and the UI all go through
:func:`match_frames`, so ``"auto"`` means one thing everywhere: the learned matcher when a
trained title model is given, otherwise ``von-kries``.
"""

from __future__ import annotations

from workbench.model.matching import classical as classical
from workbench.model.matching import learned as learned
from workbench.model.matching.grade import MatchGrade, fit_grade, match_frames, sample_pixels
from workbench.model.matching.registry import (
    AUTO,
    AUTO_METHOD,
    MATCH_METHODS,
    Choice,
    LearnedMatcher,
    MatchInputs,
    MatchMethod,
    PixelMap,
    method_names,
    register_method,
    resolve_method,
)
from workbench.model.matching.stats import (
    ShotStats,
    chroma_overlap,
    describe_difference,
    fit_mean_std_cdl,
    match_cdl,
    shot_stats,
)

__all__ = [
    "AUTO",
    "AUTO_METHOD",
    "MATCH_METHODS",
    "Choice",
    "LearnedMatcher",
    "MatchGrade",
    "MatchInputs",
    "MatchMethod",
    "PixelMap",
    "ShotStats",
    "chroma_overlap",
    "describe_difference",
    "fit_grade",
    "fit_mean_std_cdl",
    "match_cdl",
    "match_frames",
    "method_names",
    "register_method",
    "resolve_method",
    "sample_pixels",
    "shot_stats",
]
