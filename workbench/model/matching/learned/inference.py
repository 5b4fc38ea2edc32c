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

from dataclasses import asdict, replace
from typing import Any

import torch

from workbench.errors import ParameterError
from workbench.model.matching.classical import LIGHT_CURVES
from workbench.model.matching.correspond import Correspondence, fit_light, split
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
from workbench.model.matching.memory import FrameLibrary
from workbench.model.matching.registry import (
    MATCH_METHODS,
    Choice,
    MatchInputs,
    PixelMap,
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
    """A trained matcher: the network, the settings it was trained with, and the title's frames.

    ``library`` (:class:`~workbench.model.matching.memory.FrameLibrary`) holds proxy frames of
    the training set at the title's intended light, for matching a shot through the title's
    own setups; ``None`` for a matcher stored before it existed.
    """

    def __init__(self, net: MatcherNet, config: MatcherConfig,
                 metrics: dict[str, Any] | None = None,
                 library: FrameLibrary | None = None) -> None:
        self.net, self.config = net.eval(), config
        self.metrics = dict(metrics or {})
        self.library = library

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
        """Weights (float32) and the library frames (``library.NNN``, float16): safetensors."""
        weights = {k: v.detach().contiguous() for k, v in self.net.state_dict().items()}
        return {**weights, **(self.library.state() if self.library is not None else {})}

    def to_dict(self) -> dict[str, Any]:
        """Everything but the weights, JSON-ready."""
        frames = 0 if self.library is None else len(self.library.frames)
        return {"schema": MATCHER_SCHEMA, "config": asdict(self.config),
                "n_features": N_FEATURES, "n_params": N_PARAMS, "metrics": self.metrics,
                "library_frames": frames}

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
        library = FrameLibrary.from_state(weights)
        frames = 0 if library is None else len(library.frames)
        if frames != int(data.get("library_frames", frames)):
            raise ParameterError(f"matcher: {data.get('library_frames')} library frames "
                                 f"recorded, {frames} stored")
        try:
            net.load_state_dict({k: v for k, v in weights.items()
                                 if not k.startswith("library.")}, strict=True)
        except RuntimeError as exc:
            raise ParameterError(f"matcher weights do not fit the network: {exc}") from None
        return cls(net, config, data.get("metrics"), library)


def _through_title(library: FrameLibrary, inputs: MatchInputs
                   ) -> tuple[Pipeline | PixelMap, PixelMap, Correspondence] | None:
    """The shot matched through the title's own frames, and the pixel pairs that show it.

    The change of light fitted on the pixels the shot shares with library frames (the shot
    under the title's light), then the reference's own change from the title's light when
    it has one (:meth:`~workbench.model.matching.memory.FrameLibrary.look_of`). The pairs'
    library side is carried into the reference's look, so a residual on them measures the
    match to the reference. Returned: that match; the same fitted on the fitting half of
    the pairs only (:func:`~workbench.model.matching.correspond.split`), to be scored on the
    other half; the pairs. ``None`` when the shot shares no surface with the library.
    """
    pairs = library.correspondences(inputs.shot)
    if pairs is None:
        return None
    light = fit_light(pairs.shot, pairs.reference, pairs.weight, curves=LIGHT_CURVES)
    fit_on = split(pairs)[0]
    half = fit_light(fit_on.shot, fit_on.reference, fit_on.weight, curves=LIGHT_CURVES)
    to_reference = library.look_of(inputs.reference)
    if to_reference is None:
        return light.as_match(), half, pairs
    pairs = replace(pairs, reference=to_reference(pairs.reference))
    both = (light.as_match(), to_reference.as_match())

    def held(lin: torch.Tensor) -> torch.Tensor:
        return to_reference(half(lin))

    if all(isinstance(f, Pipeline) for f in both):
        ops = [op for f in both for op in f.operators]  # type: ignore[union-attr]
        return Pipeline(ops), held, pairs
    return (lambda lin: to_reference(light(lin))), held, pairs


def _views_held_out(pairs: Correspondence) -> PixelMap:
    """``views`` refitted on the fitting half of ``pairs``: what its residual is scored with."""
    fit_on = split(pairs)[0]
    return fit_light(fit_on.shot, fit_on.reference, fit_on.weight, curves=LIGHT_CURVES)


def _fit_title(inputs: MatchInputs) -> Choice:
    """The ``"title"`` match method: the network, the title's frames or a classical fit.

    Candidates: the network's grade, :data:`CLASSICAL_RIVALS`' fits and, when the shot shares
    surfaces with the title's remembered frames, the change of light fitted on those
    (:func:`_through_title`). They are scored by held-out residual
    (:func:`~workbench.model.matching.select.choose`) on the pixels the shot shares with the
    reference, or else on those it shares with the title's frames; the least wins. With
    neither, the evidence is the held-out error of the network and of the statistics-only
    classical methods on the title's own frames, measured when it was trained
    (``metrics["validation"]``), and the least of those is used.
    """
    if inputs.title_model is None or not hasattr(inputs.title_model, "match"):
        raise ParameterError(f"match method 'title': expected a trained matcher (see "
                             f"workbench.model.title_model.as_matcher), got "
                             f"{type(inputs.title_model).__name__}")
    learned = inputs.title_model.match(inputs.shot, inputs.reference)
    candidates: dict[str, Any] = {
        name: MATCH_METHODS[name].fit(inputs) for name in CLASSICAL_RIVALS
        if name in MATCH_METHODS and (name != "views" or inputs.pairs is not None)}
    candidates["network"] = learned
    held_out: dict[str, Any] = {}
    if "views" in candidates and inputs.pairs is not None:
        held_out["views"] = _views_held_out(inputs.pairs)
    library = getattr(inputs.title_model, "library", None)
    through = _through_title(library, inputs) if isinstance(library, FrameLibrary) else None
    if through is not None:
        candidates["title frames"], held_out["title frames"] = through[0], through[1]
    if inputs.pairs is not None:
        return choose(inputs, candidates, held_out)
    if through is not None:
        on_title = replace(inputs, pairs=through[2])
        return replace(choose(on_title, candidates, held_out), pairs=through[2])
    validation = dict(getattr(inputs.title_model, "metrics", {}).get("validation") or {})
    known = {k: float(v) for k, v in validation.items()
             if k in candidates or (k in MATCH_METHODS and k != "identity")}
    if known:
        order = [*candidates, *sorted(known)]
        best = min(known, key=lambda k: (known[k], order.index(k)))
        fitted = candidates[best] if best in candidates else MATCH_METHODS[best].fit(inputs)
        return Choice(fitted, best, known[best], known, "ΔE2000 on held-out title frames")
    return choose(inputs, candidates)


register_method("title", _fit_title, needs_title_model=True,
                description="learned matcher trained on the title's dailies (exposure, von "
                            "Kries white balance, CDL in ACEScct) and the title's remembered "
                            "frames, chosen per shot against the classical fits by held-out "
                            "residual")
