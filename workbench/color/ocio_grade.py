"""A grade OpenColorIO can express (ASC CDL, a LUT table, a LUT file), as one OCIO processor.

``workbench apply`` runs such a grade on OCIO alone, without torch: the conversion into the
space the grade expects, the grade, and the way out to the output file's encoding are one
processor. A LUT below full strength is blended with its input in numpy, as the
:class:`~workbench.ops.LUT3D` operator blends it (``x + s * (lut(x) - x)``); a CDL below full
strength is the CDL at scaled numbers (:func:`~workbench.color.cdl_values.cdl_values_at_strength`).

Pixels are float32 ``(..., 3)`` channels-last arrays, C-contiguous, any range.

References
----------
OpenColorIO Python API: ``CDLTransform`` (``CDL_NO_CLAMP``), ``Lut1DTransform``,
``Lut3DTransform`` (``INTERP_TETRAHEDRAL``), ``FileTransform``, ``GroupTransform``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import PyOpenColorIO as ocio

from workbench.color.config import get_config, resolve_space
from workbench.color.convert import apply_processor

if TYPE_CHECKING:
    import numpy as np

    from workbench.color.cdl_values import CDLValues
    from workbench.color.lut_table import CubeLUT

__all__ = ["GradeProcessor", "cdl_transform", "cube_transform"]

# As workbench.color.convert: OCIO's exact log/exp/pow, not its fast approximations.
_OPTIMIZATION = ocio.OPTIMIZATION_LOSSLESS


def cdl_transform(values: CDLValues) -> ocio.Transform:
    """OCIO's ``CDLTransform`` of ``values``, unclamped (``CDL_NO_CLAMP``) as ``apply_cdl``."""
    t = ocio.CDLTransform(slope=list(values.slope), offset=list(values.offset),
                          power=list(values.power), sat=float(values.saturation))
    t.setStyle(ocio.CDL_NO_CLAMP)
    return t


def _domain_to_unit(domain: np.ndarray) -> list[ocio.Transform]:
    """A ``MatrixTransform`` mapping ``domain`` (min row, max row) onto [0, 1]; none for [0, 1]."""
    lo, hi = domain[0], domain[1]
    if (lo == 0.0).all() and (hi == 1.0).all():
        return []
    scale = 1.0 / (hi - lo)
    matrix = [0.0] * 16
    for c in range(3):
        matrix[c * 5] = float(scale[c])
    matrix[15] = 1.0
    offset = [float(-lo[c] * scale[c]) for c in range(3)] + [0.0]
    return [ocio.MatrixTransform(matrix=matrix, offset=offset)]


def _lut1d(table: np.ndarray) -> ocio.Lut1DTransform:
    import numpy as np

    t = ocio.Lut1DTransform(length=table.shape[0], inputHalfDomain=False)
    t.setInterpolation(ocio.INTERP_LINEAR)
    t.setData(np.ascontiguousarray(table, dtype=np.float32).ravel())
    return t


def _lut3d(table: np.ndarray) -> ocio.Lut3DTransform:
    import numpy as np

    size = table.shape[0]
    t = ocio.Lut3DTransform(gridSize=size)
    t.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    # OCIO's buffer has blue changing fastest: the table indexed [r, g, b], row-major.
    t.setData(np.ascontiguousarray(table, dtype=np.float32).ravel())
    return t


def cube_transform(lut: CubeLUT) -> ocio.Transform:
    """The table of a ``.cube`` as OCIO transforms: its domains, shaper and table.

    Input outside a domain takes the end entries, as :func:`workbench.ops.apply_cube` does
    (OCIO's LUTs clamp their input to [0, 1]); 1D tables interpolate linearly, 3D tables
    tetrahedrally.
    """
    assert lut.table is not None
    steps: list[ocio.Transform] = []
    if lut.shaper is not None:
        steps += [*_domain_to_unit(lut.shaper_domain), _lut1d(lut.shaper)]
    steps += _domain_to_unit(lut.domain)
    steps.append(_lut1d(lut.table) if lut.table.ndim == 2 else _lut3d(lut.table))
    return ocio.GroupTransform(steps)


