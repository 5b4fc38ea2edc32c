"""The title's learned look: from camera-normalised (ungraded) pixels to the graded ones.

:func:`fit_look` learns the look from before/after pairs; :class:`LookModel` applies it at a
strength, saves it as ``model.safetensors`` + ``look.json`` and exports it as a ``.cube`` (exact
at the LUT's nodes) or, approximately, as an ASC CDL fitted by ΔE2000 on the colours it was
taught (:mod:`workbench.interchange.cdl_fit`), which says how close it comes.

The look works in an *encoded* space where equal steps look about equally different:
sRGB-encoded values for display-referred stills, ACEScct for scene-linear footage. Pairs come in
that space and the model's JSON records which; the ``.cube`` takes that encoding in and gives it
out. The network (:mod:`workbench.model.look_net`) is monotone per-channel curves, a 3x3 matrix,
saturation/hue/lightness terms smooth in hue and a smooth residual 3D LUT, trained with Adam on
one mean pair per colour bin (:mod:`workbench.model.look_data`). It is one look for every image
(not image-adaptive as in Zeng et al.): ``for_image`` in the exports only chooses which colours
the CDL is fitted on (by default the training before-colours, kept in the weights file).

Example
-------
>>> import torch
>>> before = [torch.rand(1, 3, 32, 32)]
>>> look = fit_look(before, [b ** 1.2 for b in before], space="sRGB", steps=20, progress=False)
>>> bool(torch.equal(look.apply(before[0], strength=0.0), before[0]))
True
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from workbench.checks import check_image
from workbench.color import delta_e_2000, resolve_space
from workbench.errors import ColourSpaceError, ParameterError, TitleError
from workbench.interchange.cdl_fit import CDLFit, fit_cdl_to_grade
from workbench.interchange.cube import CubeLUT
from workbench.io.atomic import atomic_dir
from workbench.model.look_data import ColourPairs, bin_pairs, coarsen_colours, pairs_sha256
from workbench.model.look_net import CURVE_KNOTS, HUE_ORDER, LUT_LEVELS, LookNet
from workbench.model.progress import TrainCallback, TrainProgress, wants_stop
from workbench.ops import CDLValues
from workbench.schema import check_readable, register_upgrade, upgrade

__all__ = ["LOOK_SCHEMA", "LOOK_SPACES", "LookModel", "LookSettings", "fit_look"]

LOOK_SCHEMA = "LookModel.3"  # .3: the training colours travel in the weights file
WEIGHTS_FILE = "model.safetensors"
JSON_FILE = "look.json"
_COLOURS, _COUNTS = "training_colours", "training_counts"
CDL_BINS = 32
"""Bins per channel of the colours a CDL is fitted on (a few thousand colours at most)."""

#: Encoded spaces a look can be learned in, with the values its LUT domain spans. ACEScct's
#: 1.25 is linear ~5.5 (2.5 stops over diffuse white); above it the border of the LUT holds.
LOOK_SPACES: dict[str, tuple[float, float]] = {
    "sRGB": (0.0, 1.0),
    "Rec.709": (0.0, 1.0),
    "ACEScct": (0.0, 1.25),
}


def _domain(space: str) -> tuple[float, float]:
    if space not in LOOK_SPACES:
        raise ColourSpaceError(f"look space must be one of {sorted(LOOK_SPACES)}, got {space!r}")
    resolve_space(space)
    return LOOK_SPACES[space]


@dataclass(frozen=True)
class LookSettings:
    """How :func:`fit_look` trains; stored in ``look.json``.

    Attributes
    ----------
    steps : int
        Adam steps over every colour bin.
    lr : float
        Adam's learning rate, decayed on a cosine to 5 % by the last step.
    bins : int
        Colour bins per channel that the pairs are averaged into.
    smooth : float
        Weight of the residual LUT's squared second derivative (how linearly it extrapolates).
    magnitude : float
        Weight pulling the residual LUT toward zero where no pair says otherwise.
    curve_smooth : float
        Weight of the curves' squared second derivative.
    global_first : float
        Share of the steps spent on the curves and matrix alone, before the residual LUT
        learns.
    count_power : float
        Each bin weighs ``count ** count_power``: 1 fits the pixels as shot, 0 every colour
        alike; in between keeps rare colours (and other images' colours) from being ignored.
    hue_order : int
        Highest harmonic of the hue terms (0: none, as in ``LookModel.1``).
    hue_smooth : float
        Weight of the hue terms' squared derivative in hue.
    """

    steps: int = 400
    lr: float = 0.01
    bins: int = 64
    smooth: float = 1e-6
    magnitude: float = 1e-6
    curve_smooth: float = 1e-7
    count_power: float = 0.25
    global_first: float = 0.15
    levels: tuple[int, ...] = LUT_LEVELS
    knots: int = CURVE_KNOTS
    hue_order: int = HUE_ORDER
    hue_smooth: float = 1e-3

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON values."""
        return {"steps": self.steps, "lr": self.lr, "bins": self.bins, "smooth": self.smooth,
                "magnitude": self.magnitude, "curve_smooth": self.curve_smooth,
                "count_power": self.count_power, "global_first": self.global_first,
                "levels": list(self.levels), "knots": self.knots,
                "hue_order": self.hue_order, "hue_smooth": self.hue_smooth}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LookSettings:
        """Settings from :meth:`to_dict`'s output."""
        d = dict(d)
        d["levels"] = tuple(d.get("levels", LUT_LEVELS))
        d.setdefault("hue_order", 0)  # LookModel.1 had no hue terms
        return cls(**d)


@dataclass
class LookModel:
    """A learned look in an encoded space, applied as ``x + strength * (look(x) - x)``.

    Attributes
    ----------
    net : LookNet
        The network, on normalised values.
    space : str
        The encoded space of input and output (``"sRGB"``, ``"ACEScct"``...).
    metadata : dict
        What ``look.json`` holds besides the weights: seed, training-data hash, settings,
        metrics, and any namespaced keys a caller adds (e.g. ``"workbench.cli"``).
    colours, colour_counts : torch.Tensor or None
        ``(M, 3)`` float32 before-colours of the training pixels in :attr:`space` (merged into
        :data:`CDL_BINS` bins per channel) and ``(M,)`` float64 pixels per colour: what
        :meth:`cdl_fit` fits on. ``None`` for a look saved before ``LookModel.3``.
    """

    net: LookNet
    space: str
    metadata: dict[str, Any] = field(default_factory=dict)
    colours: torch.Tensor | None = None
    colour_counts: torch.Tensor | None = None

    @property
    def domain(self) -> tuple[float, float]:
        """Encoded values that the LUT spans, ``(lo, hi)``."""
        return LOOK_SPACES[self.space]

    def _look_rgb(self, rgb: torch.Tensor, chunk: int = 1 << 20) -> torch.Tensor:
        """The full-strength look on ``(N, 3)`` encoded values."""
        lo, hi = self.domain
        lut = self.net.residual_lut()
        out = torch.empty_like(rgb)
        for start in range(0, rgb.shape[0], chunk):
            x = (rgb[start:start + chunk].float() - lo) / (hi - lo)
            out[start:start + chunk] = (self.net(x, lut) * (hi - lo) + lo).to(rgb.dtype)
        return out

    def apply(self, img: torch.Tensor, strength: float | torch.Tensor = 1.0) -> torch.Tensor:
        """Grade ``img`` with the look.

        Parameters
        ----------
        img
            ``(B, 3, H, W)`` in :attr:`space` encoding (any range; outside the domain the
            residual LUT holds its border and the curves extend linearly).
        strength
            0 is the input unchanged, bit for bit; 1 the learned look. A float or ``(B,)``.

        Returns
        -------
        torch.Tensor
            ``(B, 3, H, W)`` in :attr:`space`.
        """
        check_image(img, "LookModel.apply")
        s = torch.as_tensor(strength, dtype=img.dtype)
        if s.ndim > 1 or (s.ndim == 1 and s.shape[0] not in (1, img.shape[0])):
            raise ParameterError(f"LookModel.apply: strength must be a float or ({img.shape[0]},)"
                                 f", got shape {tuple(s.shape)}")
        if not bool(torch.isfinite(s).all()) or bool((s < 0).any()) or bool((s > 1).any()):
            raise ParameterError(f"LookModel.apply: strength must be in [0, 1], got "
                                 f"{s.tolist()}")
        if not bool(s.any()):
            return img.clone()
        b, _, h, w = img.shape
        with torch.set_grad_enabled(img.requires_grad):
            rgb = img.permute(0, 2, 3, 1).reshape(-1, 3)
            graded = self._look_rgb(rgb).view(b, h, w, 3).permute(0, 3, 1, 2)
            s = s.to(img.device).view(-1, 1, 1, 1)
            return torch.where(s == 0, img, img + s * (graded - img))

    # -- export --------------------------------------------------------------------------

    def to_cube(self, size: int = 33, for_image: torch.Tensor | None = None) -> CubeLUT:
        """The look sampled on a ``size``³ grid over its domain, as a 3D ``.cube`` LUT.

        The cube takes :attr:`space`-encoded values in and gives them out (its domain is
        :attr:`domain`). At 33³ the residual LUT's nodes coincide with the cube's, so only the
        curves, matrix and hue terms are interpolated. ``for_image`` is accepted for the
        image-adaptive interface; this look is the same for every image.
        """
        if for_image is not None:
            check_image(for_image, "LookModel.to_cube for_image")
        if not 2 <= size <= 256:
            raise ParameterError(f"LookModel.to_cube: size must be in [2, 256], got {size}")
        lo, hi = self.domain
        axis = torch.linspace(lo, hi, size, dtype=torch.float64)
        r, g, b = torch.meshgrid(axis, axis, axis, indexing="ij")
        nodes = torch.stack([r, g, b], -1).reshape(-1, 3).float()
        with torch.no_grad():
            table = self._look_rgb(nodes).double().reshape(size, size, size, 3)
        return CubeLUT(title=f"workbench look ({self.space} in, {self.space} out)",
                       table=table.numpy(), domain=np.array([[lo] * 3, [hi] * 3]))

    def cdl_fit(self, for_image: torch.Tensor | None = None) -> CDLFit:
        """The ASC CDL in :attr:`space` closest to the look in ΔE2000, and how close it is.

        Fitted (:func:`~workbench.interchange.cdl_fit.fit_cdl_to_grade`) on ``for_image``'s colours
        (``(B, 3, H, W)`` in :attr:`space`) when given, else on the training before-colours
        (Rec.709's gamut for a look saved without them), with skin tones and neutrals.
        The errors are the CDL's ΔE2000 against the look on each of those sets.
        """
        lo, hi = self.domain
        colours: torch.Tensor | None
        counts: torch.Tensor | None
        if for_image is not None:
            check_image(for_image, "LookModel.cdl_fit for_image")
            img = for_image.detach().float()
            pairs = bin_pairs([img], [img], self.domain, CDL_BINS)
            colours, counts, label = pairs.before * (hi - lo) + lo, pairs.count, "image pixels"
        else:
            colours, counts, label = self.colours, self.colour_counts, "training pixels"
        with torch.no_grad():
            return fit_cdl_to_grade(self.apply, self.space, self.domain, colours, counts,
                                    pixels_label=label)

    def to_cdl(self, for_image: torch.Tensor | None = None) -> CDLValues:
        """The values of :meth:`cdl_fit`: an ASC CDL approximating the look in :attr:`space`."""
        return self.cdl_fit(for_image).values

    # -- storage -------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write ``model.safetensors`` and ``look.json`` into ``directory``, atomically.

        The folder appears whole or not at all; an existing one is replaced.
        """
        directory = Path(directory)
        tensors = {name: p.detach().contiguous() for name, p in self.net.named_parameters()}
        if self.colours is not None and self.colour_counts is not None:
            tensors[_COLOURS] = self.colours.detach().float().contiguous()
            tensors[_COUNTS] = self.colour_counts.detach().double().contiguous()
        doc = {"schema": LOOK_SCHEMA, "space": self.space, "domain": list(self.domain),
               **self.metadata}
        with atomic_dir(directory) as tmp:
            save_file(tensors, str(tmp / WEIGHTS_FILE), metadata={"schema": LOOK_SCHEMA})
            (tmp / JSON_FILE).write_text(json.dumps(doc, indent=2) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> LookModel:
        """Read a look written by :meth:`save`.

        Raises
        ------
        TitleError
            A file is missing, unreadable or does not hold a look's weights (naming it).
        ParameterError
            ``look.json`` has another schema or an unknown space.
        """
        directory = Path(directory)
        json_path, weights_path = directory / JSON_FILE, directory / WEIGHTS_FILE
        for path in (json_path, weights_path):
            if not path.is_file():
                raise TitleError(f"{path}: missing; not a look model folder")
        try:
            doc = json.loads(json_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TitleError(f"{json_path}: not readable JSON ({exc})") from exc
        check_readable(doc, LOOK_SCHEMA, str(json_path))  # before the weights are read
        space = doc.get("space")
        if space not in LOOK_SPACES:
            raise ParameterError(f"{json_path}: unknown look space {space!r}")
        try:
            tensors = load_file(str(weights_path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise TitleError(f"{weights_path}: corrupt or not safetensors ({exc})") from exc
        doc = upgrade({**doc, _TENSORS: tensors}, LOOK_SCHEMA, str(json_path))
        tensors = doc.pop(_TENSORS)
        try:
            settings = LookSettings.from_dict(doc.get("settings", {}))
        except TypeError as exc:
            raise ParameterError(f"{json_path}: bad settings ({exc})") from exc
        net = LookNet(settings.levels, settings.knots, settings.hue_order)
        colours, counts = tensors.pop(_COLOURS, None), tensors.pop(_COUNTS, None)
        if (colours is None) != (counts is None) or (
                colours is not None and counts is not None
                and (colours.ndim != 2 or colours.shape[1] != 3
                     or counts.shape != (colours.shape[0],))):
            raise TitleError(f"{weights_path}: training colours and counts do not match")
        try:
            net.load_state_dict(tensors, strict=True)
        except RuntimeError as exc:
            reason = " ".join(str(exc).split())[:300]
            raise TitleError(f"{weights_path}: weights do not fit the look ({reason})") from exc
        extra = [t for t in (colours, counts) if t is not None]
        if not all(bool(torch.isfinite(t).all()) for t in [*tensors.values(), *extra]):
            raise TitleError(f"{weights_path}: NaN or Inf in the weights")
        net.eval()
        meta = {k: v for k, v in doc.items() if k not in ("schema", "space", "domain")}
        return cls(net=net, space=space, metadata=meta, colours=colours, colour_counts=counts)


_TENSORS = "tensors"
"""Key under which :meth:`LookModel.load` hands the weights to the upgrade steps with
``look.json``: a look's stored form is both files."""


@register_upgrade("LookModel", 1)
def _look_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    """``.1`` had no hue terms: hue order 0 and a zero ``hue_coef`` reproduce it exactly."""
    doc["settings"] = {"hue_order": 0, **doc.get("settings", {})}
    doc[_TENSORS] = {"hue_coef": torch.zeros(3, 1), **doc[_TENSORS]}
    return doc


@register_upgrade("LookModel", 2)
def _look_2_to_3(doc: dict[str, Any]) -> dict[str, Any]:
    """``.3`` may carry the training colours in the weights; a ``.2`` look simply has none."""
    return doc


def _train(net: LookNet, data: ColourPairs, settings: LookSettings, space: str,
           callback: TrainCallback | None, progress: bool) -> tuple[int, float]:
    """Adam over every bin each step; returns (steps run, last data loss)."""
    from tqdm.auto import tqdm

    weight = data.count.pow(settings.count_power)
    weight = (weight / weight.sum()).float()
    global_params = [net.curve_raw, net.curve_base, net.matrix, net.bias, net.hue_coef]
    opt = torch.optim.Adam([{"params": global_params}, {"params": list(net.luts)}],
                           lr=settings.lr)
    first = int(settings.global_first * settings.steps)

    def decay(i: int) -> float:
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * i / settings.steps))

    # The global map first: what it explains extrapolates; the residual LUT only takes the rest.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, [decay, lambda i: decay(i) if i >= first else 0.0])
    start = time.perf_counter()
    bar = tqdm(total=settings.steps, desc="look", disable=not progress, leave=False)
    fit, step = float("nan"), 0
    preview_model = LookModel(net=net, space=space)
    try:
        for step in range(1, settings.steps + 1):
            opt.zero_grad()
            err = (net(data.before) - data.after).square().sum(1)
            data_loss = (weight * err).sum()
            loss = (data_loss + settings.smooth * net.smoothness()
                    + settings.magnitude * net.magnitude()
                    + settings.curve_smooth * net.curve_smoothness()
                    + settings.hue_smooth * net.hue_smoothness())
            loss.backward()
            opt.step()
            sched.step()
            fit = float(data_loss.detach())
            bar.update(1)
            if step % 10 == 0 or step == settings.steps:
                bar.set_postfix(loss=f"{fit:.3g}")
            report = TrainProgress("look", step, settings.steps, fit,
                                   time.perf_counter() - start, preview_model.apply)
            if wants_stop(callback, report):
                break
    finally:
        bar.close()
    return step, fit


