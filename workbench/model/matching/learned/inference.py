"""The learned shot matcher at work (match method ``"title"``): a trained network, matching.

Self-supervised on the title's own dailies. A frame is relit at random the way light and a
camera change it (exposure in stops, white balance by Bradford chromatic adaptation in linear
ACEScg with kelvin and tint, contrast and a CDL jitter in ACEScct, saturation); another frame of
the same scene, given its own random look, is the reference. The network sees content-robust
statistics of both (ACEScct quantiles, log-chroma moments and a joint chroma histogram) and
predicts the parametric grade that brings the relit frame to the reference's look: exposure,
a von Kries white balance (a diagonal gain in Bradford LMS, as a 3×3 matrix on ACEScg) and an
ASC CDL in ACEScct with its saturation. The loss is measured in ACEScct, on the pixels.

Because the answer is a plain :class:`~workbench.ops.Pipeline` of
:class:`~workbench.ops.Exposure`, :class:`~workbench.ops.Matrix3x3` and
:class:`~workbench.ops.CDL`, it bakes to a ``.cube`` and is adjusted by hand like any grade.
Weights are stored as safetensors, everything else as JSON (see
:mod:`workbench.model.title_model`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch

from workbench.errors import ParameterError
from workbench.model.matching.learned.features import (
    N_FEATURES,
    grade_features,
    light_prior,
    sample_pixels,
)
from workbench.model.matching.learned.network import (
    N_PARAMS,
    GradeParams,
    MatcherConfig,
    MatcherNet,
    apply_light,
    measure_light,
)
from workbench.model.matching.registry import (
    MATCH_METHODS,
    Choice,
    MatchInputs,
    register_method,
)
from workbench.model.matching.select import choose
from workbench.ops import Pipeline
from workbench.schema import upgrade

__all__ = ["MATCHER_SCHEMA", "PRIOR_PIXELS", "TitleMatcher"]

MATCHER_SCHEMA = "TitleMatcher.2"
PRIOR_PIXELS = 32768  # pixels per side for the light prior when matching a shot
# What the network must beat on each shot, by held-out residual, or be replaced by: so the
# "title" method is never worse than the best of these as far as the residual can tell.
CLASSICAL_RIVALS = ("views", "von-kries")


class TitleMatcher:
    """A trained matcher: the network plus the settings it was trained with."""

    def __init__(self, net: MatcherNet, config: MatcherConfig,
                 metrics: dict[str, Any] | None = None) -> None:
        self.net, self.config = net.eval(), config
        self.metrics = dict(metrics or {})

    @torch.no_grad()
    def predict(self, shot_pixels: torch.Tensor, reference_pixels: torch.Tensor,
                prior: torch.Tensor | None = None) -> GradeParams:
        """Grades bringing each ``shot_pixels`` set to its ``reference_pixels`` (B, P, 3) ACEScg.

        ``prior`` (B, 3) is the change of light if already measured (on more pixels, say).
        """
        shot, ref = shot_pixels.float(), reference_pixels.float()
        prior = measure_light(shot, ref, self.config) if prior is None else prior
        raw = self.net(grade_features(apply_light(shot, prior)), grade_features(ref))
        return GradeParams.from_raw(raw, prior)

    def match(self, shot_frames: torch.Tensor, reference_frames: torch.Tensor) -> Pipeline:
        """The grade bringing ``shot_frames`` to ``reference_frames``' look.

        Parameters
        ----------
        shot_frames, reference_frames
            ``(N, 3, H, W)`` linear ACEScg frames (any N, H, W; bars already cropped).

        Returns
        -------
        Pipeline
            Exposure, Matrix3x3 (von Kries white balance) and CDL (in ACEScct).
        """
        n = self.config.feature_pixels
        shot = sample_pixels(shot_frames.float(), n)[None]
        ref = sample_pixels(reference_frames.float(), n)[None]
        prior = None
        if self.config.light_prior:  # measured finer than in training: it is one shot, not 32
            prior = light_prior(sample_pixels(shot_frames.float(), PRIOR_PIXELS)[None],
                                sample_pixels(reference_frames.float(), PRIOR_PIXELS)[None],
                                levels=81)
        return self.predict(shot, ref, prior).pipeline(0)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Weights, for safetensors (contiguous float32 tensors)."""
        return {k: v.detach().contiguous() for k, v in self.net.state_dict().items()}

    def to_dict(self) -> dict[str, Any]:
        """Everything but the weights, JSON-ready."""
        return {"schema": MATCHER_SCHEMA, "config": asdict(self.config),
                "n_features": N_FEATURES, "n_params": N_PARAMS, "metrics": self.metrics}

    @classmethod
    def from_state(cls, data: dict[str, Any], weights: dict[str, torch.Tensor]) -> TitleMatcher:
        """Inverse of :meth:`to_dict` and :meth:`state_dict`; a mismatch raises ParameterError.

        An older ``TitleMatcher.N`` is upgraded (:mod:`workbench.schema`); a newer one, or
        ``TitleMatcher.1`` (other features: retrain), is refused.
        """
        data = upgrade(data, MATCHER_SCHEMA, "matcher")
        if data.get("n_features") != N_FEATURES or data.get("n_params") != N_PARAMS:
            raise ParameterError(f"matcher: stored for {data.get('n_features')} features and "
                                 f"{data.get('n_params')} parameters, this workbench has "
                                 f"{N_FEATURES} and {N_PARAMS}")
        raw = dict(data.get("config", {}))
        raw["kelvin_range"] = tuple(raw.get("kelvin_range", MatcherConfig.kelvin_range))
        config = MatcherConfig(**raw)
        net = MatcherNet(config.hidden)
        try:
            net.load_state_dict(weights, strict=True)
        except RuntimeError as exc:
            raise ParameterError(f"matcher weights do not fit the network: {exc}") from None
        return cls(net, config, data.get("metrics"))


def _fit_title(inputs: MatchInputs) -> Choice:
    """The ``"title"`` match method: the trained network, or a classical fit where it loses.

    The network's grade and :data:`CLASSICAL_RIVALS`' fits are scored by held-out residual
    (:func:`~workbench.model.matching.select.choose`); the least wins, so the method is never
    worse than those rivals by more than that residual resolves.
    """
    if inputs.title_model is None or not hasattr(inputs.title_model, "match"):
        raise ParameterError(f"match method 'title': expected a trained matcher (see "
                             f"workbench.model.title_model.as_matcher), got "
                             f"{type(inputs.title_model).__name__}")
    learned = inputs.title_model.match(inputs.shot, inputs.reference)
    classical = {name: MATCH_METHODS[name].fit(inputs) for name in CLASSICAL_RIVALS
                 if name in MATCH_METHODS and (name != "views" or inputs.pairs is not None)}
    return choose(inputs, {**classical, "network": learned})


register_method("title", _fit_title, needs_title_model=True,
                description="learned matcher trained on the title's dailies (exposure, von "
                            "Kries white balance, CDL in ACEScct), chosen per shot against "
                            "the classical fits by held-out residual")
