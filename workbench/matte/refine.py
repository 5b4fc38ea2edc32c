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
from workbench.matte._filters import box_mean, max_filter, min_filter, resize, tile_runs

__all__ = [
    "apply_coefficients", "edge_boxes", "guide", "guided_coefficients", "guided_refine",
]


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


def edge_boxes(alpha: torch.Tensor, reach: int, tile: int) -> list[tuple[int, int, int, int]]:
    """Boxes ``(y0, y1, x0, x1)`` covering every pixel of ``alpha`` within ``reach`` of a change.

    Away from them ``alpha`` is constant over ``reach`` pixels all round, where a guided filter
    (``reach`` at least twice its radius) gives that constant back. ``tile`` x ``tile`` tiles,
    each row of tiles joined into runs of neighbouring edge tiles.

    Shape
    -----
    ``(B, 1, H, W)`` → boxes in its pixels
    """
    a = alpha.amax(dim=0, keepdim=True), alpha.amin(dim=0, keepdim=True)
    varied = (max_filter(a[0], reach) > min_filter(a[1], reach))[0, 0]
    return tile_runs(varied, tile)


def _refine_box(alpha: torch.Tensor, plate: torch.Tensor, box: tuple[int, int, int, int],
                r: int, eps: float, sub: int) -> torch.Tensor:
    """The guided filter's output on one box of the small frame, at full size.

    Computed on the box with a halo wide enough (two box filters and the bilinear step) that
    the box's values equal the whole frame's.
    """
    h, w = alpha.shape[-2:]
    y0, y1, x0, x1 = box
    halo = 2 * r + 1
    cy0, cy1, cx0, cx1 = max(0, y0 - halo), min(h, y1 + halo), max(0, x0 - halo), min(w, x1 + halo)
    g = guide(plate[..., cy0 * sub:cy1 * sub, cx0 * sub:cx1 * sub])
    small = g if sub == 1 else resize(g, (cy1 - cy0, cx1 - cx0), "area")
    a, b = guided_coefficients(alpha[..., cy0:cy1, cx0:cx1], small, r, eps)
    # Coefficients one pixel beyond the box: the bilinear step reads them.
    ey0, ey1, ex0, ex1 = max(cy0, y0 - 1), min(cy1, y1 + 1), max(cx0, x0 - 1), min(cx1, x1 + 1)
    oy, ox = (ey0 - cy0) * sub, (ex0 - cx0) * sub
    out = apply_coefficients(a[..., ey0 - cy0:ey1 - cy0, ex0 - cx0:ex1 - cx0],
                             b[..., ey0 - cy0:ey1 - cy0, ex0 - cx0:ex1 - cx0],
                             g[..., oy:oy + (ey1 - ey0) * sub, ox:ox + (ex1 - ex0) * sub])
    iy, ix = (y0 - ey0) * sub, (x0 - ex0) * sub
    return out[..., iy:iy + (y1 - y0) * sub, ix:ix + (x1 - x0) * sub]


def guided_refine(
    alpha: torch.Tensor,
    plate: torch.Tensor,
    radius: int = 4,
    eps: float = 1e-3,
    subsample: int = 1,
    tile: int = 0,
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
    tile
        0 filters the whole frame. Otherwise only tiles of this many (subsampled) pixels near
        a change of ``alpha`` are filtered; elsewhere ``alpha`` is constant and is given back
        as it is, which is what the filter gives there (to float rounding). Much faster when
        most of the frame is solid subject or bare screen.

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
    if radius < 1 or eps <= 0 or subsample < 1 or tile < 0:
        raise ParameterError(
            f"guided_refine: radius >= 1, eps > 0, subsample >= 1 and tile >= 0 required, "
            f"got {radius}, {eps}, {subsample}, {tile}"
        )
    h, w = plate.shape[-2:]
    size = (max(1, h // subsample), max(1, w // subsample))
    small_alpha = resize(alpha, size, "bilinear" if subsample == 1 else "area")
    r = max(1, (2 * int(radius)) // subsample // 2) if subsample > 1 else int(radius)
    if tile and size[0] * subsample == h and size[1] * subsample == w:
        out = resize(small_alpha.clamp(0.0, 1.0), (h, w), "nearest")
        for box in edge_boxes(small_alpha, 2 * r + 1, tile):
            y0, y1, x0, x1 = (v * subsample for v in box)
            out[..., y0:y1, x0:x1] = _refine_box(small_alpha, plate, box, r, eps, subsample)
        return out
    full = guide(plate)
    small = full if subsample == 1 else resize(full, size, "area")
    a, b = guided_coefficients(small_alpha, small, r, eps)
    return apply_coefficients(a, b, full)
