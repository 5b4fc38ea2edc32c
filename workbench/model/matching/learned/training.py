"""Training the learned matcher, self-supervised on a title's own frames.

A frame is relit at random (:mod:`.augmentation`); another frame of the same scene, given its
own random look, is the reference; the loss is measured in ACEScct, on the pixels.

One frame in :data:`HOLD_OUT` (when there are at least that many) is kept out of training
and used, relit the same way, to measure the network's and von Kries's mean ΔE2000 on frames
it never saw (``metrics["validation"]``): the evidence the ``title`` method chooses by when a
shot shares no surface with its reference or the title's frames. Every frame, held out or
not, goes into the matcher's :class:`~workbench.model.matching.memory.FrameLibrary`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from workbench.errors import ShapeError
from workbench.model.matching.learned.augmentation import Relights, relight
from workbench.model.matching.learned.features import (
    acescct_to_acescg,
    acescg_to_acescct,
    grade_features,
    sample_pixels,
)
from workbench.model.matching.learned.inference import TitleMatcher
from workbench.model.matching.learned.network import (
    GradeParams,
    MatcherConfig,
    MatcherNet,
    apply_grade,
    apply_light,
    measure_light,
)
from workbench.model.matching.memory import FrameLibrary
from workbench.model.progress import TrainCallback, TrainProgress, wants_stop

__all__ = ["HOLD_OUT", "train_matcher"]

HOLD_OUT = 8            # one frame in this many is held out to validate on
VALIDATION_CASES = 48   # relit held-out frames the validation measures
# Classical methods measured beside the network on them (the ``title`` method's rivals when a
# shot shares no surface with anything): the ones that need only pixel statistics.
VALIDATED = ("von-kries", "mkl", "reinhard")


def train_matcher(frames: Sequence[torch.Tensor], groups: Sequence[int], *, seed: int = 0,
                  config: MatcherConfig | None = None, callback: TrainCallback | None = None,
                  progress: bool = True) -> TitleMatcher:
    """Train the matcher on a title's frames.

    Parameters
    ----------
    frames
        Linear ACEScg frames, each ``(3, H, W)`` (sizes may differ), bars cropped.
    groups
        One scene id per frame: references are drawn from the same scene.
    seed
        Everything random (pixels, relights, initial weights) follows it.
    callback
        Called with a ``TrainProgress(stage="matcher")`` after every step; returning
        ``False`` stops training, keeping what was learned.

    Returns
    -------
    TitleMatcher
        With ``metrics``: ``loss`` (final, ACEScct smooth-L1), ``identity_loss`` (the same
        batches uncorrected), ``steps``, ``seconds``, ``stopped_early``, ``validation``
        (mean ΔE2000 of ``network``, the :data:`VALIDATED` methods and ``identity`` on relit
        held-out frames,
        or ``None`` with fewer than :data:`HOLD_OUT` frames); and the frames as its library.
    """
    config = config or MatcherConfig()
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, config.threads))
    try:
        return _train(frames, groups, seed, config, callback, progress)
    finally:
        torch.set_num_threads(threads)


def _train(frames: Sequence[torch.Tensor], groups: Sequence[int], seed: int,
           config: MatcherConfig, callback: TrainCallback | None, progress: bool
           ) -> TitleMatcher:
    if len(frames) == 0 or len(frames) != len(groups):
        raise ShapeError(f"train_matcher: need frames and one group per frame, got "
                         f"{len(frames)} frames and {len(groups)} groups")
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    everything = torch.stack([sample_pixels(f[None].float(), 4 * config.feature_pixels, g)
                              for f in frames])  # (F, 4P, 3)
    held = [i for i in range(len(frames)) if len(frames) >= HOLD_OUT and i % HOLD_OUT == 3]
    train = [i for i in range(len(frames)) if i not in held]
    pool = everything[train]
    partners = _partners([int(groups[i]) for i in train])
    relights = Relights(config, g)
    net = MatcherNet(config.hidden)
    _calibrate(net, pool, relights, config, g)
    opt = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.learning_rate,
                                                total_steps=config.steps, pct_start=0.15)
    start, loss_value, base_value, step = time.perf_counter(), float("nan"), float("nan"), 0
    stopped = False
    bar = tqdm(total=config.steps, desc="train matcher", unit="step", disable=not progress)
    ema_loss = ema_base = None
    for step in range(1, config.steps + 1):
        net.train()
        shot_in, ref_in, target = _batch(pool, partners, relights, config, g)
        prior = measure_light(shot_in, ref_in, config)
        raw = net(grade_features(apply_light(shot_in, prior)), grade_features(ref_in))
        grade = GradeParams.from_raw(raw, prior)
        n = config.loss_pixels
        out = apply_grade(shot_in[:, :n], grade)
        loss = nn.functional.smooth_l1_loss(out, acescg_to_acescct(target[:, :n]), beta=0.02)
        # Prefer the physical controls: the CDL only takes what exposure and white balance can't.
        reg = 1e-3 * (raw[:, 3:] ** 2).mean()
        opt.zero_grad()
        (loss + reg).backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            base = nn.functional.smooth_l1_loss(acescg_to_acescct(shot_in[:, :n]),
                                                acescg_to_acescct(target[:, :n]), beta=0.02)
        value = float(loss.detach())
        ema_loss = value if ema_loss is None else 0.9 * ema_loss + 0.1 * value
        ema_base = float(base) if ema_base is None else 0.9 * ema_base + 0.1 * float(base)
        loss_value, base_value = ema_loss, ema_base
        bar.update(1)
        bar.set_postfix(loss=f"{loss_value:.4f}", identity=f"{base_value:.4f}")
        report = TrainProgress("matcher", step, config.steps, loss_value,
                               time.perf_counter() - start, _preview(net, pool[0], config))
        if wants_stop(callback, report):
            stopped = True
            break
    bar.close()
    validation = None
    if held:
        validation = _validate(net, config, everything, held, [int(x) for x in groups], g)
    metrics = {"loss": round(loss_value, 6), "identity_loss": round(base_value, 6),
               "steps": step, "seconds": round(time.perf_counter() - start, 3),
               "stopped_early": stopped, "frames": len(frames), "seed": seed,
               "validation": validation}
    return TitleMatcher(net, config, metrics, FrameLibrary.from_frames(list(frames)))


def _partners(groups: list[int]) -> list[torch.Tensor]:
    """For each frame, the indices of the frames of its group (itself included)."""
    members: dict[int, list[int]] = {}
    for i, grp in enumerate(groups):
        members.setdefault(grp, []).append(i)
    return [torch.tensor(members[grp]) for grp in groups]


@torch.no_grad()
def _validate(net: MatcherNet, config: MatcherConfig, pool: torch.Tensor, held: list[int],
              groups: list[int], g: torch.Generator) -> dict[str, float]:
    """Mean ΔE2000 of the network, :data:`VALIDATED` and no correction on relit held-out frames.

    Each case: a held-out frame's pixels ``pool[i]`` (4P, 3) relit at random, matched to
    another frame of its scene (held out or not) in a random look of its own, as in training;
    the truth is the held-out frame in that look.
    """
    from workbench.color import delta_e_2000
    from workbench.model.matching.registry import MATCH_METHODS, MatchInputs
    from workbench.model.matching.select import pixel_map_of

    net.eval()
    partners = _partners(groups)
    relights = Relights(config, g)
    n = config.feature_pixels
    totals = dict.fromkeys(("network", *VALIDATED, "identity"), 0.0)

    def de(a: torch.Tensor, b: torch.Tensor) -> float:
        return float(delta_e_2000(a.T.reshape(1, 3, -1, 1).contiguous(),
                                  b.T.reshape(1, 3, -1, 1).contiguous()).double().mean())

    for k in range(VALIDATION_CASES):
        i = held[k % len(held)]
        others = [int(j) for j in partners[i] if int(j) != i] or [j for j in range(len(pool))
                                                                    if j != i] or [i]
        j = others[int(torch.randint(0, len(others), (1,), generator=g))]
        look = relights.draw(1) if float(torch.rand(1, generator=g)) < config.reference_look \
            else relights.identity(1)
        shot = relight(pool[i][None, :n], relights.draw(1))
        ref = relight(pool[j][None, n:2 * n], look)
        truth = relight(pool[i][None, :n], look)[0]
        prior = measure_light(shot, ref, config)
        raw = net(grade_features(apply_light(shot, prior)), grade_features(ref))
        out = acescct_to_acescg(apply_grade(shot, GradeParams.from_raw(raw, prior)))[0]
        totals["network"] += de(out, truth)
        totals["identity"] += de(shot[0], truth)
        inputs = MatchInputs(shot[0].T.reshape(1, 3, -1, 1), ref[0].T.reshape(1, 3, -1, 1),
                             shot[0], ref[0])
        for name in VALIDATED:
            totals[name] += de(pixel_map_of(MATCH_METHODS[name].fit(inputs))(shot[0]).float(),
                               truth)
    return {k: round(v / VALIDATION_CASES, 4) for k, v in totals.items()}


def _batch(pool: torch.Tensor, partners: list[torch.Tensor], relights: Relights,
           config: MatcherConfig, g: torch.Generator
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch: (relit shot pixels, reference pixels in their look, shot pixels in that look)."""
    b, p = config.batch, config.feature_pixels
    i = torch.randint(0, pool.shape[0], (b,), generator=g)
    j = torch.stack([partners[int(k)][torch.randint(0, len(partners[int(k)]), (1,), generator=g)]
                     for k in i]).flatten()
    cols = torch.randint(0, pool.shape[1], (b, p), generator=g)
    shot = torch.gather(pool[i], 1, cols[..., None].expand(b, p, 3))
    cols = torch.randint(0, pool.shape[1], (b, p), generator=g)
    ref = torch.gather(pool[j], 1, cols[..., None].expand(b, p, 3))
    look = relights.draw(b)
    plain = relights.identity(b)
    keep = (torch.rand(b, generator=g) < config.reference_look).float()
    look = {k: _mix(keep, v, plain[k]) for k, v in look.items()}
    with torch.no_grad():
        relit = relight(shot, relights.draw(b))
        return relit, relight(ref, look), relight(shot, look)


