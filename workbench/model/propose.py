"""Proposals for every shot of a title: match each shot to its scene's anchor.

The match method is chosen per run (:func:`resolve_propose_method`) by the one dispatcher,
:func:`workbench.model.matching.resolve_method`, so a name, ``"auto"`` included, means what it
means everywhere. Without a name, propose uses the title's learned matcher (``"title"``) when
``<title>/models/current`` exists, otherwise :data:`NO_MODEL_METHOD` (``"mean-std"``): on the
sample title von Kries (what ``"auto"`` picks without a model) proposed the title card against
the stage at strength 0.75 instead of 0, gave no shot a plain ASC CDL, and took 6x longer.
Every method is fitted by :func:`~workbench.model.matching.match_frames` and measured
the same way; each proposal records the model version that made it (for ``"title"``: the
trained model's version id).

Skin tones are protected (:func:`skin_hue_shift`): where a proposed grade would move the
shot's skin-coloured pixels (the profiles' Oklab skin-tone locus) further from the locus's
centre hue by more than :data:`SKIN_HUE_TOLERANCE_DEG`, the proposal's strength is lowered
in proportion so that they move about that far at most, and the summary says so. A grade that
brings skin back toward the locus (undoing a colour cast) is not held back.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from workbench.color import convert
from workbench.errors import ParameterError, TitleError
from workbench.model.framing import ActiveArea, active_area
from workbench.model.matching import (
    AUTO,
    MATCH_METHODS,
    ShotStats,
    describe_difference,
    match_frames,
    method_names,
    resolve_method,
    shot_stats,
)
from workbench.model.matching.grade import MatchGrade, match_inputs
from workbench.ops import Pipeline
from workbench.title import Proposal, Shot, Title, add_proposal, shot_working_frames

__all__ = [
    "ANALYSIS_FRAMES",
    "ANALYSIS_WIDTH",
    "MODEL_VERSION",
    "NO_MODEL_METHOD",
    "SKIN_HUE_TOLERANCE_DEG",
    "choose_anchor",
    "propose",
    "propose_methods",
    "proposed_strength",
    "resolve_propose_method",
    "skin_hue_shift",
]

NO_MODEL_METHOD = "mean-std"  # propose's default when the title has no trained model
MODEL_VERSION = MATCH_METHODS[NO_MODEL_METHOD].version  # what its proposals record
ANALYSIS_FRAMES = 8     # frames sampled per shot
ANALYSIS_WIDTH = 256    # analysis proxy width in pixels
# Confidence rises as the match's held-out residual falls (MatchGrade.confidence): 0.5 is a
# residual of 2.5 ΔE2000 on pixels both shots show; shots sharing no surface stay <= 0.5.
FULL_CONFIDENCE = 0.5   # at or above this a match is proposed at full strength
MIN_CONFIDENCE = 0.2    # below it, at strength 0
SKIN_HUE_TOLERANCE_DEG = 4.0   # skin may move this much further from the skin line, no more
SKIN_MIN_PIXELS = 200          # fewer skin-coloured pixels than this: nothing to protect
SKIN_MIN_FRACTION = 0.02       # nor when they are under 2% of the picture (a warm wall, a road)
SKIN_MIN_CHROMA = 0.04         # Oklab chroma: greyer pixels have no hue worth protecting


def choose_anchor(stats: dict[str, ShotStats], lengths: dict[str, int]) -> str:
    """The shot most like the rest of its scene (the medoid of the shots' ACEScct means).

    A title card or a one-off insert is far from the others and never chosen; ties go to the
    longer shot, the likely master.
    """
    names = list(stats)
    means = np.stack([stats[n].mean for n in names])
    cost = np.abs(means[:, None, :] - means[None, :, :]).sum(axis=(1, 2))
    return min(names, key=lambda n: (round(float(cost[names.index(n)]), 4), -lengths[n]))


def propose_methods() -> list[str]:
    """Method names :func:`propose` accepts: ``auto``, then every registered match method."""
    return method_names()


def resolve_propose_method(title: Title, method: str | None = None) -> tuple[str, Any]:
    """The method :func:`propose` will use, and the trained model it needs (or ``None``).

    ``None``: ``"title"`` when the title has a trained model, else :data:`NO_MODEL_METHOD`.
    A name, ``"auto"`` included, is resolved by :func:`~workbench.model.matching.resolve_method`
    with the title's trained model when it has one. ``"title"`` without a model raises
    :class:`TitleError` saying how to train one; an unknown name raises
    :class:`ParameterError` listing the known ones.
    """
    from workbench.model.title_model import TitleModel, has_title_model

    known = propose_methods()
    if method is not None and method not in known:
        raise ParameterError(f"unknown propose method {method!r}; known: {', '.join(known)}")
    if method is None:
        method = "title" if has_title_model(title) else NO_MODEL_METHOD
    wants_model = method == "title" or (method == AUTO and has_title_model(title))
    model = TitleModel.load(title) if wants_model else None
    found = resolve_method(method, None if model is None else model.matcher)
    return found.name, model


def propose(title: Title, progress: bool = True, method: str | None = None,
            only: Sequence[str] | None = None) -> list[Proposal]:
    """Analyse every shot and store one proposal per shot; anchors get the identity.

    Parameters
    ----------
    title
        An open title with ingested shots.
    progress
        tqdm bars, and one line on stderr naming the method used.
    method
        ``None`` (the trained title model when there is one, else :data:`NO_MODEL_METHOD`),
        or a match method name, ``"auto"`` included (see :func:`propose_methods`).
    only
        Store proposals for these shots only (default: every shot). Every shot is still
        analysed: anchors and the scene statistics need them all.

    Returns
    -------
    list[Proposal]
        The new proposals, in catalogue order; each records the model version that made it.
    """
    wanted = None if only is None else {title.shot(name).name for name in only}
    shots = title.shots()
    if not shots:
        raise TitleError(f"{title.root}: no shots to propose for; run `workbench ingest` first")
    asked = method
    method, model = resolve_propose_method(title, method)
    if progress:
        used = (f"title model {model.version_id}" if model is not None
                else f"classical method {method}")
        if asked is None and model is None:
            used += " (no trained title model; `workbench train` makes one)"
        print(f"propose: using {used}", file=sys.stderr)
    samples = {}
    for shot in tqdm(shots, desc="analyse", unit="shot", disable=not progress):
        samples[shot.name] = shot_working_frames(shot, ANALYSIS_FRAMES, ANALYSIS_WIDTH)[1]
    inner = _clip_areas(shots, samples, margin=1)  # statistics: bars and their smeared edge out
    picture = _clip_areas(shots, samples, margin=0)  # blanking: everything that may be picture
    stats = {s.name: shot_stats(samples[s.name], inner[s.clip.id]) for s in shots}
    blanking = {s.name: _full_resolution(picture[s.clip.id], s, samples[s.name]) for s in shots}

    version = model.model_version if model is not None else MATCH_METHODS[method].version
    fit = _Fitter(title, method, model, samples, {s.name: inner[s.clip.id] for s in shots})
    by_scene: dict[str, list[Shot]] = {}
    for shot in shots:
        by_scene.setdefault(shot.scene, []).append(shot)
    proposals = []
    with title.transaction():
        for scene, members in by_scene.items():
            anchor = title.anchor(scene)
            if anchor is None:
                name = choose_anchor({s.name: stats[s.name] for s in members},
                                     {s.name: s.frame_count for s in members})
                anchor = next(s for s in members if s.name == name)
                title.set_anchor(scene, anchor)
            for shot in members:
                if wanted is not None and shot.name not in wanted:
                    continue
                proposals.append(_propose_shot(title, shot, anchor, stats, blanking[shot.name],
                                               version, fit))
    return proposals


def _clip_areas(shots: list[Shot], samples: dict[str, torch.Tensor], margin: int
                ) -> dict[int, ActiveArea]:
    """Each clip's picture area: bars belong to the clip, so the union over its shots."""
    areas: dict[int, ActiveArea] = {}
    for shot in shots:
        a = active_area(samples[shot.name], margin)
        b = areas.get(shot.clip.id, a)
        areas[shot.clip.id] = ActiveArea(min(a.top, b.top), max(a.bottom, b.bottom),
                                         min(a.left, b.left), max(a.right, b.right))
    return areas


def _full_resolution(area: ActiveArea, shot: Shot, sample: torch.Tensor
                     ) -> dict[str, int] | None:
    """``area`` found on the analysis frames, at the clip's size; ``None`` if there are no bars."""
    h, w = sample.shape[-2:]
    full = area.scaled(shot.clip.height, shot.clip.width, h, w)
    return None if full.is_full(shot.clip.height, shot.clip.width) else full.to_dict()


def proposed_strength(confidence: float) -> float:
    """Strength to propose a match at: full when the model is sure, less as it is not.

    Below ``MIN_CONFIDENCE`` (a title card against a stage, say) the match is a guess, so it is
    proposed at 0: nothing changes unless an artist raises it.
    """
    if confidence < MIN_CONFIDENCE:
        return 0.0
    return round(min(1.0, confidence / FULL_CONFIDENCE) * 20) / 20


def skin_hue_shift(before: torch.Tensor, after: torch.Tensor) -> tuple[float, int]:
    """How much further from the skin-tone locus a grade moves a shot's skin-coloured pixels.

    ``before`` and ``after`` are the same pixels ``(P, 3)`` in linear ACEScg. Skin-coloured
    pixels are those of ``before`` inside the profiles' skin-tone locus (Oklab hue, chroma and
    lightness ranges of :mod:`workbench.model.profiles`, where skin of every complexion lies).

    Returns
    -------
    degrees, count
        How many degrees of Oklab hue the skin pixels' mean moves further from the locus's
        centre hue (negative: closer), and how many skin pixels there were (0.0 when fewer
        than :data:`SKIN_MIN_PIXELS` or :data:`SKIN_MIN_FRACTION` of them).
    """
    from workbench._colour import import_colour
    from workbench.model.profiles import SKIN_CHROMA, SKIN_HUE, SKIN_LIGHTNESS

    colour = import_colour()
    to_xyz = np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ)

    def oklab(px: torch.Tensor) -> np.ndarray:
        rgb = np.maximum(px.detach().double().numpy(), 0.0)
        return np.asarray(colour.XYZ_to_Oklab(rgb @ to_xyz.T))

    lab = oklab(before)
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    # Near-grey pixels of a street or a wall fall inside the locus too, but their hue swings
    # with any white balance; only clearly coloured, plentiful skin-like pixels are protected.
    skin = ((hue >= SKIN_HUE[0]) & (hue <= SKIN_HUE[1])
            & (chroma >= max(SKIN_CHROMA[0], SKIN_MIN_CHROMA))
            & (chroma <= SKIN_CHROMA[1]) & (lab[:, 0] >= SKIN_LIGHTNESS[0])
            & (lab[:, 0] <= SKIN_LIGHTNESS[1]))
    count = int(skin.sum())
    if count < max(SKIN_MIN_PIXELS, SKIN_MIN_FRACTION * len(lab)):
        return 0.0, count
    graded = oklab(after[torch.from_numpy(skin)])

    def mean_hue(ab: np.ndarray) -> float:
        # The hue of the mean colour: chroma-weighted, so the greyest pixels count least.
        mean = ab.mean(axis=0)
        return float(np.degrees(np.arctan2(mean[1], mean[0])))

    centre = (SKIN_HUE[0] + SKIN_HUE[1]) / 2

    def off(h: float) -> float:
        return abs((h - centre + 180) % 360 - 180)

    return off(mean_hue(graded[:, 1:])) - off(mean_hue(lab[skin, 1:])), count


