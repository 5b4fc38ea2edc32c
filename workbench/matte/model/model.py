"""MatteModel: a trained :class:`MatteNet`, the trust it earned, and what it was trained on.

The model never replaces the keyer; it corrects it::

    alpha = clip(keyer_alpha + trust * upsample(net(downsample(plate, keyer_alpha))), 0, 1)

The network runs at the proxy scale it was trained at (frames wider than
``settings.proxy_width`` are scaled down to it, in training and here alike) and its residual is
upsampled to the plate's size.

``trust`` in [0, 1] is chosen after training on approved frames the network never saw: the
value that gives the lowest alpha error there, 0 when the network made things worse. At
``trust = 0`` the model returns the keyer's alpha bit for bit, so on those held-out frames it is
never worse than the keyer it learned from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from workbench.checks import check_finite
from workbench.errors import ShapeError
from workbench.matte.model.net import MatteNet, net_input
from workbench.matte.model.settings import MatteModelSettings

__all__ = ["MatteModel", "check_pair", "proxy_scale", "resize"]


def check_pair(plate: torch.Tensor, keyer_alpha: torch.Tensor, where: str = "plate") -> None:
    """A ``(B, 3, H, W)`` plate and its ``(B, 1, H, W)`` key, same size, finite.

    Raises
    ------
    ShapeError
        Wrong shapes, naming ``where``.
    MediaError
        NaN or Inf pixels.
    """
    if plate.ndim != 4 or plate.shape[1] != 3:
        raise ShapeError(f"{where}: expected a (B, 3, H, W) plate, got {tuple(plate.shape)}")
    if keyer_alpha.ndim != 4 or keyer_alpha.shape[1] != 1:
        raise ShapeError(f"{where}: expected a (B, 1, H, W) matte, got "
                         f"{tuple(keyer_alpha.shape)}")
    if plate.shape[0] != keyer_alpha.shape[0] or plate.shape[-2:] != keyer_alpha.shape[-2:]:
        raise ShapeError(f"{where}: plate {tuple(plate.shape)} and matte "
                         f"{tuple(keyer_alpha.shape)} differ in size")
    check_finite(plate, where)
    check_finite(keyer_alpha, f"{where} matte")


def proxy_scale(width: int, proxy_width: int) -> float:
    """The scale a frame ``width`` pixels wide is trained and run at: at most 1."""
    return min(1.0, proxy_width / max(1, width))


def resize(img: torch.Tensor, scale: float) -> torch.Tensor:
    """``img`` scaled by ``scale`` (area average down, unchanged at 1)."""
    if scale >= 1.0:
        return img
    h, w = img.shape[-2:]
    size = (max(4, round(h * scale)), max(4, round(w * scale)))
    return F.interpolate(img, size=size, mode="area")


@dataclass
class MatteModel:
    """A per-title matte model.

    Attributes
    ----------
    net : MatteNet
        The trained network (eval mode).
    trust : float
        How much of the network's correction is applied, in [0, 1] (see the module docstring).
    settings : MatteModelSettings
        How it was trained.
    metadata : dict
        ``version_id``, ``created``, ``training_data_sha256``, ``frames``, ``metrics``
        (``held_out_keyer_mse``, ``held_out_model_mse``, ``held_out_raw_mse``...) and
        ``keyer`` (what produced the alphas it learned from).
    """

    net: MatteNet
    trust: float
    settings: MatteModelSettings = field(default_factory=MatteModelSettings)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version_id(self) -> str:
        """The folder name the model is stored under."""
        return str(self.metadata.get("version_id", ""))

    def residual(self, plate: torch.Tensor, keyer_alpha: torch.Tensor) -> torch.Tensor:
        """The network's correction at full size, before ``trust``: ``(B, 1, H, W)``."""
        h, w = plate.shape[-2:]
        scale = proxy_scale(w, self.settings.proxy_width)
        x = net_input(resize(plate, scale), resize(keyer_alpha, scale))
        with torch.no_grad():
            r = self.net(x)
        if r.shape[-2:] != (h, w):
            r = F.interpolate(r, size=(h, w), mode="bilinear", align_corners=False)
        return r

    def apply(self, plate: torch.Tensor, keyer_alpha: torch.Tensor,
              trust: float | None = None) -> torch.Tensor:
        """The corrected matte.

        Parameters
        ----------
        plate
            ``(B, 3, H, W)`` float32, the linear working space the model was trained in.
        keyer_alpha
            ``(B, 1, H, W)`` the keyer's alpha for ``plate`` (same keyer and settings as in
            training).
        trust
            Override the stored trust (0 returns ``keyer_alpha`` unchanged).

        Returns
        -------
        torch.Tensor
            ``(B, 1, H, W)`` float32 in [0, 1].
        """
        check_pair(plate, keyer_alpha)
        k = self.trust if trust is None else float(trust)
        if k == 0.0:
            return keyer_alpha.clone()
        return (keyer_alpha + k * self.residual(plate, keyer_alpha)).clamp(0.0, 1.0)

    __call__ = apply