def _mix(keep: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    k = keep.reshape(-1, *([1] * (a.ndim - 1)))
    return k * a + (1 - k) * b


def _calibrate(net: MatcherNet, pool: torch.Tensor, relights: Relights, config: MatcherConfig,
               g: torch.Generator) -> None:
    """Set the network's feature normalisation from relit training batches."""
    feats = []
    for _ in range(4):
        shot_in, ref_in, _ = _batch(pool, [torch.arange(pool.shape[0])] * pool.shape[0],
                                    relights, config, g)
        shot_in = apply_light(shot_in, measure_light(shot_in, ref_in, config))
        feats += [grade_features(shot_in), grade_features(ref_in)]
    f = torch.cat(feats)
    net.feature_mean.copy_(f.mean(0))
    net.feature_std.copy_(f.std(0).clamp(min=1e-3))


def _preview(net: MatcherNet, reference: torch.Tensor, config: MatcherConfig
             ) -> Callable[[torch.Tensor], torch.Tensor]:
    """The matcher as it is now, matching (B,3,H,W) ACEScg frames to the first training frame."""
    def apply(img: torch.Tensor) -> torch.Tensor:
        matcher = TitleMatcher(net, config)
        out = matcher.match(img, reference.T.reshape(1, 3, -1, 1)).apply(img)
        net.train()
        return out

    return apply
