"""Edge refinement: a guided filter that lets the plate's own edges shape the matte.

He, Sun and Tang's guided filter with a colour guide (ECCV 2010; the fast subsampled form,
arXiv:1505.00996), the same maths as kornia's ``guided_blur`` but with OpenCV box filters and a
closed-form 3x3 solve per pixel (kornia's ``linalg.solve`` and convolutions dominate a 1080p key
on CPU): the matte is locally a linear function of the plate's colour, so a blocky or noisy key
takes on the fine structure (hair, leaves) of the picture. The guide is the plate in a
perceptual-ish encoding (``log2(1 + 16 x)``), so dark edges count as much as bright.
"""

from __future__ import annotations

import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.matte._filters import box_mean, resize

__all__ = ["apply_coefficients", "guide", "guided_coefficients", "guided_refine"]


def guide(plate: torch.Tensor) -> torch.Tensor:
    """The guide image ``log2(1 + 16 max(x, 0)) / 4`` of a linear plate (NaN as 0).

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    g = torch.nan_to_num(plate).clamp_min_(0.0).mul_(16.0).log1p_()
    return g.mul_(1.0 / (4.0 * 0.6931471805599453))


def guided_coefficients(
    alpha: torch.Tensor, guide_img: torch.Tensor, radius: int, eps: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The guided filter's smoothed linear coefficients: ``alpha ≈ sum_c a_c guide_c + b``.

    Box windows of ``2 radius + 1`` pixels, edges reflected (as kornia's ``"reflect"``).

    Shape
    -----
    ``alpha``: ``(B, 1, H, W)``; ``guide_img``: ``(B, 3, H, W)`` → ``a`` ``(B, 3, H, W)``,
    ``b`` ``(B, 1, H, W)``
    """
    g = guide_img
    r = int(radius)
    b_, _, h, w = g.shape
    # Everything box-filtered in one stack: the guide (3), alpha, the guide's products for
    # the 3x3 covariance (upper triangle, 6) and guide times alpha (3).
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    stack = torch.empty((b_, 13, h, w), dtype=g.dtype, device=g.device)
    stack[:, :3] = g
    stack[:, 3:4] = alpha
    for k, (i, j) in enumerate(pairs):
        torch.mul(g[:, i:i + 1], g[:, j:j + 1], out=stack[:, 4 + k:5 + k])
    torch.mul(g, alpha, out=stack[:, 10:13])
    mean = box_mean(stack, r, reflect=True)
    m = [mean[:, c:c + 1] for c in range(3)]
    mean_p = mean[:, 3:4]
    # Covariances in place over the box means.
    for k, (i, j) in enumerate(pairs):
        mean[:, 4 + k:5 + k].addcmul_(m[i], m[j], value=-1.0)
    for c in range(3):
        mean[:, 10 + c:11 + c].addcmul_(m[c], mean_p, value=-1.0)
    xx, xy, xz, yy, yz, zz = (mean[:, 4 + k:5 + k] for k in range(6))
    xx.add_(eps)
    yy.add_(eps)
    zz.add_(eps)
    cp = [mean[:, 10 + c:11 + c] for c in range(3)]
    # Symmetric 3x3 inverse by cofactors: a = Sigma^-1 cov_Ip at every pixel.
    c00 = (yy * zz).addcmul_(yz, yz, value=-1.0)
    c01 = (xz * yz).addcmul_(xy, zz, value=-1.0)
    c02 = (xy * yz).addcmul_(xz, yy, value=-1.0)
    c11 = (xx * zz).addcmul_(xz, xz, value=-1.0)
    c12 = (xy * xz).addcmul_(xx, yz, value=-1.0)
    c22 = (xx * yy).addcmul_(xy, xy, value=-1.0)
    inv_det = (xx * c00).addcmul_(xy, c01).addcmul_(xz, c02).reciprocal_()
    coeffs = torch.empty((b_, 4, h, w), dtype=g.dtype, device=g.device)
    for c, (u, v, t) in enumerate([(c00, c01, c02), (c01, c11, c12), (c02, c12, c22)]):
        a_c = coeffs[:, c:c + 1]
        torch.mul(u, cp[0], out=a_c)
        a_c.addcmul_(v, cp[1]).addcmul_(t, cp[2]).mul_(inv_det)
    b = coeffs[:, 3:4]
    b.copy_(mean_p)
    for c in range(3):
        b.addcmul_(coeffs[:, c:c + 1], m[c], value=-1.0)
    coeffs = box_mean(coeffs, r, reflect=True)
    return coeffs[:, :3], coeffs[:, 3:]


def apply_coefficients(a: torch.Tensor, b: torch.Tensor, guide_img: torch.Tensor) -> torch.Tensor:
    """``sum_c a_c guide_c + b``, clamped to [0, 1].

    The coefficients are brought bilinearly to the guide's size first.

    Shape
    -----
    ``a``: ``(B, 3, h, w)``; ``b``: ``(B, 1, h, w)``; ``guide_img``: ``(B, 3, H, W)`` →
    ``(B, 1, H, W)``
    """
    size = (guide_img.shape[-2], guide_img.shape[-1])
    ab = resize(torch.cat([a, b], dim=1), size)
    out = ab[:, 3:].addcmul(ab[:, :1], guide_img[:, :1])
    out.addcmul_(ab[:, 1:2], guide_img[:, 1:2]).addcmul_(ab[:, 2:3], guide_img[:, 2:3])
    return out.clamp_(0.0, 1.0)


def guided_refine(
    alpha: torch.Tensor,
    plate: torch.Tensor,
    radius: int = 4,
    eps: float = 1e-3,
    subsample: int = 1,
) -> torch.Tensor:
    """Refine ``alpha`` with a guided filter on ``plate``.

    Parameters
    ----------
    alpha
        Matte in [0, 1], at ``plate``'s size or ``subsample`` times smaller.
    plate
        Linear RGB plate, the guide.
    radius
        Window radius in pixels at ``plate``'s size (>= 1); the window is ``2 radius + 1`` wide.
    eps
        Regularisation in squared guide units (> 0): larger smooths more, smaller follows the
        plate's edges more closely.
    subsample
        Fast guided filter: compute the coefficients on a frame this many times smaller (>= 1;
        the guide area-averaged down to it), apply them at full size.

    Returns
    -------
    torch.Tensor
        The refined matte at ``plate``'s size, clamped to [0, 1].

    Shape
    -----
    ``alpha``: ``(B, 1, H, W)`` or ``(B, 1, H/s, W/s)``; ``plate``: ``(B, 3, H, W)`` →
    ``(B, 1, H, W)``
    """
    check_image(plate, "guided_refine plate")
    if radius < 1 or eps <= 0 or subsample < 1:
        raise ParameterError(
            f"guided_refine: radius >= 1, eps > 0 and subsample >= 1 required, "
            f"got {radius}, {eps}, {subsample}"
        )
    full = guide(plate)
    if subsample == 1:
        small, small_alpha = full, resize(alpha, (full.shape[-2], full.shape[-1]))
    else:
        h, w = plate.shape[-2:]
        size = (max(1, h // subsample), max(1, w // subsample))
        small = resize(full, size, "area")
        small_alpha = resize(alpha, size, "area")
    r = max(1, (2 * int(radius)) // subsample // 2) if subsample > 1 else int(radius)
    a, b = guided_coefficients(small_alpha, small, r, eps)
    return apply_coefficients(a, b, full)
