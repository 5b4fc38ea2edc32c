"""LUT files in, LUT operators out: ``.cube`` with the workbench's parser, the rest with OCIO's.

:func:`lut_operator` reads a file once into a :class:`~workbench.ops.LUT1D` or
:class:`~workbench.ops.LUT3D` that carries its contents. Importing this module registers the
``.cube`` reader with :data:`workbench.ops.lut_readers.LUT_READERS`, so grades saved by an older
workbench (``LUT3D.1``: a path read at apply time) load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.color.lutfile import OCIO_FILE_SUFFIXES
from workbench.errors import ParameterError
from workbench.interchange.cube import read_cube
from workbench.io.hashing import sha256_file
from workbench.ops.lut import LUT1D, LUT3D
from workbench.ops.lut_readers import LutData, read_lut_file, register_lut_reader

__all__ = ["LUT_FILE_SUFFIXES", "lut_operator", "read_cube_file"]

#: Every suffix :func:`lut_operator` reads: ``.cube`` with the workbench's reader, the rest
#: with OpenColorIO's.
LUT_FILE_SUFFIXES: tuple[str, ...] = (".cube", *OCIO_FILE_SUFFIXES)


def read_cube_file(path: Path) -> tuple[LutData, str]:
    """:func:`read_cube` and the SHA-256 of the file's bytes (a :data:`LutReader`)."""
    lut = read_cube(path)
    try:
        digest = sha256_file(path)
    except OSError as exc:
        raise ParameterError(f"{Path(path).name}: cannot read the LUT ({exc.strerror})") from None
    return lut, digest


register_lut_reader(".cube", read_cube_file)


def lut_operator(path: str | os.PathLike[str], operator: type[LUT1D | LUT3D] | None = None,
                 **params: Any) -> LUT1D | LUT3D:
    """Read the LUT file at ``path`` into an operator that carries its contents.

    Parameters
    ----------
    path
        A ``.cube`` or any file of :data:`LUT_FILE_SUFFIXES`.
    operator
        :class:`LUT1D` or :class:`LUT3D`; ``None`` picks the one the file needs.
    **params
        ``space``, ``strength``.

    Returns
    -------
    LUT1D or LUT3D
        With ``path`` recorded as where it came from; the file is not read again.

    Raises
    ------
    ParameterError
        One line naming the file: an unknown suffix, an unreadable or malformed file (with
        OpenColorIO's reason where it refuses), or a 3D LUT asked of :class:`LUT1D` (and the
        other way round).
    """
    lut, _ = read_lut_file(path)
    cls = operator or (LUT1D if lut.kind == "1D" else LUT3D)
    return cls(lut=lut, path=str(path), **params)
