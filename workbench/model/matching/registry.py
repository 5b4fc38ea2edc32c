"""The one registry of shot-match methods and the dispatcher that picks one by name.

A leaf module: it imports no other part of :mod:`workbench.model`, so every matcher (the
classical ones, the learned one, a plugin) registers here, and every caller (``workbench
match``, ``propose``, continuity fixes, the UI) resolves names here, without import cycles.

A method is ``fit(MatchInputs) -> PixelMap | Pipeline``: it estimates a colour transfer from
the two shots and returns it either as a function of linear ACEScg pixels or, when the method
is itself a chain of editable operators (a CDL, the learned matcher's Exposure + Matrix3x3 +
CDL), as that :class:`~workbench.ops.Pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import ParameterError

if TYPE_CHECKING:
    import torch

    from workbench.model.matching.correspond import Correspondence
    from workbench.ops import Pipeline

__all__ = [
    "AUTO",
    "AUTO_METHOD",
    "MATCH_METHODS",
    "Choice",
    "LearnedMatcher",
    "MatchInputs",
    "MatchMethod",
    "PixelMap",
    "method_names",
    "register_method",
    "resolve_method",
]

PixelMap = Callable[["torch.Tensor"], "torch.Tensor"]
"""A colour transfer: ``(P, 3)`` linear ACEScg in, ``(P, 3)`` linear ACEScg out."""

AUTO = "auto"
# What "auto" means without a trained title model: the most accurate method that needs none,
# measured by benchmarks/bench_match.py (36 relit real cases, same and other frames): von Kries
# worst case 0.72 mean ΔE2000 (mean 0.28), histogram 2.21 (0.90), MKL 2.79 (1.03), mean-std
# 3.02 (1.11), Reinhard 5.18 (1.28). It models what changed (a light), so differing content
# moves it least; it cannot undo a grade that is not a light change (contrast, saturation).
AUTO_METHOD = "von-kries"
TITLE_METHOD = "title"


class LearnedMatcher(Protocol):
    """What a method that ``needs_title_model`` is given: a trained matcher.

    :func:`workbench.model.title_model.as_matcher` gives one from a title model or directory.
    """

    def match(self, shot_frames: torch.Tensor, reference_frames: torch.Tensor) -> Pipeline:
        """The grade bringing ``shot_frames`` to ``reference_frames`` (both (N,3,H,W) ACEScg)."""
        ...


@dataclass(frozen=True)
class MatchInputs:
    """What a method sees: both shots' frames (active area only) and pixel samples.

    ``shot`` ``(N, 3, H, W)`` and ``reference`` ``(M, 3, H', W')`` are scene-linear ACEScg;
    ``shot_pixels`` / ``reference_pixels`` ``(P, 3)`` are finite ACEScg samples of them.
    ``title_model`` is the trained matcher for methods that need one, else ``None``.
    ``pairs`` are the pixels that show the same surface in both shots
    (:class:`~workbench.model.matching.correspond.Correspondence`), ``None`` when the views
    share too little to find them.
    """

    shot: torch.Tensor
    reference: torch.Tensor
    shot_pixels: torch.Tensor
    reference_pixels: torch.Tensor
    title_model: LearnedMatcher | None = None
    pairs: Correspondence | None = None


@dataclass(frozen=True)
class Choice:
    """What a method that chooses among candidates returns: the one chosen, and why.

    ``fitted`` is the chosen candidate's ``PixelMap | Pipeline``; ``name`` the candidate's;
    ``residual`` its held-out residual (mean ΔE2000 on shared pixels not fitted on, or a
    distribution mismatch when the views share none); ``scores`` every candidate's.
    ``pairs``, when not ``None``, are the shared pixels it was scored on instead of the
    reference's (the shot's with the title's own frames): confidence is measured there too.
    """

    fitted: Any
    name: str
    residual: float
    scores: dict[str, float]
    measure: str = "ΔE2000"
    pairs: Correspondence | None = None


@dataclass(frozen=True)
class MatchMethod:
    """A registered method: ``fit(inputs) -> PixelMap | Pipeline``.

    ``version`` is what a proposal made by it records as its model version.
    """

    name: str
    fit: Callable[[MatchInputs], Any]
    needs_title_model: bool = False
    description: str = ""
    version: str = ""


MATCH_METHODS: dict[str, MatchMethod] = {}


def register_method(name: str, fit: Callable[[MatchInputs], Any], *,
                    needs_title_model: bool = False, description: str = "",
                    version: str | None = None, replace: bool = False) -> MatchMethod:
    """Add a match method to :data:`MATCH_METHODS` (from any module: plugins, the learned matcher).

    Parameters
    ----------
    name
        Registry key, e.g. ``"mkl"``; lower case with hyphens, never ``"auto"``.
    fit
        ``fit(MatchInputs) -> PixelMap | Pipeline``: estimate, then return the transfer as a
        function of linear ACEScg pixels ``(P, 3)``, or as the operators it is made of.
    needs_title_model
        When True, the dispatcher refuses the method without a trained matcher.
    description
        One line for help texts and the proposal's model version.
    version
        The model version a proposal records (default: ``match/<name> (<description>; CDL +
        LUT in ACEScct)``).
    replace
        Allow replacing an existing entry.
    """
    if not name or name != name.strip().lower() or name == AUTO:
        raise ParameterError(f"match method name must be lower case and not 'auto', got {name!r}")
    if name in MATCH_METHODS and not replace:
        raise ParameterError(f"match method {name!r} is already registered; pass replace=True")
    if version is None:
        version = f"match/{name} ({description}; CDL + LUT in ACEScct)"
    method = MatchMethod(name, fit, needs_title_model, description, version)
    MATCH_METHODS[name] = method
    return method


def method_names() -> list[str]:
    """Every name :func:`resolve_method` accepts: ``auto``, then the registered methods."""
    return [AUTO, *MATCH_METHODS]


def resolve_method(method: str, title_model: LearnedMatcher | None = None) -> MatchMethod:
    """The dispatcher: the registered :class:`MatchMethod` that ``method`` names.

    ``"auto"`` means the same everywhere (``workbench match``, ``propose``, continuity fixes,
    the UI): the title's learned matcher (``"title"``) when a trained ``title_model`` is given,
    otherwise :data:`AUTO_METHOD` (``"von-kries"``, which measured best on changes of light and
    needs no training).

    Raises
    ------
    ParameterError
        An unknown name (the message lists the valid ones), or a method that needs a trained
        title model called without one.
    """
    if method == AUTO:
        name = TITLE_METHOD if title_model is not None and TITLE_METHOD in MATCH_METHODS \
            else AUTO_METHOD
    else:
        name = method
    if name not in MATCH_METHODS:
        raise ParameterError(f"unknown match method {method!r}; known: "
                             f"{', '.join(method_names())}")
    found = MATCH_METHODS[name]
    if found.needs_title_model and title_model is None:
        classical = ", ".join(n for n, m in MATCH_METHODS.items() if not m.needs_title_model)
        raise ParameterError(f"match method {name!r} needs a trained title model (pass "
                             "title_model=, or --title-model DIR; train one with `workbench "
                             f"train`), or use a classical method: {classical}")
    return found
