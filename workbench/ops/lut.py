"""LUTs: 1D (linear) and 3D (tetrahedral) lookup tables, and the operators that carry them.

The maths is in :func:`apply_lut1d`, :func:`apply_lut3d` and :func:`apply_cube` (a
:class:`~workbench.ops.lut_table.CubeLUT`: shaper, then table), pure and differentiable in the
image. :class:`LUT1D` and :class:`LUT3D` carry what they apply, read once: a ``CubeLUT`` (from a
``.cube``, parsed by :mod:`workbench.interchange.cube`, or from a bake or a model), or, for every
other format OpenColorIO reads (CLF/CTF, ``.3dl``, ``.spi1d``/``.spi3d``/``.spimtx``, ``.csp``,
``.cub``, ..., see :data:`workbench.color.lutfile.OCIO_FILE_SUFFIXES`), OCIO's processor of the
file (:func:`workbench.color.lutfile.apply_ocio_file`: OCIO's pixels, not differentiable), with
the colour space the LUT expects and a strength. :func:`workbench.interchange.lut_operator`
makes one from a file.
Both functions match OpenColorIO's CPU renderer (``INTERP_LINEAR`` for 1D, ``INTERP_TETRAHEDRAL``
for 3D) to float32 rounding, including its edge cases: input outside the domain clamps to the
end entries, ``±inf`` to the last/first entry and NaN to the first.

References
----------
Kasson, Nin, Plouffe, Hafner, "Performing color space conversions with three-dimensional linear
interpolation", Journal of Electronic Imaging 4(3), 1995 (tetrahedral interpolation).
OpenColorIO ``src/OpenColorIO/ops/lut3d/Lut3DOpCPU.cpp`` (``Lut3DTetrahedralRenderer``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import param
import torch

from workbench.checks import check_image
from workbench.color.lutfile import OCIO_FILE_SUFFIXES, OcioFileLUT, apply_ocio_file, read_ocio_file
from workbench.errors import ParameterError, ShapeError
from workbench.ops._compiled import fast_path_wanted, run_compiled
from workbench.ops.base import Operator, register_operator, register_upgrade
from workbench.ops.lut_table import CubeLUT

__all__ = [
    "LUT1D",
    "LUT3D",
    "LUT_READERS",
    "CubeLUT",
    "LutData",
    "apply_cube",
    "apply_lut1d",
    "apply_lut3d",
    "read_lut_file",
    "register_lut_reader",
]

Domain = torch.Tensor | np.ndarray | Sequence[float] | Sequence[Sequence[float]] | None


def _domain(domain: Domain, img: torch.Tensor, where: str) -> torch.Tensor:
    """``domain`` as a ``(2, 3)`` tensor: ``None`` → [0, 1]; ``(lo, hi)``; or ``(2, 3)``."""
    if domain is None:
        domain = (0.0, 1.0)
    if not isinstance(domain, torch.Tensor):
        domain = torch.from_numpy(np.array(domain, dtype=np.float64))  # a writable copy
    d = domain.to(dtype=img.dtype, device=img.device)
    if d.shape == (2,):
        d = d.reshape(2, 1).expand(2, 3)
    if d.shape != (2, 3):
        raise ShapeError(f"{where}: domain must be (min, max) or (2, 3), got {tuple(d.shape)}")
    if not bool(torch.all(d[1] > d[0])):
        raise ParameterError(f"{where}: domain max must exceed min, got {d.tolist()}")
    return d


def _lattice(img: torch.Tensor, d: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Map ``img`` (P, 3) to lattice coordinates: integer cell ``(P, 3)`` and fraction ``(P, 3)``.

    Clamped to the table as OCIO does: below/above the domain and ±inf go to the end entries,
    NaN to the first entry.
    """
    x = (img - d[0]) * ((size - 1) / (d[1] - d[0]))
    x = torch.nan_to_num(x, nan=0.0, posinf=float(size - 1), neginf=0.0).clamp(0.0, size - 1)
    i0 = x.detach().floor().clamp(max=size - 2)
    return i0.long(), x - i0


def _pixels(img: torch.Tensor) -> torch.Tensor:
    return img.permute(0, 2, 3, 1).reshape(-1, 3)


