"""Y'CbCr ↔ R'G'B' for movie frames: numpy planes to float R'G'B', swscale, and the 4:2:2 encoder.

Decoded frames are converted to RGB with the stream's own YUV matrix and range; an untagged
stream is read as BT.709 limited range (what the dailies here are), never left to swscale's
BT.601 default.

swscale clips and, above 8 bits, is not exact (10-bit limited-range white, code 940, decodes to
65283 of 65535 and RGB 1.0 encodes to code 943), so planar Y'CbCr is converted here in numpy
with the equations of ITU-R BT.709 / BT.601 / BT.2020 (:func:`_ycbcr_to_rgb`,
:func:`_to_yuv422p10`) for float output and for sources above 8 bits; swscale does 8-bit output
of 8-bit sources (where it is exact) and layouts the numpy path does not read. Chroma is taken
as co-sited with the even luma columns (the 4:2:2 siting of BT.709/ProRes and the "left" 4:2:0
siting of MPEG-2/H.264/HEVC, where it sits vertically midway between two luma rows); decoding
interpolates it linearly to full resolution, encoding filters it with ``[1, 2, 1] / 4`` centred
on each kept (even) column.

The functions are private to :mod:`workbench.io`: :mod:`workbench.io.movie` decodes through
:func:`_frame_to_rgb` and :mod:`workbench.io.prores` encodes through :func:`_to_yuv422p10`.
"""

from __future__ import annotations

from typing import Any, cast

import av
import cv2
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc, Interpolation

from workbench.color.luma import REC709_LUMA

__all__: list[str] = []

# Tagged matrix -> the swscale matrix used to decode it. Untagged or unknown -> BT.709.
_SWS_MATRIX = {
    1: Colorspace.ITU709, 4: Colorspace.FCC, 5: Colorspace.ITU601, 6: Colorspace.ITU601,
    7: Colorspace.SMPTE240M, 9: Colorspace.BT2020, 10: Colorspace.BT2020,
}  # fmt: skip

# Tagged matrix -> (Kr, Kb) of E'Y = Kr*R' + (1 - Kr - Kb)*G' + Kb*B', for the numpy conversion of
# >8-bit frames; the same choices as _SWS_MATRIX (bt2020c, constant luminance, read as bt2020nc).
_BT709_KR_KB = (REC709_LUMA[0], REC709_LUMA[2])
_KR_KB = {
    1: _BT709_KR_KB, 4: (0.30, 0.11), 5: (0.299, 0.114), 6: (0.299, 0.114),
    7: (0.212, 0.087), 9: (0.2627, 0.0593), 10: (0.2627, 0.0593),
}  # fmt: skip

# Integer output depths and the swscale formats that give them.
_DEPTH_FORMATS = {8: "rgb24", 16: "rgb48le"}


