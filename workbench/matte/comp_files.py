"""Stills for compositing: plates, mattes, backgrounds and elements in, the result out.

Colour follows the workbench's one rule (:func:`workbench.io.default_encoding`): EXR is
scene-linear ACEScg, PNG/TIFF/JPEG/DPX are sRGB-encoded; every image is brought to linear
ACEScg ``(1, 3, H, W)`` float32 for the maths and back to the output file's encoding. Alpha
and mattes are coverage, never colour-converted: a matte file must hold exactly one channel
(a 16-bit grey PNG, an EXR with only ``A`` or ``Y``); an element's alpha is its file's alpha
channel (PNG/TIFF/EXR RGBA, read unassociated). Bad input raises naming the file: a missing or
unreadable file, NaN/Inf, a matte of more than one channel or outside [0, 1], sizes that do
not agree. Sources are only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import torch

from workbench.checks import check_finite, check_same_size
from workbench.errors import MediaError, ParameterError, ShapeError

__all__ = ["Still", "check_sizes", "read_matte", "read_still", "write_result"]


@dataclass(frozen=True)
class Still:
    """A still read for compositing: linear ACEScg colour, its alpha if it has one."""

    path: Path
    rgb: torch.Tensor             # (1, 3, H, W) scene-linear ACEScg
    alpha: torch.Tensor | None    # (1, 1, H, W) in [0, 1], or None
    encoding: str

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)``."""
        return int(self.rgb.shape[-1]), int(self.rgb.shape[-2])


def _read_all(path: Path) -> tuple[np.ndarray, oiio.ImageSpec]:
    """Every channel of the first subimage, float32 ``(H, W, C)``, colour unassociated."""
    if not path.is_file():
        raise MediaError(f"{path.name}: does not exist")
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)
    inp = oiio.ImageInput.open(str(path), config)
    if inp is None:
        raise MediaError(f"{path.name}: unreadable image ({oiio.geterror() or 'unknown format'})")
    try:
        spec = inp.spec()
        pixels = inp.read_image(0, 0, 0, spec.nchannels, "float")
        expected = (spec.height, spec.width, spec.nchannels)
        if pixels is None or inp.has_error or tuple(np.shape(pixels)) != expected:
            reason = inp.geterror() or f"expected {expected} samples"
            raise MediaError(f"{path.name}: truncated or unreadable image ({reason})")
    finally:
        inp.close()
    arr = np.asarray(pixels, dtype=np.float32).reshape(expected)
    check_finite(arr, path.name)
    return arr, spec


def _alpha_index(spec: oiio.ImageSpec) -> int | None:
    if spec.alpha_channel >= 0:
        return int(spec.alpha_channel)
    names = [n.upper() for n in spec.channelnames]
    return names.index("A") if "A" in names and spec.nchannels > 1 else None


def _check_unit(alpha: np.ndarray, path: Path, what: str) -> None:
    lo, hi = float(alpha.min(initial=0.0)), float(alpha.max(initial=0.0))
    if lo < 0.0 or hi > 1.0:
        raise ParameterError(f"{path.name}: {what} values must be in [0, 1], got "
                             f"[{lo:g}, {hi:g}]")


def read_still(path: str | Path, exr_space: str = "ACEScg") -> Still:
    """A plate, background or element as linear ACEScg, with its alpha channel if any.

    An element's colour in an RGBA file is read unassociated (as PNG stores it; an EXR's
    premultiplied colour is divided by its alpha) so that every :class:`Still` is straight.
    """
    from workbench.color.convert import convert_array
    from workbench.io import default_encoding
    from workbench.matte.composite import unpremultiply

    path = Path(path)
    arr, spec = _read_all(path)
    ai = _alpha_index(spec)
    colour = [i for i in range(spec.nchannels) if i != ai][:3]
    if len(colour) == 1:
        colour = colour * 3
    if len(colour) < 3:
        raise ShapeError(f"{path.name}: expected RGB or grey colour, got channels "
                         f"{', '.join(spec.channelnames)}")
    encoding = default_encoding(path, exr_space)
    rgb = np.ascontiguousarray(arr[..., colour])
    alpha = None
    if ai is not None:
        a = np.ascontiguousarray(arr[..., ai])
        _check_unit(a, path, "alpha")
        alpha = torch.from_numpy(a)[None, None]
    linear = torch.from_numpy(convert_array(rgb, encoding, "ACEScg")).permute(2, 0, 1)[None]
    if alpha is not None and path.suffix.lower() == ".exr":  # EXR colour is premultiplied
        linear = unpremultiply(linear, alpha)
    check_finite(linear, path.name)
    return Still(path, linear.contiguous().float(), alpha, encoding)


def read_matte(path: str | Path) -> torch.Tensor:
    """A one-channel matte file as ``(1, 1, H, W)`` float32 coverage in [0, 1].

    Raises :class:`ShapeError` naming the file when it holds more than one channel (an RGB
    image is not a matte: say which channel by extracting it first).
    """
    path = Path(path)
    arr, spec = _read_all(path)
    if spec.nchannels != 1:
        raise ShapeError(f"{path.name}: a matte must have one channel, got {spec.nchannels} "
                         f"({', '.join(spec.channelnames)})")
    _check_unit(arr, path, "matte")
    return torch.from_numpy(np.ascontiguousarray(arr[..., 0]))[None, None].float()


def check_sizes(named: Mapping[str, tuple[int, int]]) -> None:
    """Raise :class:`ShapeError` naming the file whose ``(width, height)`` differs."""
    check_same_size(list(named.values()), list(named))


def write_result(path: str | Path, rgb: torch.Tensor, *,
                 metadata: Mapping[str, str] | None = None, exr_space: str = "ACEScg") -> Path:
    """Write ``rgb`` ``(1, 3, H, W)`` linear ACEScg to ``path`` in its encoding, atomically.

    EXR is half float (float when values exceed half's range), unclamped, with ``metadata``
    (``workbench:*`` notes) in its header; PNG/TIFF are display-encoded and clipped by the
    writer.
    """
    from workbench import io
    from workbench.color.convert import convert_array
    from workbench.io.formats import format_of, writable_suffixes

    path = Path(path)
    fmt = format_of(path)
    if fmt is None or fmt.kind != "still" or fmt.writer is None:
        raise ParameterError(f"{path.name}: cannot write {path.suffix or 'a file without suffix'}"
                             f"; use one of {', '.join(writable_suffixes('still'))}")
    hwc = np.ascontiguousarray(rgb[0].permute(1, 2, 0).detach().cpu().numpy(), np.float32)
    encoded = convert_array(hwc, "ACEScg", io.default_encoding(path, exr_space))
    check_finite(encoded, f"{path.name} (result)")
    if fmt.writer == "write_exr":
        fits = float(np.abs(encoded).max(initial=0.0)) <= 65504.0
        return io.write_exr(path, encoded, dict(metadata or {}), half=fits)
    written: Path = getattr(io, fmt.writer)(path, encoded)
    return written
