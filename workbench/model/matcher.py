"""The learned shot matcher (match method ``"title"``): a small network trained on the title.

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

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from workbench.errors import ParameterError, ShapeError
from workbench.model.progress import TrainCallback, TrainProgress, wants_stop
from workbench.ops import CDL, CDLValues, Exposure, Matrix3x3, Pipeline
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "MATCHER_SCHEMA",
    "GradeParams",
    "MatcherConfig",
    "MatcherNet",
    "TitleMatcher",
    "acescct_to_acescg",
    "acescg_to_acescct",
    "apply_grade",
    "as_matcher",
    "grade_features",
    "light_prior",
    "relight",
    "sample_pixels",
    "train_matcher",
]

MATCHER_SCHEMA = "TitleMatcher.2"

# Bradford cone space from linear ACEScg (AP1, ACES white) and back: colour-science's
# ACEScg RGB->XYZ matrix followed by the Bradford XYZ->LMS matrix.
_ACESCG_TO_LMS = torch.tensor([
    [0.666384216088, 0.29886714522, -0.008962244715],
    [-0.0307138101, 1.054658178954, 0.011904430269],
    [0.00138214143, -0.036780906085, 1.042643106764]], dtype=torch.float64)
_LMS_TO_ACESCG = torch.linalg.inv(_ACESCG_TO_LMS)

# ACEScct (S-2016-001): linear toe below 2^-7, log2 above.
_CCT_A, _CCT_B = 10.5402377416545, 0.0729055341958355
_CCT_BREAK_LIN, _CCT_BREAK = 0.0078125, 0.155251141552511
_QUANTILES = (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98)
_CHROMA_BINS = 8
_CHROMA_RANGE = 0.3
PRIOR_PIXELS = 32768  # pixels per side for the light prior when matching a shot
N_PARAMS = 13  # stops, 2 von Kries log2 gains, slope/offset/power (3 each), saturation


def acescg_to_acescct(lin: torch.Tensor) -> torch.Tensor:
    """Encode linear ACEScg as ACEScct, elementwise and differentiable (any shape)."""
    log = (torch.log2(lin.clamp(min=_CCT_BREAK_LIN, max=65504.0)) + 9.72) / 17.52
    return torch.where(lin <= _CCT_BREAK_LIN, _CCT_A * lin + _CCT_B, log)


def acescct_to_acescg(cct: torch.Tensor) -> torch.Tensor:
    """Decode ACEScct to linear ACEScg, elementwise and differentiable (any shape)."""
    lin = torch.exp2(cct.clamp(max=1.468) * 17.52 - 9.72)
    return torch.where(cct <= _CCT_BREAK, (cct - _CCT_B) / _CCT_A, lin)


def _luma(rgb: torch.Tensor, weights: Sequence[float]) -> torch.Tensor:
    return (rgb * torch.tensor(weights, dtype=rgb.dtype)).sum(-1, keepdim=True)


@dataclass
class GradeParams:
    """A batch of correcting grades, each tensor with a leading batch dimension ``B``.

    ``stops`` (B,) exposure; ``vk`` (B, 2) log2 gains of the Bradford L and S cones (M is the
    exposure's); ``slope``, ``offset``, ``power`` (B, 3) an ASC CDL in ACEScct; ``saturation``
    (B,) the CDL's saturation.
    """

    stops: torch.Tensor
    vk: torch.Tensor
    slope: torch.Tensor
    offset: torch.Tensor
    power: torch.Tensor
    saturation: torch.Tensor

    @classmethod
    def from_raw(cls, raw: torch.Tensor, prior: torch.Tensor | None = None) -> GradeParams:
        """Bounded grade parameters from the network's unbounded ``(B, 13)`` output.

        ``prior`` ``(B, 3)`` (stops, L and S log2 gains; :func:`light_prior`) is added to the
        exposure and white balance: the network then predicts what the physics leaves over.
        """
        t = torch.tanh(raw)
        light = torch.zeros(raw.shape[0], 3, dtype=raw.dtype) if prior is None else prior
        return cls(stops=light[:, 0] + 2.0 * t[:, 0], vk=light[:, 1:] + 0.75 * t[:, 1:3],
                   slope=torch.exp(0.5 * t[:, 3:6]), offset=0.25 * t[:, 6:9],
                   power=torch.exp(0.5 * t[:, 9:12]), saturation=torch.exp(0.6 * t[:, 12]))

    def matrix(self) -> torch.Tensor:
        """The von Kries white balance as ``(B, 3, 3)`` ACEScg matrices."""
        zero = torch.zeros_like(self.stops)
        gains = torch.exp2(torch.stack([self.vk[:, 0], zero, self.vk[:, 1]], dim=1))
        to_lms = _ACESCG_TO_LMS.to(gains.dtype)
        return _LMS_TO_ACESCG.to(gains.dtype) @ torch.diag_embed(gains) @ to_lms

    def pipeline(self, index: int = 0) -> Pipeline:
        """Grade ``index`` of the batch as operators: Exposure, Matrix3x3, CDL."""
        def triple(t: torch.Tensor) -> tuple[float, float, float]:
            a, b, c = (float(v) for v in t[index])
            return (a, b, c)

        values = CDLValues(slope=triple(self.slope), offset=triple(self.offset),
                           power=triple(self.power),
                           saturation=float(self.saturation[index]))
        return Pipeline([Exposure(stops=float(self.stops[index])),
                         Matrix3x3.from_matrix(self.matrix()[index].double()),
                         CDL.from_values(values)])


def apply_grade(pixels: torch.Tensor, grade: GradeParams) -> torch.Tensor:
    """Apply ``grade`` to linear ACEScg ``pixels`` (B, P, 3); differentiable.

    Exactly what :meth:`GradeParams.pipeline` renders: exposure and the white balance in
    ACEScg, then the CDL (OCIO's no-clamp style) in ACEScct. Returns ACEScct ``(B, P, 3)``.
    """
    lin = pixels * torch.exp2(grade.stops)[:, None, None]
    lin = lin @ grade.matrix().transpose(1, 2)
    x = acescg_to_acescct(lin) * grade.slope[:, None] + grade.offset[:, None]
    x = torch.where(x > 0, x.clamp(min=1e-12) ** grade.power[:, None], x)
    luma = _luma(x, (0.2126, 0.7152, 0.0722))
    return luma + grade.saturation[:, None, None] * (x - luma)


def grade_features(pixels: torch.Tensor) -> torch.Tensor:
    """Content-robust statistics of pixel sets: what the matcher sees of an image.

    Per ACEScct channel its mean, spread and quantiles; the log-chroma (R−G, B−G in ACEScct)
    the same way and in the shadows, mid-tones and highlights; and an 8×8 joint chroma
    histogram. Shape: linear ACEScg ``(B, P, 3)`` → ``(B, F)``.
    """
    if pixels.ndim != 3 or pixels.shape[-1] != 3:
        raise ShapeError(f"grade_features: expected (B, P, 3) pixels, got {tuple(pixels.shape)}")
    cct = acescg_to_acescct(pixels)
    chroma = torch.stack([cct[..., 0] - cct[..., 1], cct[..., 2] - cct[..., 1]], dim=-1)
    luma = _luma(cct, ACESCG_LUMA)
    values = torch.cat([cct, chroma], dim=-1)  # (B, P, 5)
    # numpy's vectorised sort is ~6x torch's on CPU; features carry no gradient.
    ordered = torch.from_numpy(np.sort(
        torch.cat([values, luma], dim=-1).detach().transpose(1, 2).numpy(), axis=-1))
    n = values.shape[1]
    idx = [round(q * (n - 1)) for q in _QUANTILES]
    quant = ordered[:, :5, idx].flatten(1)  # (B, 5*7)
    moments = torch.cat([values.mean(1), values.std(1)], dim=1)  # (B, 10)
    cuts = ordered[:, 5, [n // 3, 2 * n // 3]]
    luma = luma[..., 0]
    zones = [luma <= cuts[:, :1], (luma > cuts[:, :1]) & (luma <= cuts[:, 1:]), luma > cuts[:, 1:]]
    zone_chroma = torch.cat([(chroma * z[..., None]).sum(1) / z.sum(1, keepdim=True).clamp(min=1)
                             for z in zones], dim=1)  # (B, 6)
    bins = _CHROMA_BINS
    cell = ((chroma.clamp(-_CHROMA_RANGE, _CHROMA_RANGE - 1e-6) + _CHROMA_RANGE)
            / (2 * _CHROMA_RANGE) * bins).long()
    flat = cell[..., 0] * bins + cell[..., 1]
    hist = torch.zeros(pixels.shape[0], bins * bins, dtype=pixels.dtype)
    hist.scatter_add_(1, flat, torch.ones_like(flat, dtype=pixels.dtype))
    hist = hist / values.shape[1] * bins  # order of 1 for a spread-out image
    return torch.cat([moments, quant, zone_chroma, hist], dim=1)


N_FEATURES = 10 + len(_QUANTILES) * 5 + 6 + _CHROMA_BINS ** 2


def light_prior(shot: torch.Tensor, reference: torch.Tensor, levels: int = 19) -> torch.Tensor:
    """The change of light between pixel sets, as (stops, log2 L gain, log2 S gain) ``(B, 3)``.

    Per Bradford cone, the median over quantiles (5 %–95 %) of the reference's minus the shot's
    log2 response, quantiles on the black floor left out: exact when the reference is the shot
    under another light, robust where content differs at some quantiles. The M cone's shift
    is the exposure; L and S are relative to it (a von Kries white balance).
    Shapes: linear ACEScg ``(B, P, 3)`` each.
    """
    floor = -12.0

    def log_quantiles(px: torch.Tensor) -> np.ndarray:
        cone = (px.detach().double() @ _ACESCG_TO_LMS.T).clamp(min=2.0 ** floor).log2()
        ordered = np.sort(cone.transpose(1, 2).numpy(), axis=-1)
        idx = np.round(np.linspace(0.05, 0.95, levels) * (px.shape[1] - 1)).astype(int)
        return ordered[..., idx]  # (B, 3, 19)

    sq, rq = log_quantiles(shot), log_quantiles(reference)
    usable = (sq > floor + 1) & (rq > floor + 1)
    diff = np.where(usable, rq - sq, np.nan)
    with warnings.catch_warnings():  # a cone with no usable quantile: no shift
        warnings.simplefilter("ignore", RuntimeWarning)
        shift = np.nan_to_num(np.nanmedian(diff, axis=-1))  # (B, 3)
    shift = np.clip(shift, -4.0, 4.0)
    out = np.stack([shift[:, 1], shift[:, 0] - shift[:, 1], shift[:, 2] - shift[:, 1]], axis=1)
    return torch.from_numpy(np.clip(out, [-4.0, -1.5, -1.5], [4.0, 1.5, 1.5])).float()


class MatcherNet(nn.Module):
    """An MLP from (shot, reference, difference) features to a grade; identity at start."""

    feature_mean: torch.Tensor  # (F,) buffers: the training features' statistics
    feature_std: torch.Tensor

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.register_buffer("feature_mean", torch.zeros(N_FEATURES))
        self.register_buffer("feature_std", torch.ones(N_FEATURES))
        self.body = nn.Sequential(
            nn.Linear(3 * N_FEATURES, hidden), nn.SiLU(),
            nn.Linear(hidden, hidden), nn.SiLU(),
            nn.Linear(hidden, N_PARAMS))
        last = self.body[-1]
        assert isinstance(last, nn.Linear)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    def forward(self, shot_features: torch.Tensor, reference_features: torch.Tensor
                ) -> torch.Tensor:
        """``(B, F)`` and ``(B, F)`` → raw grade parameters ``(B, 13)``."""
        s = (shot_features - self.feature_mean) / self.feature_std
        r = (reference_features - self.feature_mean) / self.feature_std
        return self.body(torch.cat([s, r, s - r], dim=1))


@dataclass(frozen=True)
class MatcherConfig:
    """How the matcher is trained; stored with the model."""

    hidden: int = 128
    steps: int = 500
    batch: int = 32
    feature_pixels: int = 2048
    loss_pixels: int = 1024
    learning_rate: float = 3e-3
    relight_stops: float = 1.5
    kelvin_range: tuple[float, float] = (3200.0, 10000.0)
    tint_range: float = 10.0
    reference_look: float = 0.5  # chance that the reference has a random look of its own
    look_jitter: float = 0.3  # chance of each grading component (contrast, saturation, CDL)
    bank: int = 128  # white-balance matrices precomputed per training run
    # Batches are small: on a shared CPU, torch's intra-op threads cost more than they give
    # (40 steps took 70 s on 2 threads against 8 s on 1 with the machine loaded).
    threads: int = 1
    light_prior: bool = True  # start from the measured change of light (:func:`light_prior`)
    extra: dict[str, Any] = field(default_factory=dict)


def sample_pixels(frames: torch.Tensor, count: int, generator: torch.Generator | None = None
                  ) -> torch.Tensor:
    """``count`` pixels of ``frames`` (N, 3, H, W) as ``(count, 3)``: evenly spread, or random."""
    flat = frames.permute(0, 2, 3, 1).reshape(-1, 3)
    if flat.shape[0] == 0:
        raise ShapeError("sample_pixels: no pixels to sample")
    if generator is None:
        idx = torch.linspace(0, flat.shape[0] - 1, count).round().long()
    else:
        idx = torch.randint(0, flat.shape[0], (count,), generator=generator)
    return flat[idx].contiguous()


class _Relights:
    """Random physically plausible relights of linear ACEScg pixels, reproducible by seed."""

    def __init__(self, config: MatcherConfig, generator: torch.Generator) -> None:
        from workbench.ops import white_balance_matrix

        self.config, self.g = config, generator
        lo, hi = (1e6 / k for k in config.kelvin_range)
        u = torch.rand(config.bank, generator=generator, dtype=torch.float64)
        kelvins = 1e6 / (hi + (lo - hi) * u)  # uniform in mireds, as gels are
        tints = (torch.rand(config.bank, generator=generator, dtype=torch.float64) * 2 - 1)
        self.bank = torch.stack([
            torch.from_numpy(white_balance_matrix(6500.0, round(float(k) / 25) * 25,
                                                  0.0, round(float(t) * config.tint_range)))
            for k, t in zip(kelvins, tints, strict=True)]).float()

    def draw(self, n: int) -> dict[str, torch.Tensor]:
        """Parameters of ``n`` relights.

        Exposure and white balance are each on with probability 0.8; the grading jitter
        (contrast, saturation, CDL) each with ``config.look_jitter``, so that many examples
        differ by light alone and the network learns to leave the light prior's answer be.
        """
        g, c = self.g, self.config

        def on(p: float = 0.8) -> torch.Tensor:
            return (torch.rand(n, generator=g) < p).float()

        def normal(*shape: int) -> torch.Tensor:
            return torch.randn(*shape, generator=g)

        eye = torch.eye(3).expand(n, 3, 3)
        wb = self.bank[torch.randint(0, len(self.bank), (n,), generator=g)]
        use_wb = on()[:, None, None]
        return {
            "stops": on() * (torch.rand(n, generator=g) * 2 - 1) * c.relight_stops,
            "matrix": use_wb * wb + (1 - use_wb) * eye,
            "contrast": torch.exp(on(c.look_jitter) * normal(n) * 0.12),
            "saturation": torch.exp(on(c.look_jitter) * normal(n) * 0.15),
            "slope": torch.exp(on(c.look_jitter)[:, None] * normal(n, 3) * 0.04),
            "offset": on(c.look_jitter)[:, None] * normal(n, 3) * 0.015,
            "power": torch.exp(on(c.look_jitter)[:, None] * normal(n, 3) * 0.04),
        }

    @staticmethod
    def identity(n: int) -> dict[str, torch.Tensor]:
        """``n`` relights that change nothing."""
        return {"stops": torch.zeros(n), "matrix": torch.eye(3).expand(n, 3, 3),
                "contrast": torch.ones(n), "saturation": torch.ones(n),
                "slope": torch.ones(n, 3), "offset": torch.zeros(n, 3), "power": torch.ones(n, 3)}


def relight(pixels: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
    """Relight linear ACEScg ``pixels`` (B, P, 3) with parameters ``p``; linear ACEScg out.

    Exposure and the white balance in linear light, contrast (about ACEScct mid grey) and a
    CDL jitter in ACEScct, saturation in linear light about ACEScg luminance.
    """
    lin = pixels * torch.exp2(p["stops"])[:, None, None]
    lin = lin @ p["matrix"].transpose(1, 2)
    cct = acescg_to_acescct(lin)
    cct = (cct - 0.4135884) * p["contrast"][:, None, None] + 0.4135884
    cct = cct * p["slope"][:, None] + p["offset"][:, None]
    cct = torch.where(cct > 0, cct.clamp(min=1e-12) ** p["power"][:, None], cct)
    lin = acescct_to_acescg(cct)
    luma = _luma(lin, ACESCG_LUMA)
    return luma + p["saturation"][:, None, None] * (lin - luma)


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
        prior = _prior(shot, ref, self.config) if prior is None else prior
        raw = self.net(grade_features(_apply_light(shot, prior)), grade_features(ref))
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
        """Inverse of :meth:`to_dict` and :meth:`state_dict`; a mismatch raises ParameterError."""
        if data.get("schema") != MATCHER_SCHEMA:
            raise ParameterError(f"matcher: expected schema {MATCHER_SCHEMA!r}, "
                                 f"got {data.get('schema')!r}")
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
        batches uncorrected), ``steps``, ``seconds``, ``stopped_early``.
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
    pool = torch.stack([sample_pixels(f[None].float(), 4 * config.feature_pixels, g)
                        for f in frames])  # (F, 4P, 3)
    members: dict[int, list[int]] = {}
    for i, grp in enumerate(groups):
        members.setdefault(int(grp), []).append(i)
    partners = [torch.tensor(members[int(grp)]) for grp in groups]
    relights = _Relights(config, g)
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
        prior = _prior(shot_in, ref_in, config)
        raw = net(grade_features(_apply_light(shot_in, prior)), grade_features(ref_in))
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
    metrics = {"loss": round(loss_value, 6), "identity_loss": round(base_value, 6),
               "steps": step, "seconds": round(time.perf_counter() - start, 3),
               "stopped_early": stopped, "frames": len(frames), "seed": seed}
    return TitleMatcher(net, config, metrics)


def _batch(pool: torch.Tensor, partners: list[torch.Tensor], relights: _Relights,
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


def _prior(shot: torch.Tensor, reference: torch.Tensor, config: MatcherConfig) -> torch.Tensor:
    if config.light_prior:
        return light_prior(shot, reference)
    return torch.zeros(shot.shape[0], 3)


def _apply_light(pixels: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """``pixels`` (B, P, 3) ACEScg with the light prior's exposure and white balance applied."""
    zeros = torch.zeros(prior.shape[0], 3)
    light = GradeParams(prior[:, 0], prior[:, 1:], zeros + 1, zeros, zeros + 1,
                        torch.ones(prior.shape[0]))
    return pixels * torch.exp2(light.stops)[:, None, None] @ light.matrix().transpose(1, 2)


def _mix(keep: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    k = keep.reshape(-1, *([1] * (a.ndim - 1)))
    return k * a + (1 - k) * b


def _calibrate(net: MatcherNet, pool: torch.Tensor, relights: _Relights, config: MatcherConfig,
               g: torch.Generator) -> None:
    """Set the network's feature normalisation from relit training batches."""
    feats = []
    for _ in range(4):
        shot_in, ref_in, _ = _batch(pool, [torch.arange(pool.shape[0])] * pool.shape[0],
                                    relights, config, g)
        shot_in = _apply_light(shot_in, _prior(shot_in, ref_in, config))
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


def to_numpy_grade(grade: GradeParams) -> dict[str, np.ndarray]:
    """Plain arrays of a grade batch, for reports and tests."""
    return {k: getattr(grade, k).detach().numpy() for k in
            ("stops", "vk", "slope", "offset", "power", "saturation")}


def as_matcher(model: Any) -> TitleMatcher:
    """The learned matcher of ``model``: a TitleMatcher, a TitleModel, or a title directory."""
    if isinstance(model, TitleMatcher):
        return model
    found = getattr(model, "matcher", None)
    if isinstance(found, TitleMatcher):
        return found
    if isinstance(model, str | Path) or hasattr(model, "shots"):  # a directory or a Title
        from workbench.model.title_model import TitleModel

        return TitleModel.load(model).matcher
    raise ParameterError(f"match method 'title': expected a trained title model, a matcher or "
                         f"a title directory, got {type(model).__name__}")


def _fit_title(inputs: Any) -> Callable[[torch.Tensor], torch.Tensor]:
    """The ``"title"`` match method for :func:`workbench.model.methods.match_frames`."""
    pipeline = as_matcher(inputs.title_model).match(inputs.shot, inputs.reference)

    def apply(lin: torch.Tensor) -> torch.Tensor:
        return pipeline.apply(lin.float().T.reshape(1, 3, -1, 1)).reshape(3, -1).T
    return apply


def _register() -> None:
    from workbench.model.methods import register_method

    register_method("title", _fit_title, needs_title_model=True, replace=True,
                    description="learned matcher trained on the title's dailies "
                                "(exposure, von Kries white balance, CDL in ACEScct)")


_register()
