"""Power windows: soft mattes drawn from a centre, size, rotation and feather, with tracking.

A *power window* is a soft matte, ``(B, 1, H, W)`` with values in [0, 1], drawn from a few
numbers a colourist moves on screen: a centre, a size, a rotation and a feather. Windows are
placed in normalised coordinates so the same numbers fit a proxy and the full-resolution frame:

* ``centre_x``, ``centre_y`` in [0, 1] are fractions of the frame's width and height
  (``(0, 0)`` is the top-left corner of the top-left pixel, ``(1, 1)`` the bottom-right
  corner of the bottom-right pixel);
* ``size`` and ``feather`` are in units of the frame *height*, so ``aspect=1`` is a circle
  (or a square) on any frame shape;
* ``rotation`` is in degrees, clockwise on screen (the image's y axis points down).

A window can follow a tracked object: ``transform`` is a ``(B, 2, 3)`` or ``(B, 3, 3)`` matrix
(``(2, 3)`` / ``(3, 3)`` for the whole batch) that maps the window's reference frame to frame
``b`` in *pixel* coordinates (OpenCV's convention: pixel ``(col, row)`` has its centre at
``(col, row)``), as ``cv2.estimateAffine2D`` or a planar tracker report it. The window is drawn
by applying the inverse of that matrix to the pixel grid, so a shift of +10 px moves the
window by +10 px.
"""

from __future__ import annotations

from typing import Any

import torch

from workbench.errors import ParameterError, ShapeError
from workbench.ops._broadcast import check_range

__all__ = [
    "ellipse_window",
    "gradient_window",
    "rectangle_window",
    "smoothstep",
]

_EPS2 = 1e-12  # added under square roots (picture heights squared): keeps gradients finite


# -- helpers --------------------------------------------------------------------------------

def smoothstep(t: torch.Tensor) -> torch.Tensor:
    """Hermite ``3t² - 2t³`` of ``t`` clamped to [0, 1]: 0 below 0, 1 above 1, monotone.

    The clamp is on the matte's ramp coordinate, never on image data.
    """
    t = t.clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """``sqrt(x + eps) - sqrt(eps)``: exactly 0 at 0, with a finite gradient there."""
    eps = torch.tensor(_EPS2, dtype=x.dtype, device=x.device)
    return torch.sqrt(x + eps) - torch.sqrt(eps)


def _batch_of(values: dict[str, Any], transform: Any) -> tuple[int, torch.dtype, torch.device]:
    """The batch size, float dtype and device implied by per-sample parameters."""
    b, dtype, device = 1, None, None
    items = list(values.items()) + ([("transform", transform)] if transform is not None else [])
    for name, v in items:
        if not isinstance(v, torch.Tensor):
            continue
        if v.is_floating_point():
            dtype = v.dtype if dtype is None else torch.promote_types(dtype, v.dtype)
        device = v.device if device is None else device
        n = (v.shape[0] if v.ndim == 3 else 1) if name == "transform" else (
            v.shape[0] if v.ndim == 1 else 1)
        if n != 1:
            if b not in (1, n):
                raise ShapeError(f"{name}: batch of {n} does not match another parameter's {b}")
            b = n
    return b, dtype or torch.float32, device or torch.device("cpu")


def _vec(value: Any, b: int, dtype: torch.dtype, device: torch.device, name: str) -> torch.Tensor:
    """``value`` (a float or a ``(B,)`` tensor) as a ``(B, 1, 1)`` or ``(1, 1, 1)`` tensor."""
    t = torch.as_tensor(value, dtype=dtype, device=device)
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1 and t.shape[0] in (1, b):
        return t.reshape(-1, 1, 1)
    raise ShapeError(f"{name}: expected a float or a ({b},) tensor, got {tuple(t.shape)}")


