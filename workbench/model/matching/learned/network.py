"""The learned matcher's network and the parametric grade it predicts.

The network sees both shots' features (:mod:`.features`) and predicts a grade that stays an
editable chain of operators: exposure, a von Kries white balance (a diagonal gain in Bradford
LMS, as a 3×3 matrix on ACEScg) and an ASC CDL in ACEScct with its saturation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from workbench.color.luma import REC709_LUMA
from workbench.model.matching.learned.features import (
    ACESCG_TO_LMS,
    LMS_TO_ACESCG,
    N_FEATURES,
    acescg_to_acescct,
    light_prior,
    weighted_luma,
)
from workbench.ops import CDL, CDLValues, Exposure, Matrix3x3, Pipeline

__all__ = [
    "N_PARAMS",
    "GradeParams",
    "MatcherConfig",
    "MatcherNet",
    "apply_grade",
    "apply_light",
    "measure_light",
]

N_PARAMS = 13  # stops, 2 von Kries log2 gains, slope/offset/power (3 each), saturation


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
        to_lms = ACESCG_TO_LMS.to(gains.dtype)
        return LMS_TO_ACESCG.to(gains.dtype) @ torch.diag_embed(gains) @ to_lms

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
    luma = weighted_luma(x, REC709_LUMA)
    return luma + grade.saturation[:, None, None] * (x - luma)


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


def measure_light(shot: torch.Tensor, reference: torch.Tensor, config: MatcherConfig
                  ) -> torch.Tensor:
    """The light prior ``(B, 3)`` of ``(B, P, 3)`` pixel sets, or zeros when it is off."""
    if config.light_prior:
        return light_prior(shot, reference)
    return torch.zeros(shot.shape[0], 3)


def apply_light(pixels: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """``pixels`` (B, P, 3) ACEScg with the light prior's exposure and white balance applied."""
    zeros = torch.zeros(prior.shape[0], 3)
    light = GradeParams(prior[:, 0], prior[:, 1:], zeros + 1, zeros, zeros + 1,
                        torch.ones(prior.shape[0]))
    return pixels * torch.exp2(light.stops)[:, None, None] @ light.matrix().transpose(1, 2)
