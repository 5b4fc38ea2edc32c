"""Gaussian blur and unsharp-mask sharpening in scene-linear light.

Nothing is clamped: values above 1 (speculars, lamps) and below 0 pass through, blurred and
sharpened like any other. The frame border is handled by *replicating* the edge pixels, so a
constant image stays exactly constant, edges do not darken and any frame size, even 1x1, works.
"""

from __future__ import annotations

import math

import param
import torch

from workbench.checks import check_image
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, register_operator

__all__ = ["Blur", "Sharpen", "apply_blur", "apply_sharpen", "gaussian_blur", "gaussian_weights"]


def gaussian_weights(sigma: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Normalised 1D Gaussian taps for each ``sigma`` (pixels): ``((N, 2R+1), R)``.

    ``R = ceil(3 * max(sigma))``; ``sigma = 0`` gives the unit impulse.
    """
    radius = math.ceil(3.0 * float(sigma.detach().max())) if sigma.numel() else 0
    k = torch.arange(-radius, radius + 1, dtype=sigma.dtype, device=sigma.device)
    s = sigma.reshape(-1, 1).clamp_min(1e-6)
    w = torch.exp(-0.5 * (k / s) ** 2)
    return w / w.sum(dim=1, keepdim=True), radius


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian blur of ``x`` with the taps of :func:`gaussian_weights`, edges replicated.

    ``sigma`` (pixels) is one value, or one per image of the batch; the kernel has ``2R + 1``
    taps for the largest. The convolution is kornia's ``gaussian_blur2d`` (replicate border,
    no clamp), run on ``x - x[..., :1, :1]`` and shifted back, so that a constant image is
    returned bit for bit: its differences are exact zeros whatever the rounding of the taps.
    Non-finite corner pixels shift by 0 instead.

    Shape
    -----
    ``x``: ``(B, C, H, W)``, any float dtype; ``sigma``: ``(1,)`` or ``(B,)`` → ``(B, C, H, W)``
    """
    radius = math.ceil(3.0 * float(sigma.detach().max())) if sigma.numel() else 0
    if radius == 0:
        return x.clone()
    from kornia.filters import gaussian_blur2d  # lazy: kornia costs ~1.5 s to import

    ref = x[:, :, :1, :1]
    ref = torch.where(torch.isfinite(ref), ref, torch.zeros_like(ref))
    s = sigma.to(dtype=x.dtype, device=x.device).reshape(-1, 1).clamp_min(1e-6).expand(-1, 2)
    size = 2 * radius + 1
    return ref + gaussian_blur2d(x - ref, (size, size), s, border_type="replicate")


def apply_blur(img: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
    """Gaussian blur of standard deviation ``sigma`` pixels, separable, in linear light.

    Boundary: edge pixels are replicated (the frame is extended with its own border), so a
    constant image is returned exactly and the frame edges neither darken nor wrap. The kernel
    is truncated at ``3 * sigma`` and normalised to sum to 1, so the mean of a constant image is
    preserved bit for bit and values above 1 stay above 1 (highlights bloom, nothing clamps).

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range.
    sigma
        Float or ``(B,)`` tensor, >= 0 (0 is the identity).

    Shape
    -----
    ``(B, C, H, W)`` → ``(B, C, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 4, 4), 4.0)
    >>> torch.equal(apply_blur(img, 2.0), img)
    True
    """
    check_image(img, "apply_blur input")
    s = as_batch(sigma, img, "Blur.sigma")
    check_range(s, "Blur.sigma", 0.0, None)
    return gaussian_blur(img, s.reshape(-1))


@register_operator
class Blur(Operator):
    """Gaussian blur in linear light (edges replicated; nothing clamped)."""

    space = "ACEScg"
    per_pixel = False  # looks at its position or its neighbours

    sigma = param.Number(0.0, bounds=(0.0, 100.0), softbounds=(0.0, 20.0), step=0.1,
                         label="Blur (px)", doc="Standard deviation of the Gaussian in pixels.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_blur(img, self.sigma * self.strength)


def apply_sharpen(
    img: torch.Tensor, amount: float | torch.Tensor, radius: float | torch.Tensor = 1.0,
) -> torch.Tensor:
    """Unsharp mask: ``img + amount * (img - blur(img, radius))``, unclamped.

    Overshoot around edges can go below 0 or above the input's range; that is kept (a clamp
    would be a separate, named step). ``amount=0`` returns the image unchanged.

    Parameters
    ----------
    amount
        Float or ``(B,)`` tensor, >= 0.
    radius
        Sigma of the Gaussian in pixels (>= 0), see :func:`apply_blur`.

    Shape
    -----
    ``(B, C, H, W)`` → ``(B, C, H, W)``

    Example
    -------
    >>> img = torch.tensor([0.0, 0.0, 1.0, 1.0]).reshape(1, 1, 1, 4).expand(1, 3, 1, 4)
    >>> out = apply_sharpen(img, 1.0, 1.0)
    >>> bool(out[0, 0, 0, 1] < 0) and bool(out[0, 0, 0, 2] > 1)
    True
    """
    check_image(img, "apply_sharpen input")
    a = as_batch(amount, img, "Sharpen.amount")
    r = as_batch(radius, img, "Sharpen.radius")
    check_range(a, "Sharpen.amount", 0.0, None)
    check_range(r, "Sharpen.radius", 0.0, None)
    return img + a * (img - gaussian_blur(img, r.reshape(-1)))


@register_operator
class Sharpen(Operator):
    """Unsharp-mask sharpening in linear light; overshoot is not clamped."""

    space = "ACEScg"
    per_pixel = False  # looks at its position or its neighbours

    amount = param.Number(0.0, bounds=(0.0, 10.0), softbounds=(0.0, 3.0), step=0.05,
                          label="Amount", doc="How much of the detail (img - blur) to add.")
    radius = param.Number(1.0, bounds=(0.0, 50.0), softbounds=(0.3, 5.0), step=0.1,
                          label="Radius (px)",
                          doc="Sigma of the Gaussian that separates detail, in pixels.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_sharpen(img, self.amount * self.strength, self.radius)
