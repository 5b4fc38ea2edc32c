"""The LUT operators: :class:`LUT1D` and :class:`LUT3D` carry what they apply, read once.

A ``CubeLUT`` (from a ``.cube``, parsed by :mod:`workbench.interchange.cube`, or from a bake or a
model), or, for every other format OpenColorIO reads (CLF/CTF, ``.3dl``,
``.spi1d``/``.spi3d``/``.spimtx``, ``.csp``, ``.cub``, ..., see
:data:`workbench.color.lutfile.OCIO_FILE_SUFFIXES`), OCIO's processor of the file
(:func:`workbench.color.lutfile.apply_ocio_file`: OCIO's pixels, not differentiable), with the
colour space the LUT expects and a strength. :func:`workbench.interchange.lut_operator` makes one
from a file. The maths is in :mod:`workbench.ops.lut_interpolation`, the files by suffix in
:mod:`workbench.ops.lut_readers`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import param
import torch

from workbench.color.lutfile import OcioFileLUT, apply_ocio_file
from workbench.errors import ParameterError
from workbench.ops.base import Operator, register_operator, register_upgrade
from workbench.ops.lut_interpolation import apply_cube
from workbench.ops.lut_readers import LutData, read_lut_file_as_saved
from workbench.ops.lut_table import CubeLUT

__all__ = ["LUT1D", "LUT3D"]


class _CubeOperator(Operator):
    """Shared body of :class:`LUT1D` and :class:`LUT3D`: a LUT's contents, a space, a strength.

    The operator carries what it applies (``lut``), read once when it was made: a
    :class:`CubeLUT` table, or OpenColorIO's processor of a file in another format with that
    file's SHA-256. ``path`` only says where it came from; it is never re-read, so equality and
    cache keys follow the content. :func:`workbench.interchange.lut_operator` makes one from a
    file.
    """

    kinds: tuple[str, ...] = ()
    per_pixel = True
    schema_version = 2

    path = param.String("", label="LUT file",
                        doc="Where the LUT was read from: .cube, or any format OpenColorIO reads "
                            "(.clf, .ctf, .3dl, .spi1d, .spi3d, .spimtx, .csp, .cub, ...).")
    space = param.String(
        "ACEScct", label="LUT input space",
        doc="The colour space the LUT expects its input in (an OCIO name). ACEScct for a look "
            "LUT graded on ACES footage; a camera or show LUT names its own (e.g. 'ARRI LogC3 "
            "(EI800)'). The pipeline converts into it and back.")

    def __init__(self, lut: LutData | None = None, **params: Any) -> None:
        super().__init__(**params)
        self._lut = lut
        self._lut_json: dict[str, Any] | None = None
        if lut is not None:
            self._check_kind(lut)

    def _where(self, lut: LutData | None = None) -> str:
        if self.path:
            return Path(self.path).name
        if isinstance(lut, OcioFileLUT):
            return lut.path.name
        return type(self).__name__

    def _check_kind(self, lut: LutData) -> None:
        if not isinstance(lut, CubeLUT | OcioFileLUT):
            raise ParameterError(f"{type(self).__name__}: lut must be a CubeLUT or an "
                                 f"OcioFileLUT, got {type(lut).__name__}")
        if lut.kind not in self.kinds:
            other = "LUT1D" if lut.kind == "1D" else "LUT3D"
            raise ParameterError(f"{self._where(lut)}: a {lut.kind} LUT, {type(self).__name__} "
                                 f"takes {' or '.join(self.kinds)}; use {other}")

    def lut(self) -> LutData:
        """What the operator applies: a :class:`CubeLUT`, or an :class:`OcioFileLUT`."""
        if self._lut is None:
            name = type(self).__name__
            if not self.path:
                raise ParameterError(f"{name}.path is empty: name a LUT file "
                                     "(workbench.interchange.lut_operator reads one)")
            raise ParameterError(f"{Path(self.path).name}: {name} holds no LUT; read the file "
                                 "with workbench.interchange.lut_operator")
        return self._lut

    def sha256(self) -> str | None:
        """The content's SHA-256; ``None`` when the operator holds no LUT.

        The table's (:attr:`CubeLUT.sha256`), or that of the OpenColorIO file's bytes.
        """
        if self._lut is None:
            return None
        return self._lut.sha256

    def with_params(self, **changes: Any) -> Operator:
        """As :meth:`Operator.with_params`, keeping the LUT."""
        return type(self)(lut=self._lut,
                          **{"strength": self.strength, **self.params_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`Operator.to_dict`, plus the content's ``sha256`` and a table's ``lut``.

        A table is inline (:meth:`CubeLUT.to_dict`). An OpenColorIO file stays a reference:
        its ``path`` and the ``sha256`` of its bytes, checked when the dict is loaded.
        """
        d = {**super().to_dict(), "sha256": self.sha256()}
        if isinstance(self._lut, CubeLUT):
            if self._lut_json is None:
                self._lut_json = self._lut.to_dict()
            d["lut"] = dict(self._lut_json)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Operator:
        """Inverse of :meth:`to_dict`.

        An OpenColorIO file is read again and must still have the ``sha256`` it was saved with.
        """
        params = dict(data.get("params", {}))
        strength = data.get("strength", 1.0)
        if data.get("lut") is not None:
            return cls(lut=CubeLUT.from_dict(data["lut"]), strength=strength, **params)
        path = str(params.get("path", ""))
        if not path:
            return cls(strength=strength, **params)
        lut, _ = read_lut_file_as_saved(path, data.get("sha256"))
        return cls(lut=lut, strength=strength, **params)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        lut = self.lut()
        out = apply_ocio_file(img, lut) if isinstance(lut, OcioFileLUT) else apply_cube(img, lut)
        if self.strength == 1.0:
            return out
        return img + self.strength * (out - img)