def _pixel_grid(
    height: int, width: int, transform: Any, b: int, dtype: torch.dtype, device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates ``(x, y)``, each ``(Bt, H, W)``, moved by ``transform⁻¹``."""
    if height < 1 or width < 1:
        raise ShapeError(f"window: expected height and width >= 1, got {height}x{width}")
    ys, xs = torch.meshgrid(torch.arange(height, dtype=dtype, device=device),
                            torch.arange(width, dtype=dtype, device=device), indexing="ij")
    xs, ys = xs.unsqueeze(0), ys.unsqueeze(0)
    if transform is None:
        return xs, ys
    t = torch.as_tensor(transform, dtype=dtype, device=device)
    if t.ndim == 2:
        t = t.unsqueeze(0)
    if t.ndim != 3 or tuple(t.shape[1:]) not in ((2, 3), (3, 3)) or t.shape[0] not in (1, b):
        raise ShapeError(f"transform: expected ({b},2,3) or ({b},3,3), got {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ParameterError("transform must be finite")
    if t.shape[1] == 2:
        last = torch.tensor([0.0, 0.0, 1.0], dtype=dtype, device=device).expand(t.shape[0], 1, 3)
        t = torch.cat([t, last], dim=1)
    try:
        inv = torch.linalg.inv(t)
    except RuntimeError:  # torch.linalg.LinAlgError
        raise ParameterError("transform is singular: it cannot be inverted") from None

    def row(i: int) -> torch.Tensor:
        return (inv[:, i, 0, None, None] * xs + inv[:, i, 1, None, None] * ys
                + inv[:, i, 2, None, None])

    w = row(2)
    return row(0) / w, row(1) / w


def _local(
    height: int, width: int, centre_x: Any, centre_y: Any, rotation: Any, transform: Any,
    b: int, dtype: torch.dtype, device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Window-local coordinates ``(p, q)`` in picture heights, ``p`` along the rotated x axis."""
    xs, ys = _pixel_grid(height, width, transform, b, dtype, device)
    cx = _vec(centre_x, b, dtype, device, "centre_x")
    cy = _vec(centre_y, b, dtype, device, "centre_y")
    theta = torch.deg2rad(_vec(rotation, b, dtype, device, "rotation"))
    for name, v in (("centre_x", cx), ("centre_y", cy), ("rotation", theta)):
        check_range(v, name, None, None)
    u = (xs + 0.5 - cx * width) / height
    v = (ys + 0.5 - cy * height) / height
    c, s = torch.cos(theta), torch.sin(theta)
    return c * u + s * v, c * v - s * u


def _finish(m: torch.Tensor, b: int, height: int, width: int) -> torch.Tensor:
    return m.expand(b, height, width).unsqueeze(1)


def _sized_local(
    height: int, width: int, centre_x: Any, centre_y: Any, size: Any, aspect: Any,
    rotation: Any, feather: Any, transform: Any,
) -> tuple[int, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The batch, window-local ``(p, q)`` and the checked ``size``, ``aspect``, ``feather``.

    For a window with a size, an aspect and a feather (ellipse, rectangle): each of the three
    is a ``(B, 1, 1)`` or ``(1, 1, 1)`` tensor, checked finite and >= 0.
    """
    values = dict(centre_x=centre_x, centre_y=centre_y, size=size, aspect=aspect,
                  rotation=rotation, feather=feather)
    b, dtype, device = _batch_of(values, transform)
    sized = [_vec(v, b, dtype, device, n) for n, v in
             (("size", size), ("aspect", aspect), ("feather", feather))]
    for n, t in zip(("size", "aspect", "feather"), sized, strict=True):
        check_range(t, n, 0.0, None)
    p, q = _local(height, width, centre_x, centre_y, rotation, transform, b, dtype, device)
    return b, p, q, sized[0], sized[1], sized[2]


def _feathered(e: torch.Tensor, f: torch.Tensor, b: int, height: int, width: int) -> torch.Tensor:
    """The matte ``1 - smoothstep(e / feather)`` of ``e``, the distance outside the edge."""
    return _finish(1.0 - smoothstep(e / f.clamp_min(1e-12)), b, height, width)


# -- windows -----------------------------------------------------------------------------------

def ellipse_window(
    height: int,
    width: int,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    size: float | torch.Tensor = 0.25,
    aspect: float | torch.Tensor = 1.0,
    rotation: float | torch.Tensor = 0.0,
    feather: float | torch.Tensor = 0.1,
    transform: torch.Tensor | None = None,
) -> torch.Tensor:
    """A soft elliptical power window: 1 inside, falling to 0 across ``feather`` outside.

    The ellipse has semi-axes ``size`` (along its rotated x axis) and ``size * aspect``, in
    picture heights. With ``e`` the distance outside the edge, measured along the ray from the
    centre (exact for a circle), the matte is ``1 - smoothstep(e / feather)``: 1 on and inside
    the edge, 0 from ``feather`` picture heights beyond it, monotone in between.

    Parameters
    ----------
    height, width
        Size of the frame in pixels.
    centre_x, centre_y
        Centre as fractions of width and height; floats or ``(B,)`` tensors.
    size
        Semi-axis along the window's x axis, in picture heights (> 0).
    aspect
        Ratio of the y semi-axis to the x one (> 0); 1 is a circle.
    rotation
        Degrees, clockwise on screen.
    feather
        Width of the soft edge in picture heights (>= 0; 0 is a hard edge).
    transform
        Optional ``(B, 2, 3)`` / ``(B, 3, 3)`` tracking matrix in pixel coordinates; see the
        module docstring.

    Returns
    -------
    torch.Tensor
        The matte, values in [0, 1]; float32 unless a parameter is a float64 tensor.

    Shape
    -----
    ``(B, 1, H, W)``; ``B`` is the length of the per-sample parameters (1 if all are floats).

    Example
    -------
    >>> m = ellipse_window(5, 5, size=0.2, feather=0.0)
    >>> m[0, 0, 2].tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    b, p, q, rx, a, f = _sized_local(height, width, centre_x, centre_y, size, aspect, rotation,
                                     feather, transform)
    rx, ry = rx.clamp_min(1e-6), (rx * a).clamp_min(1e-6)
    d = _safe_sqrt((p / rx) ** 2 + (q / ry) ** 2)  # 1 on the edge
    rho = _safe_sqrt(p * p + q * q)
    e = torch.where(d > 1.0, rho * (d - 1.0) / d.clamp_min(1.0), torch.zeros_like(d))
    return _feathered(e, f, b, height, width)


def rectangle_window(
    height: int,
    width: int,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    size: float | torch.Tensor = 0.25,
    aspect: float | torch.Tensor = 1.0,
    rotation: float | torch.Tensor = 0.0,
    feather: float | torch.Tensor = 0.1,
    transform: torch.Tensor | None = None,
) -> torch.Tensor:
    """A soft rectangular power window: 1 inside, 0 beyond ``feather`` outside.

    The rectangle has half-width ``size`` and half-height ``size * aspect`` (picture heights,
    before rotation). ``e`` is the Euclidean distance from the rectangle, so the corners of the
    soft edge are rounded; the matte is ``1 - smoothstep(e / feather)``. Parameters, shapes
    and ``transform`` are as for :func:`ellipse_window`.

    Shape
    -----
    ``(B, 1, H, W)``

    Example
    -------
    >>> rectangle_window(3, 7, size=0.5, feather=0.0)[0, 0, 1].tolist()
    [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    """
    b, p, q, hx, a, f = _sized_local(height, width, centre_x, centre_y, size, aspect, rotation,
                                     feather, transform)
    e = _safe_sqrt(torch.relu(p.abs() - hx) ** 2 + torch.relu(q.abs() - hx * a) ** 2)
    return _feathered(e, f, b, height, width)


def gradient_window(
    height: int,
    width: int,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    rotation: float | torch.Tensor = 0.0,
    feather: float | torch.Tensor = 0.5,
    transform: torch.Tensor | None = None,
) -> torch.Tensor:
    """A linear (graduated) window: 1 on one side of a line through the centre, 0 on the other.

    At ``rotation=0`` the line is horizontal and the top of the frame is selected, as a
    graduated filter over a sky; the rotation turns it clockwise. The ramp,
    ``1 - smoothstep(s / feather + 1/2)`` with ``s`` the signed distance from the line (picture
    heights, positive below it), is 0.5 on the line and spans ``feather``.

    Shape
    -----
    ``(B, 1, H, W)``

    Example
    -------
    >>> gradient_window(3, 1, feather=0.0).flatten().tolist()
    [1.0, 0.5, 0.0]
    """
    values = dict(centre_x=centre_x, centre_y=centre_y, rotation=rotation, feather=feather)
    b, dtype, device = _batch_of(values, transform)
    f = _vec(feather, b, dtype, device, "feather")
    check_range(f, "feather", 0.0, None)
    _, q = _local(height, width, centre_x, centre_y, rotation, transform, b, dtype, device)
    return _finish(1.0 - smoothstep(q / f.clamp_min(1e-12) + 0.5), b, height, width)
