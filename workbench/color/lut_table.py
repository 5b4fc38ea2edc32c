"""The in-memory LUT: a 1D, 3D or shaper+3D table with its input domains, and its JSON form.

:class:`CubeLUT` is what a ``.cube`` file holds (:mod:`workbench.interchange.cube` parses and
writes it), what a bake produces and what the :class:`~workbench.ops.lut.LUT1D` and
:class:`~workbench.ops.lut.LUT3D` operators carry and apply. Its :attr:`CubeLUT.sha256` is a
digest of the transform (tables and domains), so equal digests give equal pixels, whatever file
the table came from.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from workbench.errors import ParameterError
from workbench.schema import upgrade

__all__ = ["CUBE_LUT_SCHEMA", "LUT_1D_SIZE_RANGE", "LUT_3D_SIZE_RANGE", "CubeLUT", "unit_domain"]

#: Valid ``LUT_1D_SIZE`` values (inclusive), per the Adobe ``.cube`` specification.
LUT_1D_SIZE_RANGE = (2, 65536)
#: Valid ``LUT_3D_SIZE`` values (inclusive), per the Adobe ``.cube`` specification.
LUT_3D_SIZE_RANGE = (2, 256)
#: Schema of :meth:`CubeLUT.to_dict`.
CUBE_LUT_SCHEMA = "CubeLUT.1"

_ARRAYS = ("shaper", "shaper_domain", "table", "domain")


def unit_domain() -> np.ndarray:
    """``(2, 3)`` float64: inputs 0 and 1 on every channel, a ``.cube``'s default domain."""
    return np.array([[0.0] * 3, [1.0] * 3], dtype=np.float64)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class CubeLUT:
    """A LUT as plain read-only ``float64`` arrays: what a ``.cube`` file holds.

    Attributes
    ----------
    title
        The ``TITLE`` string, ``""`` when there is none.
    shaper
        The 1D shaper ``(N, 3)`` applied before the 3D ``table``, or ``None``. A 1D-only LUT has
        no shaper: its table is ``table``.
    shaper_domain
        ``(2, 3)``: the input values (min row, max row) mapped to the shaper's first and last
        entries.
    table
        ``(S, S, S, 3)`` indexed ``[r, g, b]`` for a 3D LUT, or ``(N, 3)`` for a 1D-only LUT.
    domain
        ``(2, 3)``: the input values mapped to the table's first and last entries per channel.
    """

    title: str = ""
    shaper: np.ndarray | None = None
    shaper_domain: np.ndarray = field(default_factory=unit_domain)
    table: np.ndarray | None = None
    domain: np.ndarray = field(default_factory=unit_domain)

    def __post_init__(self) -> None:
        if self.table is None:
            raise ParameterError("CubeLUT: a table is required")
        table = _frozen(self.table)
        if table.ndim == 2:
            if table.shape[1] != 3 or not (
                LUT_1D_SIZE_RANGE[0] <= table.shape[0] <= LUT_1D_SIZE_RANGE[1]
            ):
                raise ParameterError(f"CubeLUT: 1D table must be (N,3) with N in "
                                     f"{LUT_1D_SIZE_RANGE}, got {table.shape}")
            if self.shaper is not None:
                raise ParameterError("CubeLUT: a shaper needs a 3D table, got a 1D table")
        elif table.ndim == 4:
            s = table.shape[0]
            if table.shape != (s, s, s, 3) or not (
                LUT_3D_SIZE_RANGE[0] <= s <= LUT_3D_SIZE_RANGE[1]
            ):
                raise ParameterError(f"CubeLUT: 3D table must be (S,S,S,3) with S in "
                                     f"{LUT_3D_SIZE_RANGE}, got {table.shape}")
        else:
            raise ParameterError(f"CubeLUT: table must be (N,3) or (S,S,S,3), got {table.shape}")
        object.__setattr__(self, "table", table)
        if self.shaper is not None:
            shaper = _frozen(self.shaper)
            if shaper.ndim != 2 or shaper.shape[1] != 3 or not (
                LUT_1D_SIZE_RANGE[0] <= shaper.shape[0] <= LUT_1D_SIZE_RANGE[1]
            ):
                raise ParameterError(f"CubeLUT: shaper must be (N,3) with N in "
                                     f"{LUT_1D_SIZE_RANGE}, got {shaper.shape}")
            object.__setattr__(self, "shaper", shaper)
        for name in ("shaper_domain", "domain"):
            d = _frozen(getattr(self, name))
            if d.shape != (2, 3):
                raise ParameterError(f"CubeLUT.{name} must be (2,3), got {d.shape}")
            if not np.all(d[1] > d[0]):
                raise ParameterError(f"CubeLUT.{name}: max must exceed min, got {d.tolist()}")
            object.__setattr__(self, name, d)
        for name in _ARRAYS:
            a = getattr(self, name)
            if a is not None and not np.all(np.isfinite(a)):
                raise ParameterError(f"CubeLUT.{name}: NaN or Inf in the LUT")

    @property
    def kind(self) -> Literal["1D", "3D", "shaper+3D"]:
        """``"1D"``, ``"3D"`` or ``"shaper+3D"``."""
        assert self.table is not None
        if self.table.ndim == 2:
            return "1D"
        return "3D" if self.shaper is None else "shaper+3D"

    @functools.cached_property
    def sha256(self) -> str:
        """SHA-256 (hex) of the transform: equal digests give equal pixels.

        Over the kind, shapes and float64 values of every table and domain (not the title).
        """
        h = hashlib.sha256(f"{CUBE_LUT_SCHEMA}\0{self.kind}\0".encode())
        for name in _ARRAYS:
            a = getattr(self, name)
            if name == "shaper_domain" and self.shaper is None:
                continue  # no shaper: its domain does nothing
            if a is not None:
                h.update(f"{name}{a.shape}".encode())
                h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
        return h.hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CubeLUT):
            return NotImplemented

        def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
            return (a is None and b is None) or (
                a is not None and b is not None and np.array_equal(a, b)
            )

        return self.title == other.title and all(
            same(getattr(self, n), getattr(other, n)) for n in _ARRAYS
        )

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and exact: ``{"schema": "CubeLUT.1", "title", "sha256", "shaper", ...}``.

        Each table is ``{"dtype", "shape", "data"}`` with ``data`` the little-endian bytes in
        base64: ``float32`` when every value is a float32 (a table computed in torch), else
        ``float64``; domains are lists of floats.
        """
        return {
            "schema": CUBE_LUT_SCHEMA,
            "title": self.title,
            "sha256": self.sha256,
            "shaper": None if self.shaper is None else _array_to_json(self.shaper),
            "shaper_domain": np.asarray(self.shaper_domain).tolist(),
            "table": _array_to_json(np.asarray(self.table)),
            "domain": np.asarray(self.domain).tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CubeLUT:
        """Inverse of :meth:`to_dict`.

        Raises :class:`ParameterError` when the data are malformed or do not match their
        ``sha256``.
        """
        data = upgrade(data, CUBE_LUT_SCHEMA, "LUT table")  # a newer table is refused
        try:
            shaper = data.get("shaper")
            lut = cls(title=str(data.get("title", "")),
                      shaper=None if shaper is None else _array_from_json(shaper),
                      shaper_domain=np.array(data["shaper_domain"], dtype=np.float64),
                      table=_array_from_json(data["table"]),
                      domain=np.array(data["domain"], dtype=np.float64))
        except (KeyError, TypeError, ValueError) as exc:
            raise ParameterError(f"{CUBE_LUT_SCHEMA}: malformed table ({exc})") from None
        want = data.get("sha256")
        if want is not None and want != lut.sha256:
            raise ParameterError(f"{CUBE_LUT_SCHEMA}: the table does not match its sha256 "
                                 f"({str(want)[:12]}..., got {lut.sha256[:12]}...)")
        return lut


def _array_to_json(a: np.ndarray) -> dict[str, Any]:
    a64 = np.ascontiguousarray(a, dtype="<f8")
    a32 = a64.astype("<f4")
    # float32 halves the text where it loses nothing (tables computed in torch are float32).
    exact32 = np.array_equal(a32.astype("<f8"), a64)
    raw = (a32 if exact32 else a64).tobytes()
    return {"dtype": "float32" if exact32 else "float64", "shape": list(a64.shape),
            "data": base64.b64encode(raw).decode("ascii")}


def _array_from_json(d: dict[str, Any]) -> np.ndarray:
    dtype = {"float32": "<f4", "float64": "<f8"}[d["dtype"]]
    raw = base64.b64decode(d["data"], validate=True)
    return np.frombuffer(raw, dtype=dtype).reshape(tuple(d["shape"])).astype(np.float64)
