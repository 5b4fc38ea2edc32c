"""Train a matte model on a handful of artist-approved mattes, as Nuke's CopyCat does.

Each approved frame is a plate, the keyer's alpha for it and the matte the artist approved
(the keyer's, cleaned up, or painted). Some approved frames are held out: the network learns
from the others on random crops at proxy resolution, then the held-out frames decide how much
of its correction to trust (see :mod:`workbench.matte.model.model`).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch

from workbench.errors import ParameterError, ShapeError
from workbench.matte.model.model import MatteModel, check_pair, proxy_scale, resize
from workbench.matte.model.net import MatteNet, net_input
from workbench.matte.model.settings import MATTE_MODEL_SCHEMA, MatteModelSettings
from workbench.model.progress import TrainCallback, TrainProgress, wants_stop

__all__ = ["TRUST_STEPS", "ApprovedMatte", "split_held_out", "train_matte_model"]

TRUST_STEPS = 21
"""Trust is chosen among 0, 0.05, ..., 1 on the held-out frames."""

_INTERESTING = 0.5  # fraction of crops centred where the keyer is wrong or the matte is an edge


@dataclass(frozen=True)
class ApprovedMatte:
    """One artist-approved frame.

    Attributes
    ----------
    plate : torch.Tensor
        ``(1, 3, H, W)`` float32 in the linear working space.
    keyer_alpha : torch.Tensor
        ``(1, 1, H, W)`` the keyer's alpha for ``plate``.
    matte : torch.Tensor
        ``(1, 1, H, W)`` the approved alpha, in [0, 1].
    name : str
        Where it comes from, e.g. ``"A001C003 frame 12"`` (errors and the manifest name it).
    """

    plate: torch.Tensor
    keyer_alpha: torch.Tensor
    matte: torch.Tensor
    name: str = ""

    def check(self) -> None:
        """Shapes and values, naming the frame."""
        where = self.name or "approved matte"
        if self.plate.ndim != 4 or self.plate.shape[0] != 1:
            raise ShapeError(f"{where}: expected a (1, 3, H, W) plate, got "
                             f"{tuple(self.plate.shape)}")
        check_pair(self.plate, self.keyer_alpha, where)
        check_pair(self.plate, self.matte, f"{where} approved")
        lo, hi = float(self.matte.min()), float(self.matte.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ParameterError(f"{where}: approved matte outside [0, 1] ({lo:.3g}..{hi:.3g})")


@dataclass
class _Frame:
    """An approved frame at proxy scale, with the crop centres worth learning from."""

    x: torch.Tensor  # (1, 4, h, w) network input
    key: torch.Tensor  # (1, 1, h, w)
    target: torch.Tensor  # (1, 1, h, w)
    interesting: torch.Tensor  # (N,) flat indices


def split_held_out(count: int, fraction: float) -> tuple[list[int], list[int]]:
    """Indices ``(train, held_out)`` of ``count`` approved frames: held-out ones spread evenly.

    Raises
    ------
    ParameterError
        Fewer than two frames: one to learn from, one to check the model on.
    """
    if count < 2:
        raise ParameterError(f"the matte model needs at least 2 approved mattes (one to learn "
                             f"from and one to check it on), got {count}")
    n_hold = min(count - 1, max(1, round(count * fraction)))
    hold = sorted({int(i) for i in np.linspace(0, count - 1, n_hold + 2)[1:-1].round()})
    train = [i for i in range(count) if i not in hold]
    return train, hold


def _data_hash(frames: Sequence[ApprovedMatte], settings: MatteModelSettings,
               keyer: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"settings": settings.to_dict(), "keyer": keyer,
                         "frames": [f.name for f in frames]}, sort_keys=True).encode())
    for f in frames:
        for t in (f.plate, f.keyer_alpha, f.matte):
            h.update(t.detach().float().contiguous().numpy().tobytes())
    return h.hexdigest()


def _proxy(frame: ApprovedMatte, settings: MatteModelSettings) -> _Frame:
    scale = proxy_scale(frame.plate.shape[-1], settings.proxy_width)
    plate = resize(frame.plate.float(), scale)
    key = resize(frame.keyer_alpha.float(), scale)
    target = resize(frame.matte.float(), scale)
    wrong = (key - target).abs() > 0.02
    edge = (target > 0.02) & (target < 0.98)
    return _Frame(net_input(plate, key), key, target,
                  torch.nonzero((wrong | edge).flatten()).flatten())


def _crops(frames: list[_Frame], settings: MatteModelSettings, gen: torch.Generator
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A batch of ``crop``-sized windows (every frame at least that size, or whole frames)."""
    side = min([settings.crop, *(min(f.x.shape[-2:]) for f in frames)])
    xs, ks, ts = [], [], []
    for _ in range(settings.batch):
        f = frames[int(torch.randint(len(frames), (1,), generator=gen))]
        h, w = f.x.shape[-2:]
        if len(f.interesting) and float(torch.rand((), generator=gen)) < _INTERESTING:
            i = int(f.interesting[int(torch.randint(len(f.interesting), (1,), generator=gen))])
            cy, cx = divmod(i, w)
            y0 = min(max(cy - side // 2, 0), h - side)
            x0 = min(max(cx - side // 2, 0), w - side)
        else:
            y0 = int(torch.randint(h - side + 1, (1,), generator=gen))
            x0 = int(torch.randint(w - side + 1, (1,), generator=gen))
        win = (..., slice(y0, y0 + side), slice(x0, x0 + side))
        xs.append(f.x[win])
        ks.append(f.key[win])
        ts.append(f.target[win])
    return torch.cat(xs), torch.cat(ks), torch.cat(ts)


@contextmanager
def _threads(n: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).square().mean())


def _sad(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).abs().sum())


def _choose_trust(model: MatteModel, held: Sequence[ApprovedMatte]) -> tuple[float, dict[str, Any]]:
    """The trust with the lowest held-out alpha MSE (the smaller on ties), and the metrics."""
    residuals = [model.residual(f.plate.float(), f.keyer_alpha.float()) for f in held]
    grid = np.linspace(0.0, 1.0, TRUST_STEPS)
    errors = []
    for k in grid:
        errors.append(np.mean([
            _mse((f.keyer_alpha + k * r).clamp(0, 1) if k else f.keyer_alpha, f.matte)
            for f, r in zip(held, residuals, strict=True)]))
    best = int(np.argmin(errors))  # argmin returns the first: the smallest trust on a tie
    trust = float(grid[best])
    model_sad = np.mean([_sad((f.keyer_alpha + trust * r).clamp(0, 1), f.matte)
                         for f, r in zip(held, residuals, strict=True)])
    metrics = {"held_out_keyer_mse": float(errors[0]), "held_out_model_mse": float(errors[best]),
               "held_out_raw_mse": float(errors[-1]),
               "held_out_keyer_sad": float(np.mean([_sad(f.keyer_alpha, f.matte) for f in held])),
               "held_out_model_sad": float(model_sad)}
    return trust, metrics


def _preview(net: MatteNet, settings: MatteModelSettings, held: Sequence[ApprovedMatte]
             ) -> Callable[[torch.Tensor], torch.Tensor]:
    """For a TrainingView: a held-out plate over mid-grey through the network's matte as it is.

    Given a plate of the size of a held-out frame, the matte comes from that frame's key;
    any other image is returned as it is.
    """
    def show(img: torch.Tensor) -> torch.Tensor:
        match = next((f for f in held if f.plate.shape == img.shape), None)
        if match is None:
            return img
        was = net.training
        net.eval()
        alpha = MatteModel(net, 1.0, settings).apply(img, match.keyer_alpha)
        net.train(was)
        return img * alpha + 0.18 * (1 - alpha)
    return show


def train_matte_model(approved: Sequence[ApprovedMatte],
                      settings: MatteModelSettings | None = None, *,
                      keyer: dict[str, Any] | None = None,
                      callback: TrainCallback | None = None,
                      progress: bool = True) -> MatteModel:
    """Train a matte model from artist-approved frames of a shot or title.

    Parameters
    ----------
    approved
        At least two :class:`ApprovedMatte`; ``settings.held_out`` of them (at least one) are
        kept out of training and choose the model's ``trust``.
    settings
        :class:`MatteModelSettings` (the defaults train in well under a minute on 2 threads).
    keyer
        JSON-ready description of the keyer that made the alphas (name, parameters): recorded
        in the manifest so the same key can be pulled at inference.
    callback
        Called after each step with a :class:`~workbench.model.progress.TrainProgress` of
        stage ``"matte"`` (a TrainingView's ``callback``); returning ``False`` stops early and
        the model is finished with what it learned.
    progress
        Show a tqdm bar with the loss.

    Returns
    -------
    MatteModel
        With ``trust`` chosen on the held-out frames, so that there its alpha MSE is no higher
        than the keyer's.
    """
    from tqdm.auto import tqdm

    settings = settings or MatteModelSettings()
    keyer = dict(keyer or {})
    frames = list(approved)
    for f in frames:
        f.check()
    train_idx, held_idx = split_held_out(len(frames), settings.held_out)
    train, held = [frames[i] for i in train_idx], [frames[i] for i in held_idx]
    torch.manual_seed(settings.seed)
    gen = torch.Generator().manual_seed(settings.seed)
    net = MatteNet(settings.width)
    start = time.perf_counter()
    step, loss_value = 0, float("nan")
    with _threads(settings.threads):
        proxies = [_proxy(f, settings) for f in train]
        opt = torch.optim.Adam(net.parameters(), lr=settings.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda i: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * i / settings.steps)))
        preview = _preview(net, settings, held)
        bar = tqdm(total=settings.steps, desc="matte model", unit="step", disable=not progress,
                   leave=False)
        net.train()
        try:
            for step in range(1, settings.steps + 1):
                x, key, target = _crops(proxies, settings, gen)
                pred = (key + net(x)).clamp(0.0, 1.0)
                diff = pred - target
                loss = diff.abs().mean() + diff.square().mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                loss_value = float(loss.detach())
                bar.update(1)
                if step % 10 == 0 or step == settings.steps:
                    bar.set_postfix(loss=f"{loss_value:.3g}")
                report = TrainProgress("matte", step, settings.steps, loss_value,
                                       time.perf_counter() - start, preview)
                if wants_stop(callback, report):
                    break
        finally:
            bar.close()
        net.eval()
        train_seconds = time.perf_counter() - start
        model = MatteModel(net, 1.0, settings)
        trust, metrics = _choose_trust(model, held)
    model.trust = trust
    digest = _data_hash(frames, settings, keyer)
    created = datetime.now(UTC)
    model.metadata = {
        "schema": MATTE_MODEL_SCHEMA,
        "version_id": f"{created:%Y%m%dT%H%M%SZ}-{digest[:8]}",
        "created": created.isoformat(timespec="seconds"),
        "training_data_sha256": digest,
        "keyer": keyer,
        "frames": {"train": [f.name for f in train], "held_out": [f.name for f in held]},
        "metrics": {**metrics, "train_loss": loss_value, "steps": step,
                    "train_seconds": round(train_seconds, 3)},
    }
    return model
