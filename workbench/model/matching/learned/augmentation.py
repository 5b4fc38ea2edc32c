"""Augmentation for training the learned matcher: random, physically plausible relights."""

from __future__ import annotations

import torch

from workbench.model.matching.learned.features import (
    acescct_to_acescg,
    acescg_to_acescct,
    weighted_luma,
)
from workbench.model.matching.learned.network import MatcherConfig
from workbench.ops.saturation import ACESCG_LUMA

__all__ = ["Relights", "relight"]


class Relights:
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
    luma = weighted_luma(lin, ACESCG_LUMA)
    return luma + p["saturation"][:, None, None] * (lin - luma)
