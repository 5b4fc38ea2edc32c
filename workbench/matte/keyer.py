"""The keyer: one declarative settings object and one entry point, ``key(plate, settings)``.

:class:`Keyer` holds every setting of a key as a ``param`` parameter with its type, default,
hard bounds, slider range and help, so a panel (the MatteView widget) is generated from it and
a key is repeated from its stored JSON. :func:`key` runs it on a plate:

* with no clean plate: a colour-difference chroma key against a smooth screen field estimated
  from the plate (:mod:`~workbench.matte.screen`, :mod:`~workbench.matte.chroma`), the screen
  unmixed from the foreground and the spill removed (:mod:`~workbench.matte.despill`);
* with a clean plate: a difference key (:mod:`~workbench.matte.difference`);

then core and edge mattes, erode and soften (:mod:`~workbench.matte.shaping`), edge refinement
by a guided filter (:mod:`~workbench.matte.refine`), and garbage and holdout mattes.
Plates wider than 1024 pixels are keyed at half size and brought back to full size by the
fast guided filter (its coefficients at half size, applied to the full-size plate), so the
matte's edges follow the plate's own detail; unmixing and despill run at full size.
Images are linear ``(B, 3, H, W)`` float32 (the working space, ACEScg); mattes ``(B, 1, H, W)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.matte._filters import resize
from workbench.matte.chroma import chroma_alpha, projected_alpha, unmix_screen
from workbench.matte.despill import despill, spill
from workbench.matte.difference import difference_alpha
from workbench.matte.refine import guided_refine
from workbench.matte.screen import (
    SCREENS,
    detect_screen,
    estimate_screen_field,
    proxy,
    screen_field_from_colour,
)
from workbench.matte.shaping import (
    apply_garbage,
    apply_holdout,
    core_matte,
    erode_matte,
    soften_matte,
)

__all__ = ["KeyResult", "Keyer", "key"]


@dataclass(frozen=True)
class KeyResult:
    """What a key gives.

    Attributes
    ----------
    alpha
        ``(B, 1, H, W)`` float32 in [0, 1]; 1 is the subject.
    foreground
        ``(B, 3, H, W)`` linear, **premultiplied** by ``alpha``: the screen (or clean plate)
        unmixed and the spill removed. Composite with ``foreground + (1 - alpha) * background``.
        Not clamped.
    despilled
        ``(B, 3, H, W)`` linear, unpremultiplied: the whole plate with the spill removed, for a
        compositor that brings its own matte. Not clamped.
    screen
        ``(B, 3, H, W)`` linear: the screen field keyed against (the clean plate for a
        difference key).
    screen_name
        ``"green"``, ``"blue"`` or ``"clean plate"``.
    """

    alpha: torch.Tensor
    foreground: torch.Tensor
    despilled: torch.Tensor
    screen: torch.Tensor
    screen_name: str


class Keyer(param.Parameterized):
    """Settings of a key: type, default, bounds and help each, so a widget is generated from them.

    ``strength`` 0 is the identity: alpha 1 everywhere and the plate unchanged, bit for bit.
    """

    schema_version: ClassVar[int] = 1

    screen: param.Selector = param.Selector(
        default="auto", objects=["auto", "green", "blue"], label="Screen",
        doc="The screen colour; auto decides from the frame's border.")
    screen_colour = param.NumericTuple(default=None, length=3, allow_None=True,
                                       label="Screen colour",
                                       doc="A picked linear RGB screen colour (an even screen); "
                                           "None estimates the screen's light across the frame.")
    screen_smoothness = param.Number(0.1, bounds=(0.01, 2.0), softbounds=(0.02, 0.5), step=0.01,
                                     label="Screen smoothness",
                                     doc="Scale of the screen's uneven light, in picture heights.")
    balance = param.Number(0.5, bounds=(0.0, 1.0), step=0.01, label="Balance",
                           doc="Weight of red against the third channel in the colour difference.")
    shade = param.Number(1.0, bounds=(0.0, 1.0), step=0.01, label="Shade key",
                         doc="Keep what is darker than the screen in the screen's channel "
                             "(a dark blue shirt on blue).")
    hue = param.Number(3.0, bounds=(0.0, 20.0), softbounds=(0.0, 8.0), step=0.1,
                       label="Hue key", doc="Keep what leaves the screen's hue (yellow-green "
                       "leaves on green): the gain of that distance.")
    edge_unmix = param.Number(4.0, bounds=(0.0, 64.0), softbounds=(0.0, 16.0), step=0.5,
                              label="Edge unmix (px)",
                              doc="Re-measure soft edges against the subject's colour found "
                                  "this near (pixels); 0 keeps the raw key's edges.")
    clip_black = param.Number(0.05, bounds=(0.0, 0.99), softbounds=(0.0, 0.5), step=0.005,
                              label="Clip black", doc="Raw alpha mapped to 0: cleans the screen.")
    clip_white = param.Number(0.7, bounds=(0.01, 1.0), softbounds=(0.5, 1.0), step=0.005,
                              label="Clip white", doc="Raw alpha mapped to 1: fills the subject.")
    core_level = param.Number(0.5, bounds=(0.01, 1.0), step=0.01, label="Core level",
                              doc="Alpha from which the hard core matte starts (1: no core).")
    core_shrink = param.Integer(3, bounds=(0, 50), softbounds=(0, 20), label="Core shrink (px)",
                                doc="How far the core matte is eroded inside the edge.")
    erode = param.Integer(0, bounds=(-50, 50), softbounds=(-10, 10), label="Erode (px)",
                          doc="Shrink (positive) or grow (negative) the matte.")
    soften = param.Number(0.0, bounds=(0.0, 50.0), softbounds=(0.0, 10.0), step=0.1,
                          label="Soften (px)", doc="Gaussian blur of the matte's edge.")
    refine_radius = param.Integer(2, bounds=(0, 64), softbounds=(0, 16),
                                  label="Refine radius (px)",
                                  doc="Guided-filter window radius; 0 turns refinement off.")
    refine_eps = param.Number(1e-3, bounds=(1e-6, 1.0), softbounds=(1e-5, 0.1), step=1e-5,
                              label="Refine smoothing",
                              doc="Guided-filter regularisation: larger is smoother.")
    despill_method: param.Selector = param.Selector(default="average", objects=["average", "limit"],
                                    label="Despill", doc="Limit the screen channel to the mean "
                                    "(average) or the larger (limit) of the other two.")
    spill_limit = param.Number(0.1, bounds=(0.0, 1.0), step=0.01, label="Spill limit",
                               doc="The most spill removed, as a share of the screen's own "
                                   "excess: keeps green subjects green (1: no limit).")
    despill_strength = param.Number(1.0, bounds=(0.0, 1.0), step=0.01, label="Despill strength",
                                    doc="0 keeps the spill; 1 removes it all.")
    difference_low = param.Number(0.02, bounds=(0.0, 10.0), softbounds=(0.0, 0.2), step=0.001,
                                  label="Difference low",
                                  doc="Difference key: distance to the clean plate that is 0.")
    difference_high = param.Number(0.08, bounds=(1e-4, 10.0), softbounds=(0.0, 0.5), step=0.001,
                                   label="Difference high",
                                   doc="Difference key: distance to the clean plate that is 1.")
    strength = param.Number(1.0, bounds=(0.0, 1.0), step=0.01, label="Strength",
                            doc="0 keys nothing (alpha 1, plate unchanged); 1 the full key.")

    def __init__(self, **params: Any) -> None:
        unknown = sorted(k for k in params if k not in self.param or k == "name")
        if unknown:
            raise ParameterError(f"Keyer: unknown parameter(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(self.parameter_names())}")
        for k, v in params.items():
            if isinstance(v, float) and not math.isfinite(v):
                raise ParameterError(f"Keyer.{k} must be finite, got {v}")
            bounds = getattr(self.param[k], "bounds", None)
            if isinstance(v, int | float) and bounds is not None:
                lo, hi = bounds
                if (lo is not None and v < lo) or (hi is not None and v > hi):
                    raise ParameterError(f"Keyer.{k} must be in [{lo}, {hi}], got {v}")
        try:
            super().__init__(**params)
        except ValueError as exc:
            raise ParameterError(f"Keyer: {exc}") from None
        if not self.clip_black < self.clip_white:
            raise ParameterError(f"Keyer.clip_black must be below clip_white, got "
                                 f"{self.clip_black} and {self.clip_white}")
        if not self.difference_low < self.difference_high:
            raise ParameterError(f"Keyer.difference_low must be below difference_high, got "
                                 f"{self.difference_low} and {self.difference_high}")

    @classmethod
    def parameter_names(cls) -> list[str]:
        """Declared parameters in declaration order (without param's ``name``)."""
        return [n for n in cls.param if n != "name"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"schema": "Keyer.1", "params": {...}}``."""
        params = {n: getattr(self, n) for n in self.parameter_names()}
        if params["screen_colour"] is not None:
            params["screen_colour"] = [float(c) for c in params["screen_colour"]]
        return {"schema": f"Keyer.{self.schema_version}", "params": params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Keyer:
        """Inverse of :meth:`to_dict`."""
        if data.get("schema") != f"Keyer.{cls.schema_version}":
            raise ParameterError(f"Keyer: cannot read schema {data.get('schema')!r}")
        params = dict(data.get("params", {}))
        if params.get("screen_colour") is not None:
            params["screen_colour"] = tuple(params["screen_colour"])
        return cls(**params)


def _screen_name(plate: torch.Tensor, wanted: str) -> str:
    if wanted == "auto":
        names = detect_screen(plate)
        return max(set(names), key=names.count)  # one shot, one screen
    if wanted not in SCREENS:
        raise ParameterError(f"screen must be auto, {', '.join(SCREENS)}; got {wanted!r}")
    return wanted


KEY_WIDTH = 1024  # wider plates are keyed at half size and refined back to full size
SNAP = 1e-4  # refined alpha this close to 0 or 1 is 0 or 1: the filter's rounding, not an edge
EDGE_TILE = 64  # the guided filter runs only on tiles this wide (key pixels) near an edge


def _chroma(work: torch.Tensor, s: Keyer, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The chroma key's raw alpha and screen field at ``work``'s size (no refinement yet)."""
    if s.screen_colour is not None:
        field = screen_field_from_colour(work, s.screen_colour)
    else:
        # A first key on the proxy picks the bare screen better than colour alone.
        small = proxy(work)
        first = estimate_screen_field(small, name, s.screen_smoothness, s.balance)
        rough = chroma_alpha(small, first, name, s.balance, s.clip_black, s.clip_white,
                             s.shade, s.hue)
        field = estimate_screen_field(work, name, s.screen_smoothness, s.balance,
                                      alpha=erode_matte(rough, -2))
    alpha = chroma_alpha(work, field, name, s.balance, s.clip_black, s.clip_white,
                         s.shade, s.hue)
    if s.edge_unmix > 0:
        alpha = projected_alpha(work, alpha, field, s.edge_unmix)
    return alpha, field


def _shape(alpha: torch.Tensor, work: torch.Tensor, s: Keyer) -> torch.Tensor:
    """Core, refinement (to ``work``'s size, which may be twice ``alpha``'s), erode, soften."""
    size = (work.shape[-2], work.shape[-1])
    sub = 1 if tuple(alpha.shape[-2:]) == size else 2
    core = core_matte(alpha, s.core_level, s.core_shrink) if s.core_level < 1.0 else None
    if s.refine_radius > 0:
        # A half-size key is refined by the fast guided filter: its coefficients at half size,
        # applied to the full-size plate, so edges follow the plate's own full-size detail.
        alpha = guided_refine(alpha, work, s.refine_radius * sub, s.refine_eps, sub,
                              tile=EDGE_TILE)
        alpha = alpha.masked_fill_(alpha < SNAP, 0.0).masked_fill_(alpha > 1.0 - SNAP, 1.0)
    else:
        alpha = resize(alpha, size)
    if core is not None:
        alpha = torch.maximum(alpha, resize(core, size, "nearest"), out=alpha)  # combine_core_edge
    if s.erode:
        alpha = erode_matte(alpha, s.erode * sub)
    if s.soften > 0:
        alpha = soften_matte(alpha, s.soften * sub)
    return alpha


def key(
    plate: torch.Tensor,
    settings: Keyer | None = None,
    clean_plate: torch.Tensor | None = None,
    garbage: torch.Tensor | None = None,
    holdout: torch.Tensor | None = None,
    threads: int | None = None,
) -> KeyResult:
    """Key ``plate``: a chroma key, or a difference key when ``clean_plate`` is given.

    Parameters
    ----------
    plate
        Linear RGB in the working space; any range (nothing is clamped but alpha).
    settings
        A :class:`Keyer`; ``None`` uses its defaults.
    clean_plate
        The background of a static shot, ``(1|B, 3, H, W)`` linear, same size as ``plate``.
    garbage, holdout
        Optional ``(1|B, 1, H, W)`` mattes in [0, 1]: outside ``garbage`` is keyed out, inside
        ``holdout`` kept opaque (see :mod:`workbench.matte.shaping`).
    threads
        Torch threads for this key only (the process's setting is restored after); ``None``
        keeps the process's. One thread per key is faster when frames are keyed in parallel
        or the machine is busy: torch's idle threads spin at every barrier.

    Returns
    -------
    KeyResult
        ``alpha``, premultiplied ``foreground``, ``despilled`` plate, ``screen`` field.

    Raises
    ------
    ShapeError
        ``plate`` is not ``(B, 3, H, W)`` float, or a clean plate or matte does not fit it.
    ParameterError
        An unknown screen name, or ``threads`` below 1.

    Shape
    -----
    ``(B, 3, H, W)`` → alpha ``(B, 1, H, W)``, colours ``(B, 3, H, W)``
    """
    if threads is None:
        return _key(plate, settings, clean_plate, garbage, holdout)
    if threads < 1:
        raise ParameterError(f"key: threads must be >= 1 or None, got {threads}")
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _key(plate, settings, clean_plate, garbage, holdout)
    finally:
        torch.set_num_threads(before)


def _key(
    plate: torch.Tensor,
    settings: Keyer | None,
    clean_plate: torch.Tensor | None,
    garbage: torch.Tensor | None,
    holdout: torch.Tensor | None,
) -> KeyResult:
    check_image(plate, "key plate")
    s = settings if settings is not None else Keyer()
    if clean_plate is not None:
        check_image(clean_plate, "key clean plate")
        if clean_plate.shape[-2:] != plate.shape[-2:]:
            raise ShapeError(f"clean plate: size {clean_plate.shape[-1]}x{clean_plate.shape[-2]} "
                             f"does not match the plate ({plate.shape[-1]}x{plate.shape[-2]})")
    if s.strength == 0.0:
        b, _, h, w = plate.shape
        ones = torch.ones((b, 1, h, w), dtype=plate.dtype, device=plate.device)
        screen = (clean_plate.expand_as(plate).clone() if clean_plate is not None
                  else torch.zeros_like(plate))
        return KeyResult(ones, plate.clone(), plate.clone(), screen,
                         "clean plate" if clean_plate is not None else
                         _screen_name(plate, s.screen))
    # Keyed on finite values (NaN and Inf as 0, which keys as subject); the foreground keeps
    # the plate's own values.
    finite = bool(torch.isfinite(plate.sum()))  # one reduction: no mask when all is finite
    work = plate if finite else torch.where(torch.isfinite(plate), plate, 0.0)
    spill_limit: torch.Tensor | None = None
    if clean_plate is not None:
        name = "clean plate"
        field = clean_plate.to(plate.dtype).expand_as(plate)
        alpha = difference_alpha(work, field, s.difference_low, s.difference_high)
    else:
        name = _screen_name(work, s.screen)
        if work.shape[-1] > KEY_WIDTH:
            h, w = work.shape[-2:]
            alpha, field = _chroma(resize(work, (h // 2, w // 2), "area"), s, name)
        else:
            alpha, field = _chroma(work, s, name)
        if name in SCREENS and s.despill_strength > 0 and s.spill_limit < 1.0:
            # The field is smooth: its spill is worked out before it is brought to full size.
            spill_limit = resize(s.spill_limit * spill(field, name, s.despill_method),
                                 (work.shape[-2], work.shape[-1]))
        field = resize(field, (work.shape[-2], work.shape[-1]))
    alpha = _shape(alpha, work, s)
    if garbage is not None:
        alpha = apply_garbage(alpha, garbage)
    if holdout is not None:
        alpha = apply_holdout(alpha, holdout)
    if s.strength < 1.0:
        alpha = torch.lerp(torch.ones_like(alpha), alpha, s.strength)
    foreground = unmix_screen(plate, alpha, field)
    if name in SCREENS and s.despill_strength > 0:
        k = s.despill_strength * s.strength
        limit = spill_limit if s.spill_limit < 1.0 else None
        despilled = despill(plate, name, s.despill_method, k, limit=limit)
        foreground = despill(foreground, name, s.despill_method, k,
                             limit=None if limit is None else limit.mul_(alpha), in_place=True)
    else:
        despilled = plate.clone()
    return KeyResult(alpha, foreground, despilled, field.contiguous(), name)
