"""Every LUT and transform file OpenColorIO reads, applied through its ``FileTransform``.

CLF/CTF, Autodesk ``.3dl``, Sony ``.spi1d``/``.spi3d``/``.spimtx``, Cinespace ``.csp``, Houdini
and Discreet ``.lut``, Truelight ``.cub``, Iridas ``.itx``/``.look``, Pandora ``.mga``/``.m3d``,
Nuke ``.vf``, ICC profiles: :data:`OCIO_FILE_SUFFIXES` lists them as OCIO's
``FileTransform.getFormats()`` does on this machine. ``.cube`` and the ASC CDL files are left to
the workbench's own readers (OCIO refuses some Resolve ``.cube`` variants).

A file's 3D LUTs are interpolated tetrahedrally and its 1D LUTs linearly (OCIO's
``INTERP_BEST``), as the workbench's ``.cube`` operator does; a CLF/CTF keeps the interpolation
each of its LUTs names.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import PyOpenColorIO as ocio

from workbench.errors import ParameterError
from workbench.io.hashing import sha256_file

if TYPE_CHECKING:
    import torch

# torch and numpy are imported where pixels are applied: reading a file for OCIO alone
# (workbench.color.ocio_grade) loads neither.

__all__ = ["OCIO_FILE_SUFFIXES", "OcioFileLUT", "apply_ocio_file", "read_ocio_file"]

# Suffixes whose files the workbench reads itself.
_OWN_SUFFIXES = frozenset({".cube", ".cc", ".ccc", ".cdl"})


def _ocio_suffixes() -> dict[str, tuple[str, ...]]:
    formats: dict[str, tuple[str, ...]] = {}
    for name, ext in ocio.FileTransform.getFormats():
        suffix = "." + ext.lower()
        if suffix not in _OWN_SUFFIXES:
            formats[suffix] = (*formats.get(suffix, ()), name)
    return dict(sorted(formats.items()))


#: ``{".3dl": ("flame", "lustre"), ...}``: the suffixes read through OCIO and its format names.
OCIO_FILE_SUFFIXES: dict[str, tuple[str, ...]] = _ocio_suffixes()


@dataclass(frozen=True, eq=False)
class OcioFileLUT:
    """A transform file as OpenColorIO reads it.

    Attributes
    ----------
    path
        The file, absolute.
    kind
        ``"1D"`` when the transform acts on each channel alone (OCIO reports no channel
        crosstalk), else ``"3D"``.
    processor
        OCIO's CPU processor of the file, float32 in and out.
    cache_id
        OCIO's cache id of the processor: equal ids give equal pixels.
    sha256
        SHA-256 of the file's bytes when it was read: the content the processor holds.
    """

    path: Path
    kind: str
    processor: ocio.CPUProcessor
    cache_id: str
    sha256: str


def _one_line(exc: Exception) -> str:
    """OCIO's reason on one line: the formats' own complaints when it lists them."""
    text = " ".join(str(exc).split())
    for marker in ("gave the errors:", "gave the error:"):
        if marker in text:
            return text.split(marker, 1)[1].strip()
    return text


@functools.lru_cache(maxsize=16)
def _read(path: str, _stamp: tuple[int, int, int]) -> OcioFileLUT:
    transform = ocio.FileTransform(src=path, interpolation=ocio.INTERP_BEST,
                                   direction=ocio.TRANSFORM_DIR_FORWARD)
    try:
        proc = ocio.Config.CreateRaw().getProcessor(transform)
        cpu = proc.getDefaultCPUProcessor()
    except ocio.Exception as exc:
        raise ParameterError(f"{Path(path).name}: OpenColorIO cannot read it: "
                             f"{_one_line(exc)}") from None
    kind = "3D" if proc.hasChannelCrosstalk() else "1D"
    try:
        digest = sha256_file(path)
    except OSError as exc:
        raise ParameterError(f"{Path(path).name}: cannot read the LUT ({exc.strerror})") from None
    return OcioFileLUT(Path(path), kind, cpu, proc.getCacheID(), digest)


def _stamp(path: Path) -> tuple[int, int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ParameterError(f"{path.name}: cannot read the LUT ({exc.strerror})") from None
    return st.st_mtime_ns, st.st_size, st.st_ino


def read_ocio_file(path: str | os.PathLike[str]) -> OcioFileLUT:
    """Read a LUT or transform file with OpenColorIO (re-read when the file changes).

    Parameters
    ----------
    path
        A file with one of :data:`OCIO_FILE_SUFFIXES`.

    Returns
    -------
    OcioFileLUT
        Its processor and whether it is per-channel (``"1D"``) or not (``"3D"``).

    Raises
    ------
    ParameterError
        One line naming the file: a suffix OCIO has no reader for, a missing file, or OCIO's
        own reason for refusing it.
    """
    p = Path(path).absolute()
    suffix = p.suffix.lower()
    if suffix not in OCIO_FILE_SUFFIXES:
        raise ParameterError(f"{p.name}: not a LUT format OpenColorIO reads; known: "
                             f"{', '.join(OCIO_FILE_SUFFIXES)}")
    return _read(str(p), _stamp(p))


def apply_ocio_file(img: torch.Tensor, lut: OcioFileLUT) -> torch.Tensor:
    """Apply a file read by :func:`read_ocio_file` with OCIO's CPU processor.

    Parameters
    ----------
    img
        Image in the space the file expects, float, any range.

    Returns
    -------
    torch.Tensor
        A new tensor, same shape, dtype and device: OCIO's pixels exactly (computed in float32).
        Not differentiable: OCIO computes it outside torch.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    from workbench.color.convert import _tensor_through

    return _tensor_through(img, lut.processor)
