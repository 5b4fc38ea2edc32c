"""The learned shot matcher (match method ``"title"``): a small network trained on the title.

- :mod:`.network`: the network and the parametric grade it predicts (Exposure, von Kries
  Matrix3x3, CDL), with its settings (:class:`MatcherConfig`);
- :mod:`.features`: what it sees of an image (ACEScct statistics, the measured change of light);
- :mod:`.augmentation`: the random physical relights it is trained on;
- :mod:`.training`: :func:`train_matcher`;
- :mod:`.inference`: :class:`TitleMatcher`, the trained matcher, registered as ``"title"``.

A title model or its directory gives its matcher through
:func:`workbench.model.title_model.as_matcher`.
"""

from __future__ import annotations

from workbench.model.matching.learned.augmentation import relight
from workbench.model.matching.learned.features import (
    acescct_to_acescg,
    acescg_to_acescct,
    grade_features,
    light_prior,
    sample_pixels,
)
from workbench.model.matching.learned.inference import MATCHER_SCHEMA, TitleMatcher
from workbench.model.matching.learned.network import (
    GradeParams,
    MatcherConfig,
    MatcherNet,
    apply_grade,
)
from workbench.model.matching.learned.training import train_matcher

__all__ = [
    "MATCHER_SCHEMA",
    "GradeParams",
    "MatcherConfig",
    "MatcherNet",
    "TitleMatcher",
    "acescct_to_acescg",
    "acescg_to_acescct",
    "apply_grade",
    "grade_features",
    "light_prior",
    "relight",
    "sample_pixels",
    "train_matcher",
]
