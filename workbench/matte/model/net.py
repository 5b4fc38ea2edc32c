"""The matte network: a tiny U-Net that corrects a keyer's alpha from the plate.

Input: the plate's linear RGB through ``asinh`` (so highlights above 1 and small negatives
stay ordered without a clamp) and the keyer's alpha, four channels. Output: a residual added to
the keyer's alpha. The last layer starts at zero, so an untrained network *is* the keyer, and
training only ever has to learn what the keyer gets wrong (spill on green leaves, a blue object
on blue, hair). Three scales (full, 1/2, 1/4) with 8, 16 and 32 channels: about 29 k weights,
cheap enough to train on a CPU in a minute and to run at 1080p.

References
----------
O. Ronneberger, P. Fischer, T. Brox, "U-Net: Convolutional Networks for Biomedical Image
Segmentation", MICCAI 2015.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MatteNet", "net_input"]

_ASINH_GAIN = 4.0


def net_input(plate: torch.Tensor, keyer_alpha: torch.Tensor) -> torch.Tensor:
    """The network's ``(B, 4, H, W)`` input from a ``(B, 3, H, W)`` linear plate and its key.

    ``asinh(4 x) / asinh(4)``: about linear near 0, logarithmic above 1, so a plate's scene-linear
    range is compressed without clipping anything.
    """
    rgb = torch.asinh(plate * _ASINH_GAIN) / math.asinh(_ASINH_GAIN)
    return torch.cat([rgb, keyer_alpha * 2 - 1], dim=1)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1),
                         nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1),
                         nn.ReLU(inplace=True))


class MatteNet(nn.Module):
    """``(B, 4, H, W)`` network input to a ``(B, 1, H, W)`` residual on the keyer's alpha.

    Parameters
    ----------
    width
        Channels at full resolution; 2x and 4x that at 1/2 and 1/4.

    Shape
    -----
    Any ``H, W`` (odd sizes are padded internally and cropped back).
    """

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        w = int(width)
        self.width = w
        self.enc0 = _block(4, w)
        self.enc1 = _block(w, 2 * w)
        self.mid = _block(2 * w, 4 * w)
        self.dec1 = _block(6 * w, 2 * w)
        self.dec0 = nn.Sequential(nn.Conv2d(3 * w, w, 3, padding=1),
                                  nn.ReLU(inplace=True))
        self.head = nn.Conv2d(w, 1, 1)
        nn.init.zeros_(self.head.weight)  # untrained = the keyer, exactly
        nn.init.zeros_(self.head.bias)  # type: ignore[arg-type]  # a Conv2d has a bias here

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The residual for input ``x`` (see :func:`net_input`)."""
        h, w = x.shape[-2:]
        ph, pw = (-h) % 4, (-w) % 4
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        e0 = self.enc0(x)
        e1 = self.enc1(F.avg_pool2d(e0, 2))
        m = self.mid(F.avg_pool2d(e1, 2))
        up1 = F.interpolate(m, size=e1.shape[-2:], mode="bilinear", align_corners=False)
        d1 = self.dec1(torch.cat([up1, e1], dim=1))
        up0 = F.interpolate(d1, size=e0.shape[-2:], mode="bilinear", align_corners=False)
        out = self.head(self.dec0(torch.cat([up0, e0], dim=1)))
        return out[..., :h, :w]