def _cpu(steps: list[ocio.Transform]) -> ocio.CPUProcessor | None:
    """One optimised float32 CPU processor of ``steps`` in the workbench config; None if empty."""
    if not steps:
        return None
    proc = get_config().getProcessor(ocio.GroupTransform(steps), ocio.TRANSFORM_DIR_FORWARD)
    if proc.isNoOp():
        return None
    return proc.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32, _OPTIMIZATION)


@functools.lru_cache(maxsize=32)
def _convert(src: str, dst: str) -> list[ocio.Transform]:
    return [] if src == dst else [ocio.ColorSpaceTransform(src=src, dst=dst)]


@dataclass(frozen=True, eq=False)
class GradeProcessor:
    """A grade between two encodings, on OCIO's CPU processors.

    ``apply`` takes pixels in ``src`` and returns them graded in ``dst``: converted into
    ``space`` (when named), graded, converted to ``dst``. With ``blend`` below 1 the grade is
    mixed with its input in ``space`` (``x + blend * (grade(x) - x)``), the LUT operators' rule;
    with ``blend == 0`` the grade is not run at all and only the encodings change.
    """

    pre: ocio.CPUProcessor | None
    grade: ocio.CPUProcessor | None
    post: ocio.CPUProcessor | None
    blend: float

    @classmethod
    def build(cls, grade: ocio.Transform | ocio.CPUProcessor, src: str, dst: str,
              space: str | None = None,
              blend: float = 1.0) -> GradeProcessor:
        """Compile ``grade`` for pixels in ``src`` written to ``dst``.

        Parameters
        ----------
        grade
            The grade as an OCIO transform, expecting its input in ``space``; or a CPU
            processor already made (a LUT file's, :func:`workbench.color.lutfile.read_ocio_file`),
            applied as it is between the two conversions.
        src, dst
            Encodings of the pixels given and wanted (workbench or OCIO names).
        space
            The space the grade expects; ``None``: the values as they are (``src``).
        blend
            In [0, 1]: how much of the grade; 1 compiles everything into one processor.
        """
        src_n, dst_n = resolve_space(src), resolve_space(dst)
        space_n = src_n if space is None else resolve_space(space)
        if blend == 0.0:
            return cls(None, None, _cpu(_convert(src_n, dst_n)), 0.0)
        if isinstance(grade, ocio.CPUProcessor):
            return cls(_cpu(_convert(src_n, space_n)), grade, _cpu(_convert(space_n, dst_n)),
                       float(blend))
        if blend == 1.0:
            steps = [*_convert(src_n, space_n), grade, *_convert(space_n, dst_n)]
            return cls(None, _cpu(steps), None, 1.0)
        return cls(_cpu(_convert(src_n, space_n)), _cpu([grade]),
                   _cpu(_convert(space_n, dst_n)), float(blend))

    def apply(self, rgb: np.ndarray, min_pixels: int | None = None) -> np.ndarray:
        """Grade ``rgb`` ``(..., 3)``; a new float32 C-contiguous array (``rgb`` is kept).

        ``min_pixels``: above it a frame goes through OCIO in strips on threads (see
        :func:`~workbench.color.convert.apply_processor`); a caller that already runs frames
        on threads passes a large number.
        """
        import numpy as np

        kw = {} if min_pixels is None else {"min_pixels": min_pixels}
        x = np.array(rgb, dtype=np.float32, order="C", copy=True)
        if x.size == 0:
            return x
        if self.pre is not None:
            apply_processor(self.pre, x, **kw)
        if self.grade is not None:
            if self.blend == 1.0:
                apply_processor(self.grade, x, **kw)
            else:
                y = x.copy()
                apply_processor(self.grade, y, **kw)
                y -= x
                y *= np.float32(self.blend)
                x += y
        if self.post is not None:
            apply_processor(self.post, x, **kw)
        return x
