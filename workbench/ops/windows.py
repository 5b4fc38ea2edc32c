"""Power windows, relighting and shadows/highlights in scene-linear light.

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

:class:`Relight` multiplies linear light by ``2 ** (stops * window)`` — the light of a lamp
adds in proportion to what is there, so a gain in linear light is how a lamp would brighten a
face. :class:`ShadowsHighlights` does the same with a soft *luminance* matte measured in stops
around 18 % grey.
"""

from __future__ import annotations

from typing import Any

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, register_operator
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "MID_GREY",
    "Relight",
    "ShadowsHighlights",
    "apply_relight",
    "apply_shadows_highlights",
    "apply_window_gain",
    "ellipse_window",
    "gradient_window",
    "luminance_zone_mattes",
    "rectangle_window",
    "smoothstep",
]

MID_GREY = 0.18
"""Scene-linear 18 % grey: 0 stops for :func:`apply_shadows_highlights` pivots."""

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
    values = dict(centre_x=centre_x, centre_y=centre_y, size=size, aspect=aspect,
                  rotation=rotation, feather=feather)
    b, dtype, device = _batch_of(values, transform)
    rx = _vec(size, b, dtype, device, "size")
    ry = rx * _vec(aspect, b, dtype, device, "aspect")
    f = _vec(feather, b, dtype, device, "feather")
    check_range(rx, "size", 0.0, None)
    check_range(ry / rx.clamp_min(1e-30), "aspect", 0.0, None)
    check_range(f, "feather", 0.0, None)
    p, q = _local(height, width, centre_x, centre_y, rotation, transform, b, dtype, device)
    rx, ry = rx.clamp_min(1e-6), ry.clamp_min(1e-6)
    d = _safe_sqrt((p / rx) ** 2 + (q / ry) ** 2)  # 1 on the edge
    rho = _safe_sqrt(p * p + q * q)
    e = torch.where(d > 1.0, rho * (d - 1.0) / d.clamp_min(1.0), torch.zeros_like(d))
    return _finish(1.0 - smoothstep(e / f.clamp_min(1e-12)), b, height, width)


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
    values = dict(centre_x=centre_x, centre_y=centre_y, size=size, aspect=aspect,
                  rotation=rotation, feather=feather)
    b, dtype, device = _batch_of(values, transform)
    hx = _vec(size, b, dtype, device, "size")
    a = _vec(aspect, b, dtype, device, "aspect")
    f = _vec(feather, b, dtype, device, "feather")
    check_range(hx, "size", 0.0, None)
    check_range(a, "aspect", 0.0, None)
    check_range(f, "feather", 0.0, None)
    p, q = _local(height, width, centre_x, centre_y, rotation, transform, b, dtype, device)
    e = _safe_sqrt(torch.relu(p.abs() - hx) ** 2 + torch.relu(q.abs() - hx * a) ** 2)
    return _finish(1.0 - smoothstep(e / f.clamp_min(1e-12)), b, height, width)


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


# -- relighting -------------------------------------------------------------------------------

def apply_window_gain(
    img: torch.Tensor, stops: float | torch.Tensor, matte: torch.Tensor,
) -> torch.Tensor:
    """Multiply scene-linear ``img`` by ``2 ** (stops * matte)``: a soft, local exposure.

    Where the matte is 0 the pixel is returned bit for bit; where it is 1 it gets ``stops``.
    Nothing is clamped.

    Shape
    -----
    ``img`` ``(B, 3, H, W)``, ``matte`` ``(B, 1, H, W)`` or ``(1, 1, H, W)`` → ``(B, 3, H, W)``
    """
    check_image(img, "apply_window_gain input")
    check_image(matte, "apply_window_gain matte", channels=1)
    s = as_batch(stops, img, "Relight.stops")
    return img * torch.exp2(s * matte.to(img.dtype))