def _protect_skin(grade: Pipeline, stats: ShotStats, strength: float) -> tuple[float, str]:
    """Lower ``strength`` so the grade moves skin at most the tolerance off the skin line."""
    if strength == 0.0 or len(grade) == 0:
        return strength, ""
    before = convert(stats.pixels_cct.T.reshape(1, 3, -1, 1).contiguous(), "ACEScct", "ACEScg")
    after = grade.apply(before)
    shift, _ = skin_hue_shift(before.reshape(3, -1).T, after.reshape(3, -1).T)
    if shift <= SKIN_HUE_TOLERANCE_DEG:
        return strength, ""
    capped = np.floor(min(strength, SKIN_HUE_TOLERANCE_DEG / shift) * 20) / 20
    return float(capped), (f"; skin protected: would move skin hue {shift:.0f}° away from the "
                           f"skin-tone locus, strength lowered to {capped:g}")


def _fit_record(found: Any, model: Any) -> dict[str, Any]:
    """What a fit was and how well it did on its shot: a proposal's ``details`` entry."""
    r = float(found.residual)
    return {"method": found.method,
            "version": model.version_id if model is not None else MATCH_METHODS[
                found.method].version,
            "confidence": round(float(found.confidence), 3),
            "residual": round(r, 3) if np.isfinite(r) else None, "measure": found.measure}