def _plane_samples(plane: av.video.plane.VideoPlane, dtype: type = np.uint16) -> np.ndarray:
    """A ``(height, width)`` view of a plane of 1-byte (uint8) or 2-byte (uint16) samples.

    The view is writable if the frame is.
    """
    buffer = cast(Any, plane)  # VideoPlane has the buffer protocol; its stub does not say so
    size = np.dtype(dtype).itemsize
    rows: np.ndarray = np.frombuffer(buffer, dtype, count=plane.line_size // size * plane.height)
    return rows.reshape(plane.height, -1)[:, : plane.width]


def _yuv_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The Y', Cb, Cr planes of a planar 8..16-bit Y'CbCr frame, as uint8 or uint16 views.

    Chroma planes are full size or halved (rounding up) in each direction: 4:4:4, 4:2:2, 4:2:0,
    4:4:0, with or without alpha (ignored). ``None`` for any other layout (RGB, grey, semi-planar
    ``nv12``/``p010``, big-endian, 4:1:1...), which swscale converts instead.
    """
    fmt = frame.format
    comps = fmt.components
    if (
        fmt.is_rgb
        or fmt.has_palette
        or fmt.is_big_endian
        or not fmt.is_planar
        or len(comps) < 3
        or not 8 <= comps[0].bits <= 16
        or [int(c.plane) for c in comps[:3]] != [0, 1, 2]
        or not fmt.name.startswith(("yuv", "yuva"))
    ):
        return None
    dtype = np.uint8 if comps[0].bits == 8 else np.uint16
    planes = [_plane_samples(frame.planes[index], dtype) for index in range(3)]
    w, h = frame.width, frame.height
    cw, ch = planes[1].shape[1], planes[1].shape[0]
    if cw not in (w, (w + 1) // 2) or ch not in (h, (h + 1) // 2) or planes[2].shape != (ch, cw):
        return None
    return planes[0], planes[1], planes[2]


def _upsample_chroma(c: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bring chroma ``(h, w)`` or ``(h, w, C)`` float32 to ``(height, width[, C])`` linearly.

    Horizontally, subsampled chroma is co-sited with the even luma columns (luma ``x`` reads
    chroma ``x / 2``): even columns copy it, odd ones average their two neighbours. Vertically
    (4:2:0), it sits midway between luma rows ``2j`` and ``2j + 1`` (luma ``y`` reads chroma
    ``(y - 1/2) / 2``), which get ``3/4`` of it and ``1/4`` of the chroma row above or below.
    Edges repeat the outermost sample. The weights, 0, 1/4, 1/2 and 3/4, are exact in OpenCV's
    1/32 fixed-point sample positions.
    """
    out = np.ascontiguousarray(c, dtype=np.float32)
    if out.shape[:2] == (height, width):
        return out
    sx = 0.5 if out.shape[1] != width else 1.0
    sy, oy = (0.5, -0.25) if out.shape[0] != height else (1.0, 0.0)
    to_chroma = np.array([[sx, 0.0, 0.0], [0.0, sy, oy]], np.float32)
    up = cv2.warpAffine(out, to_chroma, (width, height),
                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                        borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(up, np.float32)


def _ycbcr_to_rgb(
    y: np.ndarray, cb: np.ndarray, cr: np.ndarray, bits: int, full: bool, kr_kb: tuple[float, float]
) -> np.ndarray:
    """R'G'B' float32 ``(H, W, 3)``, nominal [0, 1] (not clipped), from ``bits``-bit Y'CbCr codes.

    Limited range (BT.709/BT.601/BT.2020): ``Y' = (16 + 219 E'Y) * 2**(bits-8)``, ``Cb, Cr =
    (128 + 224 E'PB,PR) * 2**(bits-8)`` (10 bits: 64 + 876 E'Y, 512 + 896 E'PB). Full range
    (ITU-T H.273): ``Y' = (2**bits - 1) E'Y``, ``Cb, Cr = (2**bits - 1) E'PB,PR + 2**(bits-1)``.
    Then ``R' = E'Y + 2 (1 - Kr) E'PR``, ``B' = E'Y + 2 (1 - Kb) E'PB`` and ``G' = (E'Y - Kr R' -
    Kb B') / (1 - Kr - Kb)``. Chroma may be subsampled (see :func:`_upsample_chroma`): the colour
    differences ``R' - E'Y`` etc. are formed at chroma resolution and interpolated, which is the
    same as interpolating Cb and Cr first since both steps are linear.
    """
    if full:
        y_off, y_gain = 0.0, float(2**bits - 1)
        c_off, c_gain = float(2 ** (bits - 1)), float(2**bits - 1)
    else:
        scale = float(2 ** (bits - 8))
        y_off, y_gain = 16.0 * scale, 219.0 * scale
        c_off, c_gain = 128.0 * scale, 224.0 * scale
    kr, kb = kr_kb
    pb = (cb.astype(np.float32) - np.float32(c_off)) / np.float32(c_gain)
    pr = (cr.astype(np.float32) - np.float32(c_off)) / np.float32(c_gain)
    diff = np.empty((*pb.shape, 3), np.float32)
    diff[..., 0] = np.float32(2.0 * (1.0 - kr)) * pr
    diff[..., 2] = np.float32(2.0 * (1.0 - kb)) * pb
    diff[..., 1] = -(np.float32(kr) * diff[..., 0] + np.float32(kb) * diff[..., 2]) / np.float32(
        1.0 - kr - kb
    )
    ey = (y.astype(np.float32) - np.float32(y_off)) / np.float32(y_gain)
    rgb = _upsample_chroma(diff, y.shape[1], y.shape[0])
    rgb += ey[..., None]
    return rgb


def _frame_to_float(frame: av.VideoFrame, width: int, height: int) -> np.ndarray | None:
    """R'G'B' float32 ``(height, width, 3)`` of a planar Y'CbCr frame, unclipped; else ``None``.

    Converted in numpy from the planes with the frame's tagged matrix and range (untagged: BT.709,
    limited range; ``yuvj*`` formats: full range), so video-range super-whites decode above 1.0
    and sub-blacks below 0.0. The frame is converted at full size; a smaller ``(width, height)``
    is then an area average (``cv2.INTER_AREA``) of the R'G'B'.
    """
    planes = _yuv_planes(frame)
    if planes is None:
        return None
    y, cb, cr = planes
    h, w = y.shape
    bits = int(frame.format.components[0].bits)
    full = int(frame.color_range) == 2 or frame.format.name.startswith("yuvj")
    kr_kb = _KR_KB.get(int(frame.colorspace), _BT709_KR_KB)
    rgb = _ycbcr_to_rgb(y, cb, cr, bits, full, kr_kb)
    if (width, height) != (w, h):
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    return rgb


def _swscale_rgb(frame: av.VideoFrame, width: int, height: int, depth: int) -> np.ndarray:
    """RGB of ``frame`` by swscale (``rgb24``/``rgb48le``), with the frame's own matrix and range.

    Values outside the nominal range are clipped: used for 8-bit output and for layouts
    :func:`_yuv_planes` does not read.
    """
    fmt = frame.format
    matrix = src_range = dst_range = None
    if not (fmt.is_rgb or fmt.has_palette or fmt.name.startswith("gray")):
        matrix = _SWS_MATRIX.get(int(frame.colorspace), Colorspace.ITU709)
        full = int(frame.color_range) == 2 or fmt.name.startswith("yuvj")
        src_range = ColorRange.JPEG if full else ColorRange.MPEG
        dst_range = ColorRange.JPEG
    scaled = (width, height) != (frame.width, frame.height)
    interpolation = (Interpolation.AREA if scaled else Interpolation.BILINEAR) | (
        Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
    )
    rgb = frame.reformat(
        width=width,
        height=height,
        format=_DEPTH_FORMATS[depth],
        src_colorspace=matrix,
        src_color_range=src_range,
        dst_color_range=dst_range,
        interpolation=interpolation,
    )
    return rgb.to_ndarray()


def _frame_to_rgb(frame: av.VideoFrame, width: int, height: int, depth: int = 8) -> np.ndarray:
    """Convert a decoded frame to ``(height, width, 3)`` RGB with its own YUV matrix.

    ``depth=8`` gives uint8 (``rgb24``), ``depth=16`` uint16 full scale 0..65535 (``rgb48le``),
    both clipped to the nominal range; ``depth=32`` float32, nominal [0, 1], not clipped. Planar
    Y'CbCr is converted in numpy (:func:`_frame_to_float`) for ``depth=32`` and above 8 bits,
    anything else by swscale.
    """
    deep = int(frame.format.components[0].bits) > 8 if frame.format.components else False
    rgb = _frame_to_float(frame, width, height) if depth == 32 or deep else None
    if depth == 32:
        if rgb is None:  # RGB, grey or semi-planar layouts, read at 16 bits
            return _swscale_rgb(frame, width, height, 16).astype(np.float32) / np.float32(65535)
        return rgb
    if rgb is None:
        return _swscale_rgb(frame, width, height, depth)
    peak, dtype = (65535.0, np.uint16) if depth == 16 else (255.0, np.uint8)
    np.clip(rgb, 0.0, 1.0, out=rgb)
    return np.rint(rgb * peak).astype(dtype)


def _to_yuv422p10(rgb: np.ndarray) -> av.VideoFrame:
    """Encode display RGB in [0, 1] as a BT.709 limited-range yuv422p10le frame.

    Per ITU-R BT.709: ``E'Y = 0.2126 R' + 0.7152 G' + 0.0722 B'``, ``E'PB = (B' - E'Y) / 1.8556``,
    ``E'PR = (R' - E'Y) / 1.5748``; codes ``Y' = round(64 + 876 E'Y)``, ``Cb, Cr = round(512 + 896
    E'PB,PR)``. Chroma is co-sited with the even luma columns and low-passed with ``[1, 2, 1] / 4``
    centred there (the edge column repeated) before every other column is dropped.
    """
    rgb = np.clip(np.asarray(rgb, dtype=np.float32), 0.0, 1.0)
    height, width = rgb.shape[:2]
    kr, kb = _BT709_KR_KB
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    ey = kr * r + (1.0 - kr - kb) * g + kb * b
    codes = [np.rint(64.0 + 876.0 * ey)]
    for diff, k in ((b - ey, kb), (r - ey, kr)):
        p = diff / (2.0 * (1.0 - k))
        left = np.concatenate([p[:, :1], p[:, :-1]], axis=1)
        right = np.concatenate([p[:, 1:], p[:, -1:]], axis=1)
        sub = (0.25 * left + 0.5 * p + 0.25 * right)[:, 0::2]
        codes.append(np.rint(512.0 + 896.0 * sub))
    frame = av.VideoFrame(width, height, "yuv422p10le")
    for plane, code in zip(frame.planes, codes, strict=True):
        _plane_samples(plane)[...] = np.clip(code, 0, 1023).astype(np.uint16)
    return _tag_bt709(frame)


def _tag_bt709(target: Any) -> Any:
    """Tag a frame or an encoder's codec context BT.709, limited range, and return it.

    Primaries, transfer and matrix are all set: PyAV leaves them unset otherwise, and readers
    then guess.
    """
    target.color_primaries = ColorPrimaries.BT709
    target.color_trc = ColorTrc.BT709
    target.colorspace = Colorspace.ITU709
    target.color_range = ColorRange.MPEG
    return target