def apply_relight(
    img: torch.Tensor,
    stops: float | torch.Tensor,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    radius: float | torch.Tensor = 0.25,
    falloff: float | torch.Tensor = 0.25,
    transform: torch.Tensor | None = None,
) -> torch.Tensor:
    """Brighten or darken a round area as a lamp would: ``img * 2 ** (stops * window)``.

    ``window`` is :func:`ellipse_window` with ``size=radius`` and ``feather=falloff`` (picture
    heights): ``stops`` in full inside ``radius``, fading to none at ``radius + falloff``.
    A directional relight is :func:`apply_window_gain` with a :func:`gradient_window`.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    stops
        Float or ``(B,)`` tensor; +1 doubles the light at the centre.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 5, 5), 0.18)
    >>> out = apply_relight(img, 1.0, radius=0.1, falloff=0.1)
    >>> float(out[0, 0, 2, 2]), float(out[0, 0, 0, 0])
    (0.36000001430511475, 0.18000000715255737)
    """
    check_image(img, "apply_relight input")
    b = img.shape[0]
    for value, name, lo in ((centre_x, "centre_x", None), (centre_y, "centre_y", None),
                            (radius, "radius", 0.0), (falloff, "falloff", 0.0)):
        check_range(as_batch(value, img, f"Relight.{name}"), f"Relight.{name}", lo, None)
    matte = ellipse_window(
        img.shape[2], img.shape[3],
        centre_x=_per_sample(centre_x, img, "Relight.centre_x"),
        centre_y=_per_sample(centre_y, img, "Relight.centre_y"),
        size=_per_sample(radius, img, "Relight.radius"),
        feather=_per_sample(falloff, img, "Relight.falloff"),
        transform=transform,
    )
    if matte.shape[0] not in (1, b):
        raise ShapeError(f"apply_relight: window batch {matte.shape[0]} does not match {b}")
    return img * torch.exp2(as_batch(stops, img, "Relight.stops") * matte)


def _per_sample(value: Any, img: torch.Tensor, name: str) -> Any:
    """Check a per-sample parameter against ``img``'s batch and put it on its dtype."""
    return as_batch(value, img, name).reshape(-1)


@register_operator
class Relight(Operator):
    """A soft round lamp in linear light: ``stops`` at the centre, fading over ``falloff``."""

    space = "ACEScg"

    centre_x = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre X", doc="Centre, as a fraction of the frame width.")
    centre_y = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre Y", doc="Centre, as a fraction of the frame height.")
    radius = param.Number(0.25, bounds=(0.001, 4.0), softbounds=(0.02, 1.0), step=0.005,
                          label="Radius",
                          doc="Radius of the fully lit core, in picture heights.")
    falloff = param.Number(0.25, bounds=(0.0, 4.0), softbounds=(0.0, 1.0), step=0.005,
                           label="Falloff",
                           doc="Width of the soft edge beyond the radius, in picture heights.")
    stops = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                         label="Light (stops)",
                         doc="Gain at the centre in stops; +1 doubles the light there.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_relight(img, self.stops * self.strength, self.centre_x, self.centre_y,
                             self.radius, self.falloff)


# -- shadows / highlights ----------------------------------------------------------------

def _luminance(img: torch.Tensor) -> torch.Tensor:
    w = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    return (img * w).sum(dim=1, keepdim=True)