def _comparison(model: Any, classical: Any) -> str:
    """``model`` against ``classical`` on one shot, in words, when both were measured alike."""
    a, b = float(model.residual), float(classical.residual)
    if not (np.isfinite(a) and np.isfinite(b)) or model.measure != classical.measure:
        return f" (classical {classical.method} not comparable on this shot)"
    what = ("held-out residual {:.2f} ΔE2000" if model.measure == "ΔE2000"
            else "distribution mismatch {:.2f} (" + model.measure + ")")
    verdict = "better than" if a < b else ("as good as" if a == b else "worse than")
    return f" ({what.format(a)}, {verdict} classical {classical.method} at {b:.2f})"


class _Fitter:
    """Fits ``method`` for one propose run: every method through the one dispatcher."""

    def __init__(self, title: Title, method: str, model: Any, samples: dict[str, torch.Tensor],
                 areas: dict[str, ActiveArea]) -> None:
        self.title, self.method, self.model = title, method, model
        self.samples, self.areas = samples, areas
        self.details: dict[str, Any] = {}  # the last shot's fits, for its proposal's record
        self.preferences: dict[str, Any] = {}  # scene -> the artist preference learned for it

    def match(self, shot: Shot, anchor: Shot) -> tuple[MatchGrade, MatchGrade | None]:
        """The run's method's fit of ``shot`` to ``anchor`` and, with a model, the classical one.

        Writes nothing (the grade's LUT is written by :meth:`__call__`).
        """
        # Both fits (the method's and, with a model, the classical one it is compared with)
        # see the same crops, pixel samples and shared pixels: found once for the two.
        inputs = match_inputs(self.samples[shot.name], self.samples[anchor.name],
                              self.areas[shot.name], self.areas[anchor.name])
        found = match_frames(self.samples[shot.name], self.samples[anchor.name], self.method,
                             title_model=None if self.model is None else self.model.matcher,
                             reference_name=anchor.name, inputs=inputs)
        if self.model is None:
            return found, None
        # The classical fit propose would make without the model, measured the same way on
        # this shot: the record (and the report, the app) show which one fits it better.
        classical = match_frames(self.samples[shot.name], self.samples[anchor.name],
                                 NO_MODEL_METHOD, reference_name=anchor.name, inputs=inputs)
        return found, classical

    def __call__(self, shot: Shot, anchor: Shot, stats: dict[str, ShotStats]
                 ) -> tuple[Pipeline, float, str]:
        """The grade for ``shot``, its confidence and a note, by the run's method.

        Confidence is measured the same way for every method (:func:`match_frames`): from the
        grade's held-out residual, the ΔE2000 it leaves on pixels both shots show that no
        fit saw, or, when they share no surface, from how its distribution misses the
        anchor's (capped lower: such a match is a guess).
        """
        found, classical = self.match(shot, anchor)
        grade = found.pipeline(self.title.root / "luts")
        confidence = found.confidence
        self.details = {"model": _fit_record(found, self.model)}
        if classical is None:
            return grade, confidence, f"; {found.method} match"
        self.details["classical"] = _fit_record(classical, None)
        return grade, confidence, (f"; title model {self.model.version_id}"
                                   f"{_comparison(found, classical)}")