def fit_look(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor], *, space: str,
             seed: int = 0, steps: int | None = None, callback: TrainCallback | None = None,
             progress: bool = True, settings: LookSettings | None = None) -> LookModel:
    """Learn the look that takes each ``before`` image to its ``after``.

    Parameters
    ----------
    before, after
        Pairs of ``(B, 3, H, W)`` float images in ``space`` encoding, same shape within a pair
        (pairs may differ in size). ``before`` is camera-normalised footage, ``after`` graded.
    space
        The encoding of the pairs and of the look: a key of :data:`LOOK_SPACES` (``"sRGB"``
        for display-referred stills, ``"ACEScct"`` for scene-linear footage).
    seed
        Seeds torch before the network is built (the training itself is full-batch).
    steps
        Adam steps (default :attr:`LookSettings.steps`).
    callback
        Called with a :class:`TrainProgress` (stage ``"look"``, preview = the look as it is)
        after each step; returning ``False`` stops with what was learned.
    progress
        Show a tqdm bar with the loss.
    settings
        Training settings (``steps`` overrides its step count).

    Returns
    -------
    LookModel
        ``metadata`` holds the seed, the SHA-256 of the pairs' pixels, the settings and the
        training metrics (loss, ΔE2000 over the training colours, seconds).

    Raises
    ------
    ShapeError, MediaError
        Mismatched pairs, or NaN/Inf pixels (naming the pair).
    ColourSpaceError
        ``space`` is not one a look can be learned in.
    """
    domain = _domain(space)
    settings = settings or LookSettings()
    if steps is not None:
        if steps < 1:
            raise ParameterError(f"fit_look: steps must be >= 1, got {steps}")
        settings = LookSettings(**{**settings.to_dict(), "steps": steps,
                                   "levels": settings.levels})
    start = time.perf_counter()
    data = bin_pairs(before, after, domain, settings.bins)
    torch.manual_seed(seed)
    net = LookNet(settings.levels, settings.knots, settings.hue_order)
    done, loss = _train(net, data, settings, space, callback, progress)
    net.eval()
    seconds = time.perf_counter() - start
    colours, counts = coarsen_colours(data, CDL_BINS)
    model = LookModel(net=net, space=space, colours=colours * (domain[1] - domain[0]) + domain[0],
                      colour_counts=counts)
    model.metadata = {
        "seed": seed,
        "training_data_sha256": pairs_sha256(before, after),
        "settings": settings.to_dict(),
        "metrics": {**_train_metrics(model, data), "loss": loss, "steps_run": done,
                    "seconds": round(seconds, 3), "pairs": len(before),
                    "pixels": data.pixels, "colour_bins": int(data.count.numel())},
    }
    return model


def _train_metrics(model: LookModel, data: ColourPairs) -> dict[str, float]:
    """ΔE2000 between the look and the training afters, over bins weighted by pixel count."""
    lo, hi = model.domain
    with torch.no_grad():
        x = data.before * (hi - lo) + lo
        pred = model._look_rgb(x).t().reshape(1, 3, -1, 1)
        target = (data.after * (hi - lo) + lo).t().reshape(1, 3, -1, 1)
    d_e = delta_e_2000(pred.contiguous(), target.contiguous(), model.space).flatten().double()
    w = data.count / data.count.sum()
    return {"train_de2000_mean": round(float((w * d_e).sum()), 4)}