def luminance_zone_mattes(
    img: torch.Tensor,
    shadow_pivot: float | torch.Tensor = -2.5,
    highlight_pivot: float | torch.Tensor = 2.5,
    shadow_width: float | torch.Tensor = 2.0,
    highlight_width: float | torch.Tensor = 2.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft shadow and highlight mattes from ACEScg luminance in stops around 18 % grey.

    With ``L = log2(max(Y, 2**-40) / 0.18)`` (``Y`` the ACEScg luminance; zero and negative
    luminance count as deepest shadow), the shadow matte is ``1 - smoothstep((L - shadow_pivot)
    / shadow_width + 1/2)`` and the highlight matte ``smoothstep((L - highlight_pivot) /
    highlight_width + 1/2)``: each is 0.5 at its pivot and ramps over its width (stops).

    Shape
    -----
    ``(B, 3, H, W)`` → two ``(B, 1, H, W)`` mattes in [0, 1] (NaN where the pixel is NaN)
    """
    check_image(img, "luminance_zone_mattes input")
    y = _luminance(img)
    stops = torch.log2(y.clamp_min(2.0 ** -40) / MID_GREY)
    sp = as_batch(shadow_pivot, img, "ShadowsHighlights.shadow_pivot")
    hp = as_batch(highlight_pivot, img, "ShadowsHighlights.highlight_pivot")
    sw = as_batch(shadow_width, img, "ShadowsHighlights.softness")
    hw = as_batch(highlight_width, img, "ShadowsHighlights.softness")
    for t, name in ((sp, "shadow_pivot"), (hp, "highlight_pivot")):
        check_range(t, f"ShadowsHighlights.{name}", None, None)
    for t in (sw, hw):
        check_range(t, "ShadowsHighlights.softness", 1e-6, None)
    shadows = 1.0 - smoothstep((stops - sp) / sw + 0.5)
    highlights = smoothstep((stops - hp) / hw + 0.5)
    return shadows, highlights


def apply_shadows_highlights(
    img: torch.Tensor,
    shadows: float | torch.Tensor = 0.0,
    highlights: float | torch.Tensor = 0.0,
    shadow_pivot: float | torch.Tensor = -2.5,
    highlight_pivot: float | torch.Tensor = 2.5,
    softness: float | torch.Tensor = 2.0,
) -> torch.Tensor:
    """Lift (or sink) the shadows and pull (or push) the highlights, in stops, in linear light.

    ``out = img * 2 ** (shadows * Ms + highlights * Mh)`` with the mattes of
    :func:`luminance_zone_mattes`. All three channels get the same gain, so chromaticity is
    kept. So that the tone curve never turns back on itself, each ramp is at least
    ``3 * |stops|`` wide: the width used is ``max(softness, 3 * |shadows|)`` (and likewise for
    the highlights), which keeps ``d log(out) / d log(in) >= 0`` even when both ramps overlap.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    shadows, highlights
        Gain in stops for the dark and bright ends; floats or ``(B,)`` tensors.
    shadow_pivot, highlight_pivot
        Where each matte is 0.5, in stops relative to 0.18.
    softness
        Width of each ramp in stops (> 0).

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.tensor([0.001, 0.18, 20.0]).reshape(1, 1, 1, 3).expand(1, 3, 1, 3)
    >>> out = apply_shadows_highlights(img, shadows=1.0, highlights=-1.0)
    >>> [round(v, 4) for v in (out / img)[0, 0, 0].tolist()]
    [2.0, 1.0, 0.5]
    """
    check_image(img, "apply_shadows_highlights input")
    s = as_batch(shadows, img, "ShadowsHighlights.shadows")
    h = as_batch(highlights, img, "ShadowsHighlights.highlights")
    w = as_batch(softness, img, "ShadowsHighlights.softness")
    check_range(s, "ShadowsHighlights.shadows", None, None)
    check_range(h, "ShadowsHighlights.highlights", None, None)
    check_range(w, "ShadowsHighlights.softness", 1e-6, None)
    ms, mh = luminance_zone_mattes(img, shadow_pivot, highlight_pivot,
                                   torch.maximum(w, 3.0 * s.abs()).reshape(-1),
                                   torch.maximum(w, 3.0 * h.abs()).reshape(-1))
    return img * torch.exp2(s * ms + h * mh)


@register_operator
class ShadowsHighlights(Operator):
    """Shadows and highlights in stops, through a soft luminance matte in linear ACEScg."""

    space = "ACEScg"

    shadows = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                           label="Shadows (stops)",
                           doc="Gain for the shadows in stops; + lifts, - sinks them.")
    highlights = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                              label="Highlights (stops)",
                              doc="Gain for the highlights in stops; - pulls them down.")
    shadow_pivot = param.Number(-2.5, bounds=(-16.0, 16.0), softbounds=(-8.0, 0.0), step=0.1,
                                label="Shadow pivot (stops)",
                                doc="Where the shadow matte is half on, in stops from 0.18.")
    highlight_pivot = param.Number(2.5, bounds=(-16.0, 16.0), softbounds=(0.0, 8.0), step=0.1,
                                   label="Highlight pivot (stops)",
                                   doc="Where the highlight matte is half on, in stops "
                                       "from 0.18.")
    softness = param.Number(2.0, bounds=(0.1, 16.0), softbounds=(0.5, 6.0), step=0.1,
                            label="Softness (stops)",
                            doc="Width of each matte's ramp in stops (widened to 3x the gain "
                                "so tones never reverse).")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_shadows_highlights(
            img, self.shadows * self.strength, self.highlights * self.strength,
            self.shadow_pivot, self.highlight_pivot, self.softness,
        )