def _propose_shot(title: Title, shot: Shot, anchor: Shot, stats: dict[str, ShotStats],
                  area: dict[str, int] | None, version: str, fit: _Fitter) -> Proposal:
    if shot.id == anchor.id:
        return add_proposal(title, shot, Pipeline(), model_version=version, strength=1.0,
                            confidence=1.0, anchor=anchor, active_area=area,
                            summary=f"anchor of scene {shot.scene}: left as shot")
    grade, confidence, note = fit(shot, anchor, stats)
    grade, light_note = _with_lighting(grade, shot, anchor, fit)
    note += light_note
    strength = proposed_strength(confidence)
    summary = describe_difference(stats[shot.name], stats[anchor.name], anchor.name) + note
    if strength == 0.0:
        summary += "; low confidence, proposed at strength 0"
    strength, skin_note = _protect_skin(grade, stats[shot.name], strength)
    grade, strength, pref_note, pref = _with_preference(title, shot, grade, strength, fit)
    return add_proposal(title, shot, grade, model_version=version,
                        strength=strength, confidence=round(confidence, 3), anchor=anchor,
                        summary=summary + skin_note + pref_note, active_area=area,
                        details={**fit.details, "preference": pref} if pref else fit.details)


def _with_preference(title: Title, shot: Shot, grade: Pipeline, strength: float, fit: _Fitter
                     ) -> tuple[Pipeline, float, str, dict[str, Any] | None]:
    """``grade`` and ``strength`` moved toward what the artist chose on this title's shots.

    Learned once per scene and run from the journal's adjust decisions
    (:mod:`workbench.model.preference`); nothing changes while there are none.
    """
    from workbench.model.preference import learn_preference, prefer

    if shot.scene not in fit.preferences:
        fit.preferences[shot.scene] = learn_preference(title, shot.scene)
    return prefer(fit.preferences[shot.scene], grade, strength, title.settings.strength_cap)


def _with_lighting(grade: Pipeline, shot: Shot, anchor: Shot, fit: _Fitter
                   ) -> tuple[Pipeline, str]:
    """``grade`` then the lighting operators fitted to the light's shape, when it differs.

    Only where the shot shows its anchor's view (see :mod:`workbench.model.lighting`).
    """
    from workbench.model.lighting import add_lighting

    a = fit.areas[shot.name]
    return add_lighting(grade, fit.samples[shot.name], fit.samples[anchor.name],
                        (slice(a.top, a.bottom), slice(a.left, a.right)))
