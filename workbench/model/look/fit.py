"""Learning a look from before/after pairs: :func:`fit_look` and its Adam training loop.

Pairs are averaged into colour bins (:mod:`workbench.model.look_data`) and the network
(:mod:`workbench.model.look_net`) is fitted full-batch on them: the global curves and matrix
first, then the residual 3D LUT on what they leave.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence

import torch

from workbench.color import delta_e_2000
from workbench.errors import ParameterError
from workbench.model.look.apply import LookModel
from workbench.model.look.settings import CDL_BINS, LookSettings, clips_output, look_domain
from workbench.model.look_data import ColourPairs, bin_pairs, coarsen_colours, pairs_sha256
from workbench.model.look_net import LookNet
from workbench.model.progress import TrainCallback, TrainProgress, wants_stop

__all__ = ["fit_binned", "fit_look"]

_CLIPPED = 0.5 / 255
"""Normalised distance from the domain's edge within which an after value counts as clipped."""


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
    domain = look_domain(space)
    settings = settings or LookSettings()
    if steps is not None:
        if steps < 1:
            raise ParameterError(f"fit_look: steps must be >= 1, got {steps}")
        settings = dataclasses.replace(settings, steps=steps)
    start = time.perf_counter()
    data = bin_pairs(before, after, domain, settings.bins)
    model = fit_binned(data, space=space, seed=seed, settings=settings, callback=callback,
                       progress=progress)
    model.metadata["training_data_sha256"] = pairs_sha256(before, after)
    model.metadata["metrics"].update(seconds=round(time.perf_counter() - start, 3),
                                     pairs=len(before))
    return model


def fit_binned(data: ColourPairs, *, space: str, seed: int, settings: LookSettings,
               callback: TrainCallback | None = None, progress: bool = False) -> LookModel:
    """The look learned from colour bins already made: what :func:`fit_look` does after binning.

    ``data`` comes from :func:`~workbench.model.look_data.bin_pairs` over ``space``'s domain.
    """
    domain = look_domain(space)
    start = time.perf_counter()
    torch.manual_seed(seed)
    net = LookNet(settings.levels, settings.knots, settings.hue_order,
                  clip=clips_output(settings, space),
                  linear_saturation=settings.linear_saturation)
    done, loss = _train(net, data, settings, space, callback, progress)
    net.eval()
    seconds = time.perf_counter() - start
    colours, counts = coarsen_colours(data, CDL_BINS)
    model = LookModel(net=net, space=space, colours=colours * (domain[1] - domain[0]) + domain[0],
                      colour_counts=counts)
    model.metadata = {
        "seed": seed,
        "settings": settings.to_dict(),
        "metrics": {**_train_metrics(model, data), "loss": loss, "steps_run": done,
                    "seconds": round(seconds, 3), "pixels": data.pixels,
                    "colour_bins": int(data.count.numel())},
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


def _train(net: LookNet, data: ColourPairs, settings: LookSettings, space: str,
           callback: TrainCallback | None, progress: bool) -> tuple[int, float]:
    """Adam over every bin each step; returns (steps run, last data loss)."""
    from tqdm.auto import tqdm

    weight = data.count.pow(settings.count_power)
    weight = (weight / weight.sum()).float()
    opt, sched = _optimiser(net, settings)
    start = time.perf_counter()
    bar = tqdm(total=settings.steps, desc="look", disable=not progress, leave=False)
    fit, step = float("nan"), 0
    preview_model = LookModel(net=net, space=space)
    try:
        for step in range(1, settings.steps + 1):
            opt.zero_grad()
            loss, data_loss = _loss(net, data, weight, settings)
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


def _optimiser(net: LookNet, settings: LookSettings
               ) -> tuple[torch.optim.Adam, torch.optim.lr_scheduler.LambdaLR]:
    """Adam on two groups, the global map and the residual LUT, each on a cosine decay to 5 %."""
    global_params = [net.curve_raw, net.curve_base, net.matrix, net.bias, net.hue_coef]
    opt = torch.optim.Adam([{"params": global_params}, {"params": list(net.luts)}],
                           lr=settings.lr)
    first = int(settings.global_first * settings.steps)

    def decay(i: int) -> float:
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * i / settings.steps))

    # The global map first: what it explains extrapolates; the residual LUT only takes the rest.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, [decay, lambda i: decay(i) if i >= first else 0.0])
    return opt, sched


def _loss(net: LookNet, data: ColourPairs, weight: torch.Tensor, settings: LookSettings
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """The training loss (weighted squared error plus the regularisers) and its data term."""
    diff = net(data.before) - data.after
    if net.clip:
        # A clipped after says only that the grade reached the edge (or went beyond it).
        diff = torch.where(data.after >= 1 - _CLIPPED, diff.clamp(max=0), diff)
        diff = torch.where(data.after <= _CLIPPED, diff.clamp(min=0), diff)
    err = diff.square().sum(1)
    data_loss = (weight * err).sum()
    loss = (data_loss + settings.smooth * net.smoothness()
            + settings.magnitude * net.magnitude()
            + settings.curve_smooth * net.curve_smoothness()
            + settings.hue_smooth * net.hue_smoothness())
    return loss, data_loss