def _image(pixels: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    b, _, h, w = like.shape
    return pixels.reshape(b, h, w, 3).permute(0, 3, 1, 2).contiguous()


# -- compiled fast path ------------------------------------------------------------------------
# One fused per-pixel kernel (planar in, planar out, no temporaries) doing exactly the eager
# operations in the same order, so the results are the eager path's to the bit on the same
# machine; see workbench.ops.cdl.run_compiled for the compile/cache/fallback rules.

def _fast_lattice(v: torch.Tensor, lo: torch.Tensor, scale: torch.Tensor, size: int
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`_lattice` for one channel: float cell index and fraction."""
    x = (v - lo) * scale
    # NaN -> 0, ±inf -> the ends: nan_to_num then clamp, written so that it vectorises.
    x = torch.where(x == x, x, 0.0).clamp(0.0, size - 1)
    i0 = x.floor().clamp(max=size - 2)
    return i0, x - i0


def _fast_lut1d(v: torch.Tensor, flat: torch.Tensor, lo: torch.Tensor, scale: torch.Tensor,
                size: int, c: int) -> torch.Tensor:
    """Channel ``c`` of :func:`apply_lut1d`; ``flat`` is the ``(N, 3)`` table flattened."""
    i0, f = _fast_lattice(v, lo[c], scale[c], size)
    idx = i0.to(torch.int64) * 3 + c
    low = flat[idx]
    high = flat[idx + 3]
    return low + f * (high - low)


def _fast_tetrahedral(r: torch.Tensor, g: torch.Tensor, b: torch.Tensor, flat: torch.Tensor,
                      lo: torch.Tensor, scale: torch.Tensor, size: int
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`apply_lut3d` on planes; the tetrahedron chosen by comparisons, not a sort.

    ``rank0``/``rank1`` reproduce the stable descending sort of the eager path (ties in r, g, b
    order), so the same vertices and weights are used.
    """
    ir, fr = _fast_lattice(r, lo[0], scale[0], size)
    ig, fg = _fast_lattice(g, lo[1], scale[1], size)
    ib, fb = _fast_lattice(b, lo[2], scale[2], size)
    ss = size * size
    base = ir.to(torch.int64) * ss + ig.to(torch.int64) * size + ib.to(torch.int64)
    rg, rb, gb = fr >= fg, fr >= fb, fg >= fb
    r_first, g_first = rg & rb, ~rg & gb
    r_second, g_second = rg ^ rb, rg ^ ~gb
    f1 = torch.where(r_first, fr, torch.where(g_first, fg, fb))
    f2 = torch.where(r_second, fr, torch.where(g_second, fg, fb))
    f3 = torch.minimum(torch.minimum(fr, fg), fb)
    v1 = base + torch.where(r_first, ss, torch.where(g_first, size, 1))
    v2 = v1 + torch.where(r_second, ss, torch.where(g_second, size, 1))
    v3 = base + (ss + size + 1)
    w0, w1, w2 = 1 - f1, f1 - f2, f2 - f3
    base, v1, v2, v3 = base * 3, v1 * 3, v2 * 3, v3 * 3
    out = [w0 * flat[base + c] + w1 * flat[v1 + c] + w2 * flat[v2 + c] + f3 * flat[v3 + c]
           for c in range(3)]
    return out[0], out[1], out[2]


def _fast_lut_kernel(x: torch.Tensor, t1: torch.Tensor, lo1: torch.Tensor, sc1: torch.Tensor,
                     n1: int, t3: torch.Tensor, lo3: torch.Tensor, sc3: torch.Tensor, n3: int
                     ) -> torch.Tensor:
    """``x`` (B, 3, pixels): a 1D LUT of ``n1`` entries (0: none), then a 3D LUT (0: none)."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    if n1:
        r = _fast_lut1d(r, t1, lo1, sc1, n1, 0)
        g = _fast_lut1d(g, t1, lo1, sc1, n1, 1)
        b = _fast_lut1d(b, t1, lo1, sc1, n1, 2)
    if n3:
        r, g, b = _fast_tetrahedral(r, g, b, t3, lo3, sc3, n3)
    return torch.stack([r, g, b], dim=1)


_NO_STAGE = (torch.zeros(3), torch.zeros(3), torch.ones(3), 0)


def _fast_stage(table: torch.Tensor, d: torch.Tensor, size: int
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """Kernel arguments of one LUT stage: flat float32 table, domain min, scale, size."""
    scale = (size - 1) / (d[1] - d[0])  # as _lattice computes it
    return table.to(torch.float32).reshape(-1).contiguous(), d[0].contiguous(), scale, size


def _run_fast_lut(img: torch.Tensor,
                  stage1: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int],
                  stage3: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]
                  ) -> torch.Tensor | None:
    b, _, h, w = img.shape
    out = run_compiled("lut", (stage1[3], stage3[3]), _fast_lut_kernel,
                       img.reshape(b, 3, h * w), *stage1, *stage3)
    return None if out is None else out.reshape(b, 3, h, w)


def apply_lut1d(img: torch.Tensor, table: torch.Tensor, domain: Domain = None) -> torch.Tensor:
    """Apply a per-channel 1D LUT with linear interpolation.

    Parameters
    ----------
    img
        Image in the space the LUT expects, any range.
    table
        ``(N, 3)`` output values at ``N`` evenly spaced inputs spanning ``domain``, ``N >= 2``.
    domain
        Input value of the first and last entries: ``(min, max)`` for all channels or a
        ``(2, 3)`` array (min row, max row) per channel. Default ``(0, 1)``.

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device. Input outside the domain takes the end entries (as
        OpenColorIO does: a LUT cannot extrapolate); NaN takes the first entry, so the output is
        finite.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> table = torch.tensor([[0.0] * 3, [0.25] * 3, [1.0] * 3])
    >>> apply_lut1d(torch.full((1, 3, 1, 1), 0.75), table)[0, :, 0, 0].tolist()
    [0.625, 0.625, 0.625]
    """
    check_image(img, "apply_lut1d input")
    if not isinstance(table, torch.Tensor) or table.ndim != 2 or table.shape[1] != 3 \
            or table.shape[0] < 2:
        shape = tuple(table.shape) if hasattr(table, "shape") else type(table).__name__
        raise ShapeError(f"apply_lut1d: table must be (N,3) with N >= 2, got {shape}")
    t = table.to(dtype=img.dtype, device=img.device)
    d = _domain(domain, img, "apply_lut1d")
    if fast_path_wanted(img, t):
        out = _run_fast_lut(img, _fast_stage(t, d, t.shape[0]), _NO_STAGE)
        if out is not None:
            return out
    i0, f = _lattice(_pixels(img), d, t.shape[0])
    lo = t.gather(0, i0)
    hi = t.gather(0, i0 + 1)
    return _image(lo + f * (hi - lo), img)


def apply_lut3d(img: torch.Tensor, table: torch.Tensor, domain: Domain = None) -> torch.Tensor:
    """Apply a 3D LUT with tetrahedral interpolation, as OpenColorIO's ``INTERP_TETRAHEDRAL``.

    Each lattice cell is split into six tetrahedra along its black–white diagonal; the one that
    holds the point is chosen by the order of the fractional coordinates ``(fr, fg, fb)``. With
    ``f1 >= f2 >= f3`` the sorted fractions and ``e1``, ``e2`` the unit steps along the axes of
    ``f1`` and ``f2``:

    ``out = (1 - f1) * c000 + (f1 - f2) * c[e1] + (f2 - f3) * c[e1 + e2] + f3 * c111``

    which is, case by case, exactly OCIO's six branches (``fr > fg > fb`` uses c100 and c110,
    ``fr > fb > fg`` c100 and c101, ``fb > fr > fg`` c001 and c101, ``fb > fg > fr`` c001 and
    c011, ``fg > fb > fr`` c010 and c011, ``fg > fr > fb`` c010 and c110). On ties the
    tetrahedra agree, so the output is continuous; ties are broken in r, g, b order.

    Parameters
    ----------
    img
        Image in the space the LUT expects (for a look LUT usually ACEScct), any range.
    table
        ``(S, S, S, 3)`` indexed ``[r, g, b]``, ``S >= 2``.
    domain
        Input value of the first and last lattice points: ``(min, max)`` or ``(2, 3)``.
        Default ``(0, 1)``.

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device. Input outside the domain clamps to the cube's faces
        (OCIO's behaviour); NaN takes the first lattice index; ±inf the last/first.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> g = torch.linspace(0, 1, 2)
    >>> r, gg, b = torch.meshgrid(g, g, g, indexing="ij")
    >>> identity = torch.stack([r, gg, b], dim=-1)
    >>> img = torch.tensor([0.2, 0.5, 0.9]).reshape(1, 3, 1, 1)
    >>> torch.allclose(apply_lut3d(img, identity), img)
    True
    """
    check_image(img, "apply_lut3d input")
    if not isinstance(table, torch.Tensor) or table.ndim != 4 or table.shape[-1] != 3 \
            or not (table.shape[0] == table.shape[1] == table.shape[2] >= 2):
        shape = tuple(table.shape) if hasattr(table, "shape") else type(table).__name__
        raise ShapeError(f"apply_lut3d: table must be (S,S,S,3) with S >= 2, got {shape}")
    s = table.shape[0]
    flat = table.to(dtype=img.dtype, device=img.device).reshape(-1, 3)
    d = _domain(domain, img, "apply_lut3d")
    if fast_path_wanted(img, flat):
        out = _run_fast_lut(img, _NO_STAGE, _fast_stage(flat, d, s))
        if out is not None:
            return out
    i0, f = _lattice(_pixels(img), d, s)
    stride = torch.tensor([s * s, s, 1], device=img.device)
    base = (i0 * stride).sum(dim=1)
    # Sort the fractions, largest first; stable keeps r, g, b order on ties.
    fs, axes = torch.sort(f, dim=1, descending=True, stable=True)
    step = stride[axes]
    v1 = base + step[:, 0]
    v2 = v1 + step[:, 1]
    v3 = base + (s * s + s + 1)
    f1, f2, f3 = fs[:, 0:1], fs[:, 1:2], fs[:, 2:3]
    out = ((1 - f1) * flat[base] + (f1 - f2) * flat[v1] + (f2 - f3) * flat[v2]
           + f3 * flat[v3])
    return _image(out, img)


def apply_cube(img: torch.Tensor, lut: CubeLUT) -> torch.Tensor:
    """Apply a :class:`~workbench.ops.lut_table.CubeLUT`: the shaper (if any), then the table.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    assert lut.table is not None
    if lut.shaper is not None and lut.table.ndim == 4 and fast_path_wanted(img):
        # Shaper and lattice in one fused kernel: no intermediate image.
        shaper = torch.from_numpy(np.array(lut.shaper)).to(torch.float32)
        cube = torch.from_numpy(np.array(lut.table)).to(torch.float32)
        if shaper.ndim == 2 and shaper.shape[1] == 3 and shaper.shape[0] >= 2 \
                and cube.shape[-1] == 3 and cube.shape[0] == cube.shape[1] == cube.shape[2] >= 2:
            d1 = _domain(lut.shaper_domain, img, "apply_lut1d")
            d3 = _domain(lut.domain, img, "apply_lut3d")
            out = _run_fast_lut(img, _fast_stage(shaper, d1, shaper.shape[0]),
                                _fast_stage(cube, d3, cube.shape[0]))
            if out is not None:
                return out
    if lut.shaper is not None:
        img = apply_lut1d(img, torch.from_numpy(np.array(lut.shaper)), lut.shaper_domain)
    table = torch.from_numpy(np.array(lut.table))
    if table.ndim == 2:
        return apply_lut1d(img, table, lut.domain)
    return apply_lut3d(img, table, lut.domain)


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
        lut, digest = read_lut_file(path)
        want = data.get("sha256")
        if want is not None and want != digest:
            raise ParameterError(f"{Path(path).name}: the LUT file changed since this grade was "
                                 f"made (sha256 {digest[:12]}..., expected {str(want)[:12]}...)")
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
    lut, digest = read_lut_file(path)
    want = data.get("sha256")
    if want is not None and want != digest:
        raise ParameterError(f"{Path(path).name}: the LUT file changed since this grade was "
                             f"made (sha256 {digest[:12]}..., expected {str(want)[:12]}...)")
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
