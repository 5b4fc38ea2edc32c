"""How a matte model is trained: the settings its manifest records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from workbench.errors import ParameterError

__all__ = ["MATTE_MODEL_SCHEMA", "MatteModelSettings"]

MATTE_MODEL_SCHEMA = "MatteModel.1"


@dataclass(frozen=True)
class MatteModelSettings:
    """Training settings of a :class:`~workbench.matte.model.MatteModel`.

    Attributes
    ----------
    width : int
        Network channels at full resolution (see :class:`~workbench.matte.model.net.MatteNet`).
    steps : int
        Adam steps.
    batch : int
        Crops per step.
    crop : int
        Crop side in proxy pixels (the whole frame where it is smaller). More is better but
        slower: on the benchmark's plant_green shot, 400 steps of 96 px crops reached alpha MSE
        0.00594 on the unapproved frames in 52 CPU-s, these defaults 0.00689 in 16 CPU-s (the
        keyer: 0.01121).
    lr : float
        Adam's learning rate, decayed on a cosine to 5 %.
    proxy_width : int
        Frames wider than this are trained at this width; inference runs the network at the
        same scale relative to the source and adds its upsampled residual to the full-size key.
    held_out : float
        Fraction of the approved frames kept out of training to earn the model its trust
        (at least one frame).
    seed : int
        Seeds the weights and the crops: the same data and settings train the same model.
    threads : int
        torch threads while training. 1 by default: these convolutions are small, and with 2
        threads on a busy 2-core machine each step took about 10x the CPU time (threads
        spinning while waiting for each other).
    """

    width: int = 8
    steps: int = 300
    batch: int = 8
    crop: int = 64
    lr: float = 3e-3
    proxy_width: int = 512
    held_out: float = 0.25
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        checks = {"width": (1, 64), "steps": (1, 100_000), "batch": (1, 256), "crop": (8, 4096),
                  "proxy_width": (16, 16384), "threads": (1, 256)}
        for name, (lo, hi) in checks.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not lo <= value <= hi:
                raise ParameterError(f"MatteModelSettings.{name} must be an integer in "
                                     f"[{lo}, {hi}], got {value!r}")
        if not 0 < self.lr <= 1:
            raise ParameterError(f"MatteModelSettings.lr must be in (0, 1], got {self.lr!r}")
        if not 0 < self.held_out < 1:
            raise ParameterError(f"MatteModelSettings.held_out must be in (0, 1), got "
                                 f"{self.held_out!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatteModelSettings:
        """From :meth:`to_dict`'s form; unknown keys are refused naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError(f"MatteModelSettings: unknown settings {unknown}")
        return cls(**data)