def _upgrade_file_reference(data: dict[str, Any]) -> dict[str, Any]:
    """``LUT1D.1``/``LUT3D.1`` (a path read at apply time, ``sha256`` of its bytes) → ``.2``.

    The file is read now and must still hold the bytes the ``.1`` dict recorded; a ``.cube``
    becomes an inline table.
    """
    name = str(data.get("schema", "")).partition(".")[0]
    params = data.get("params", {})
    path = str(params.get("path", ""))
    out = {**data, "schema": f"{name}.2"}
    if not path:
        return out
    lut, digest = read_lut_file_as_saved(path, data.get("sha256"))
    if isinstance(lut, CubeLUT):
        return {**out, "sha256": lut.sha256, "lut": lut.to_dict()}
    return {**out, "sha256": digest}


@register_operator
class LUT1D(_CubeOperator):
    """A per-channel 1D LUT, linear interpolation (OCIO ``INTERP_LINEAR``).

    A ``.cube`` with a 1D table, or any per-channel file OpenColorIO reads (``.spi1d``, a CLF of
    1D LUTs and ranges, a diagonal ``.spimtx``, ...).

    ``strength`` blends: ``out = in + strength * (lut(in) - in)``; 0 is the identity, bit for bit.
    """

    kinds = ("1D",)


@register_operator
class LUT3D(_CubeOperator):
    """A 3D LUT (optionally with Resolve's 1D shaper), tetrahedral.

    A ``.cube`` with a 3D table, or any file OpenColorIO reads whose transform mixes channels
    (``.3dl``, ``.spi3d``, ``.csp``, ``.cub``, a CLF/CTF with a LUT3D or a matrix, ...).

    ``strength`` blends: ``out = in + strength * (lut(in) - in)``; 0 is the identity, bit for bit.
    """

    kinds = ("3D", "shaper+3D")


register_upgrade("LUT1D", 1)(_upgrade_file_reference)
register_upgrade("LUT3D", 1)(_upgrade_file_reference)
