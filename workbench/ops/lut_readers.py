"""LUT files by suffix: the readers registry and the read that checks a file's bytes.

OpenColorIO's formats are registered here; ``.cube`` is registered by
:mod:`workbench.interchange.lut_files`, which parses it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from workbench.color.lutfile import OCIO_FILE_SUFFIXES, OcioFileLUT, read_ocio_file
from workbench.errors import ParameterError
from workbench.ops.lut_table import CubeLUT

__all__ = ["LUT_READERS", "LutData", "LutReader", "read_lut_file", "read_lut_file_as_saved",
           "register_lut_reader"]

LutData = CubeLUT | OcioFileLUT
"""What a LUT operator carries: a table (:class:`CubeLUT`) or OpenColorIO's processor of a file."""

LutReader = Callable[[Path], tuple[LutData, str]]
"""Reads a LUT file: its contents and the SHA-256 of its bytes; :class:`ParameterError` naming
the file when it cannot."""


def _read_ocio(path: Path) -> tuple[LutData, str]:
    lut = read_ocio_file(path)
    return lut, lut.sha256


#: ``{suffix: reader}``: how a LUT file named by an older (``.1``) operator dict is read.
#: OpenColorIO's formats are read here; ``.cube`` is registered by
#: :mod:`workbench.interchange.lut_files`, which parses it.
LUT_READERS: dict[str, LutReader] = dict.fromkeys(OCIO_FILE_SUFFIXES, _read_ocio)


def register_lut_reader(suffix: str, reader: LutReader) -> None:
    """Read files ending in ``suffix`` (lower case, with the dot) with ``reader``."""
    LUT_READERS[suffix.lower()] = reader


def read_lut_file(path: str | os.PathLike[str]) -> tuple[LutData, str]:
    """A LUT file's contents and the SHA-256 of its bytes, by its registered reader.

    Raises :class:`ParameterError` naming the file: an unknown suffix (listing the known ones),
    an unreadable file, or the reader's own reason.
    """
    p = Path(path)
    reader = LUT_READERS.get(p.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(LUT_READERS))
        hint = "" if ".cube" in LUT_READERS else " (.cube is read by workbench.interchange)"
        raise ParameterError(f"{p.name}: unknown LUT file type {p.suffix or '(none)'!r}; "
                             f"expected one of {known}{hint}")
    return reader(p)


def read_lut_file_as_saved(path: str, want: str | None) -> tuple[LutData, str]:
    """:func:`read_lut_file`, raising :class:`ParameterError` if its SHA-256 is not ``want``.

    ``want`` is the digest a saved grade recorded (``None``: not recorded, nothing to check).
    """
    lut, digest = read_lut_file(path)
    if want is not None and want != digest:
        raise ParameterError(f"{Path(path).name}: the LUT file changed since this grade was "
                             f"made (sha256 {digest[:12]}..., expected {str(want)[:12]}...)")
    return lut, digest
