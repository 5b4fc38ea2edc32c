"""Composites and integrations of files, done at once or proposed to a title and rendered later.

``workbench composite`` and ``workbench integrate`` call these: :func:`load_composite` and
:func:`load_integration` read and check every input before anything is computed (so a bad
input writes nothing), :func:`run_composite` / :func:`run_integration` fit and apply,
:func:`propose_composite` / :func:`propose_integration` journal the fit as a proposal
(:mod:`workbench.title.composites`: sources hashed, the match grade as a pipeline whose LUT is
kept in the title's ``luts/``), and :func:`render_comp` renders an accepted proposal from what
was stored, after checking that no source changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from workbench.errors import ShapeError
from workbench.matte.background import BackgroundFit, BackgroundResult, replace_background
from workbench.matte.comp_files import Still, check_sizes, read_matte, read_still, write_result
from workbench.matte.grain_match import GrainFit
from workbench.matte.integrate import Integration, IntegrationFit, integrate
from workbench.ops import Pipeline
from workbench.title import Title
from workbench.title.composites import (
    CompProposal,
    add_comp_proposal,
    check_renderable,
    check_sources,
    hashed_source,
    record_comp_render,
)

__all__ = [
    "CompositeInputs",
    "CompositeOptions",
    "IntegrationInputs",
    "IntegrationOptions",
    "load_composite",
    "load_integration",
    "propose_composite",
    "propose_integration",
    "render_comp",
    "run_composite",
    "run_integration",
]


@dataclass(frozen=True)
class CompositeOptions:
    """Settings of a background replacement (see :func:`replace_background`)."""

    strength: float = 1.0
    match: str | None = "auto"
    defocus: bool = True
    decontaminate: bool = True
    light_wrap: float = 0.1
    light_wrap_radius: float = 8.0


@dataclass(frozen=True)
class IntegrationOptions:
    """Settings of an integration (see :func:`~workbench.matte.integrate.integrate`)."""

    strength: float = 1.0
    match: str | None = "auto"
    sharpness: bool = True
    grain: bool = True
    vignette: float = 0.0
    distortion: tuple[float, float] = (0.0, 0.0)
    seed: int = 0


@dataclass(frozen=True)
class CompositeInputs:
    """A plate, its matte and a new background, read and checked."""

    plate: Still
    matte: torch.Tensor
    matte_path: Path
    background: Still


@dataclass(frozen=True)
class IntegrationInputs:
    """An element with its alpha (or a separate matte) and the plate, read and checked."""

    element: Still
    alpha: torch.Tensor
    matte_path: Path | None
    plate: Still


def load_composite(fg: str | Path, matte: str | Path, bg: str | Path | Still) -> CompositeInputs:
    """Read and check the inputs of a composite; errors name the file.

    ``bg`` may be a :class:`Still` already read (a movie's frame, say).
    """
    plate = read_still(fg)
    alpha = read_matte(matte)
    background = bg if isinstance(bg, Still) else read_still(bg)
    check_sizes({plate.path.name: plate.size,
                 Path(matte).name: (int(alpha.shape[-1]), int(alpha.shape[-2])),
                 background.path.name: background.size})
    return CompositeInputs(plate, alpha, Path(matte), background)


def load_integration(element: str | Path, plate: str | Path,
                     matte: str | Path | None = None) -> IntegrationInputs:
    """Read and check the inputs of an integration; errors name the file.

    The element's alpha is ``matte`` when given, else its own alpha channel; an element with
    neither is refused.
    """
    el = read_still(element)
    pl = read_still(plate)
    if matte is not None:
        alpha = read_matte(matte)
    elif el.alpha is not None:
        alpha = el.alpha
    else:
        raise ShapeError(f"{el.path.name}: the element has no alpha channel; give its matte "
                         f"with --matte")
    sizes = {el.path.name: el.size, pl.path.name: pl.size}
    if matte is not None:
        sizes[Path(matte).name] = (int(alpha.shape[-1]), int(alpha.shape[-2]))
    check_sizes(sizes)
    return IntegrationInputs(el, alpha, None if matte is None else Path(matte), pl)


def run_composite(inputs: CompositeInputs, options: CompositeOptions,
                  fit: BackgroundFit | None = None, strength: float | None = None
                  ) -> BackgroundResult:
    """Fit (unless ``fit`` is given) and composite; ``strength`` overrides the options'."""
    return replace_background(
        inputs.plate.rgb, inputs.matte, inputs.background.rgb,
        strength=options.strength if strength is None else strength, match=options.match,
        defocus=options.defocus, decontaminate_edges=options.decontaminate,
        light_wrap_amount=options.light_wrap, light_wrap_radius=options.light_wrap_radius,
        fit=fit)


def run_integration(inputs: IntegrationInputs, options: IntegrationOptions,
                    fit: IntegrationFit | None = None, strength: float | None = None,
                    report: bool = True) -> Integration:
    """Fit (unless ``fit`` is given), integrate and report."""
    return integrate(inputs.element.rgb, inputs.alpha, inputs.plate.rgb,
                     strength=options.strength if strength is None else strength, fit=fit,
                     report=report, match=options.match, sharpness=options.sharpness,
                     grain=options.grain, vignette=options.vignette,
                     distortion=options.distortion, seed=options.seed)


def _grade_dict(grade: Any, title: Title) -> dict[str, Any] | None:
    if grade is None:
        return None
    if isinstance(grade, Pipeline):
        return grade.to_dict()
    return grade.pipeline(title.root / "luts", 1.0).to_dict()


def _grade_from(data: dict[str, Any] | None) -> Pipeline | None:
    if data is None:
        return None
    import workbench.interchange.lut_files  # noqa: F401  (reads the .cube a LUT3D names)
    return Pipeline.from_dict(data, "stored match grade")


def propose_composite(title: Title, inputs: CompositeInputs, options: CompositeOptions,
                      out: str | Path, matte_model: str = "file") -> CompProposal:
    """Fit a background replacement and journal it as a proposal; nothing is rendered."""
    result = run_composite(inputs, options)
    params = {"options": {"match": options.match, "defocus": options.defocus,
                          "decontaminate": options.decontaminate,
                          "light_wrap": options.light_wrap,
                          "light_wrap_radius": options.light_wrap_radius},
              "fit": result.fit.to_dict() | {"grade": _grade_dict(result.fit.grade, title)}}
    sources = {"plate": hashed_source(inputs.plate.path),
               "matte": hashed_source(inputs.matte_path),
               "background": hashed_source(inputs.background.path)}
    return add_comp_proposal(title, "composite", sources, matte_model=matte_model,
                             params=params, output=out, strength=options.strength,
                             summary=result.fit.summary())


def propose_integration(title: Title, inputs: IntegrationInputs, options: IntegrationOptions,
                        out: str | Path, matte_model: str = "file") -> tuple[CompProposal,
                                                                               Integration]:
    """Fit an integration and journal it with its statistics; nothing is rendered."""
    result = run_integration(inputs, options)
    params = {"options": {"match": options.match, "sharpness": options.sharpness,
                          "grain": options.grain},
              "fit": result.fit.to_dict() | {"grade": _grade_dict(result.fit.grade, title)}}
    sources = {"plate": hashed_source(inputs.plate.path),
               "element": hashed_source(inputs.element.path)}
    if inputs.matte_path is not None:
        sources["matte"] = hashed_source(inputs.matte_path)
    model = matte_model if inputs.matte_path is not None else "the element's alpha channel"
    report = result.report.to_dict() if result.report is not None else None
    proposal = add_comp_proposal(title, "integrate", sources, matte_model=model, params=params,
                                 output=out, strength=options.strength,
                                 summary=result.fit.summary(), report=report)
    return proposal, result


def _background_fit(params: dict[str, Any]) -> BackgroundFit:
    fit = params["fit"]
    return BackgroundFit(float(fit["defocus"]), _grade_from(fit.get("grade")),
                         fit.get("plate_detail"), fit.get("background_detail"))


def _integration_fit(params: dict[str, Any]) -> IntegrationFit:
    fit = params["fit"]
    grain = GrainFit.from_dict(fit["grain"]) if fit.get("grain") else None
    k1, k2 = (float(k) for k in fit["distortion"])
    return IntegrationFit(_grade_from(fit.get("grade")), float(fit["blur"]),
                          float(fit["sharpen"]), float(fit["sharpen_radius"]),
                          float(fit["vignette"]), (k1, k2), grain)


def render_comp(title: Title, pid: int, out: str | Path | None = None) -> Path:
    """Render accepted proposal ``pid`` to its output (or ``out``) and record the render.

    Refused (:class:`~workbench.errors.DecisionError`) unless its latest decision is accept or
    adjust, and (:class:`~workbench.errors.MediaError`) when a source is missing or its bytes
    changed since the proposal. The stored fit is applied as it is, at the decided strength;
    nothing is re-measured.
    """
    proposal, decision = check_renderable(title, pid)
    check_sources(proposal)
    target = Path(out) if out is not None else Path(proposal.output)
    strength = float(decision.strength if decision.strength is not None else 0.0)
    src = proposal.sources
    note = {"workbench:comp": f"{proposal.kind} {proposal.id}",
            "workbench:decision": decision.id}
    if proposal.kind == "composite":
        inputs = load_composite(src["plate"]["path"], src["matte"]["path"],
                                src["background"]["path"])
        image = run_composite(inputs, CompositeOptions(**proposal.params["options"]),
                              _background_fit(proposal.params), strength).image
        write_result(target, image, metadata=note)
    else:
        el = load_integration(src["element"]["path"], src["plate"]["path"],
                              src["matte"]["path"] if "matte" in src else None)
        image = run_integration(el, IntegrationOptions(), _integration_fit(proposal.params),
                                strength, report=False).image
        write_result(target, image, metadata=note)
    if not title.read_only:
        record_comp_render(title, decision, target.absolute(), 1)
    return target
