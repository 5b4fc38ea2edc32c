"""Bake a pipeline of per-pixel operators into a ``.cube`` LUT or a Common LUT Format file.

:func:`bake_cube` samples a :class:`~workbench.ops.base.Pipeline` on a ``size**3`` lattice of
values in ``input_space`` (converted into the working space, graded, converted back), so the LUT
maps ``input_space`` to ``input_space``, the form a look LUT takes in Resolve, Baselight or an
OCIO ``FileTransform``. :func:`write_clf` writes the same LUT as an Academy/ASC Common LUT Format
(CLF) file through OpenColorIO's own writer.

Only global operators can be baked: a LUT sees one pixel at a time, so anything that looks at
neighbours (blur, grain, lens, windows) is refused, naming the operator.

Shaper
------
A 3D LUT's lattice spans ``[0, 1]`` per channel. That suits log encodings such as ACEScct, but
scene-linear input (ACEScg) runs from slightly below 0 to a few hundred: a lattice over
``[0, 1]`` would clip every highlight. With ``shaper="ACEScct"`` the input first goes through a
1D shaper, the ACEScct curve (S-2016-001) over :data:`DEFAULT_SHAPER_RANGE` ``[-0.0078125,
222.0]`` normalised to [0, 1]: ``-0.0078125`` mirrors the break point of ACEScct's linear toe
(``X_BRK = 0.0078125``), so small negative values (noise, flare-subtracted blacks) survive;
222.0 is about the largest linear value ACEScct encodes within [0, 1] (``ACEScct(222) =
0.99966``; 2**7.8 = 222.9 reaches 1.0), some 10.3 stops over 18% grey. The lattice is then evenly
spaced in that log, so every stop gets about the same number of nodes, as a colourist's look
LUT for ACEScct would.

A ``.cube`` shaper is a *uniformly sampled* 1D table (linear interpolation) over its input
range, so with 4096 entries over [-0.0078, 222] one step is 0.054 linear: below about 0.05 the
shaper is a straight line rather than a log. The lattice nodes are therefore placed at the
inverse of the *sampled* shaper (not the ideal curve), which makes the baked LUT exact at every
node whatever the shaper's resolution; between nodes deep shadows are interpolated in linear
rather than log steps. Raise ``shaper_size`` (up to 65536) where deep shadows matter.

References
----------
Academy of Motion Picture Arts and Sciences, "Common LUT Format (CLF) v3", S-2014-006.
Academy, "ACEScct — A Quasi-Logarithmic Encoding of ACES Data", S-2016-001.
Blackmagic Design, DaVinci Resolve ``.cube`` with 1D shaper.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from workbench.color.encodings import lin_to_acescct
from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text
from workbench.ops.base import OPERATORS, Operator, Pipeline, UnknownOperator
from workbench.ops.lut_table import LUT_1D_SIZE_RANGE, LUT_3D_SIZE_RANGE, CubeLUT

__all__ = [
    "CLF_FORMAT",
    "DEFAULT_SHAPER_RANGE",
    "LOG_SHAPERS",
    "acescct_curve",
    "bake_cube",
    "check_bakeable",
    "clf_group",
    "write_clf",
]

DEFAULT_SHAPER_RANGE = (-0.0078125, 222.0)
"""Linear input range of the ACEScct shaper: ACEScct's toe to its 1.0 code value (see above)."""

CLF_FORMAT = "Academy/ASC Common LUT Format"
"""OpenColorIO's name of the CLF writer (``GroupTransform.GetWriteFormats()``)."""

acescct_curve = lin_to_acescct
"""ACEScct's per-channel encoding of linear AP1 values (S-2016-001), in float64."""


LOG_SHAPERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"ACEScct": acescct_curve}
"""Shaper name -> monotonic per-channel curve; normalised to [0, 1] over the shaper range."""


def check_bakeable(pipeline: Pipeline) -> None:
    """Raise :class:`ParameterError` naming the first operator a LUT cannot hold.

    A LUT maps one pixel to one pixel: only operators whose class sets ``per_pixel = True``
    are accepted (not blur, grain, windows, lens), and no operator of unknown schema.
    """
    if not isinstance(pipeline, Pipeline):
        raise ParameterError(f"bake: expected a Pipeline, got {type(pipeline).__name__}")
    for index, op in enumerate(pipeline):
        if isinstance(op, UnknownOperator):
            raise ParameterError(f"bake: operator {index} has unknown schema "
                                 f"{op.data.get('schema')!r}; it cannot be baked")
        assert isinstance(op, Operator)
        if not op.per_pixel:
            bakeable = sorted(n for n, cls in OPERATORS.items() if cls.per_pixel)
            raise ParameterError(
                f"bake: operator {index} ({type(op).__name__}) is not a global per-pixel "
                f"operator and cannot be baked into a LUT; bakeable: {', '.join(bakeable)}"
            )


def _grade(pipeline: Pipeline, values: np.ndarray, input_space: str,
           working_space: str) -> np.ndarray:
    """Apply ``pipeline`` to ``(P, 3)`` values in ``input_space``; result in ``input_space``."""
    from workbench.color import convert_array

    working = convert_array(values, input_space, working_space)
    img = torch.from_numpy(working).T.reshape(1, 3, -1, 1).contiguous()
    out = pipeline.apply(img, working_space)
    graded = out.reshape(3, -1).T.contiguous().numpy()
    result = convert_array(graded, working_space, input_space).astype(np.float64)
    bad = ~np.isfinite(result).all(axis=1)
    if bad.any():
        first = values[np.argmax(bad)]
        raise ParameterError(
            f"bake: the pipeline gives NaN or Inf for {int(bad.sum())} lattice point(s), first "
            f"at {input_space} input {tuple(round(float(v), 6) for v in first)}"
        )
    return result


def bake_cube(
    pipeline: Pipeline,
    size: int = 33,
    input_space: str = "ACEScct",
    working_space: str = "ACEScg",
    shaper: str | None = None,
    *,
    shaper_range: tuple[float, float] = DEFAULT_SHAPER_RANGE,
    shaper_size: int = 4096,
    title: str = "",
) -> CubeLUT:
    """Sample a pipeline of global operators into a 3D LUT (optionally with a 1D shaper).

    Parameters
    ----------
    pipeline
        Operators to bake; every one must be global (see :func:`check_bakeable`).
    size
        Lattice points per axis (2..256); 33 is the common look-LUT size.
    input_space
        Colour space of the LUT's input *and* output (a workbench or OCIO name). Lattice values
        are converted from it into ``working_space``, graded, and converted back.
    working_space
        Space the pipeline's images are in (:meth:`Pipeline.apply`'s ``working_space``).
    shaper
        ``None``: the lattice spans [0, 1] in ``input_space`` (right for log input such as
        ACEScct). A key of :data:`LOG_SHAPERS` (``"ACEScct"``): a 1D shaper applying that curve,
        normalised to [0, 1] over ``shaper_range``, precedes the lattice; use it for
        scene-linear input (e.g. ``input_space="ACEScg"``) so values above 1 are kept.
    shaper_range
        Input values of the shaper's first and last entries (default
        :data:`DEFAULT_SHAPER_RANGE`, ``[-0.0078125, 222]``). Input outside it is clamped.
    shaper_size
        Entries in the 1D shaper (2..65536).
    title
        The LUT's ``TITLE`` (keep it empty for a shaper LUT OpenColorIO must read).

    Returns
    -------
    CubeLUT
        ``"3D"`` (domain [0, 1]) or ``"shaper+3D"`` (shaper domain ``shaper_range``), mapping
        ``input_space`` to ``input_space``, unclamped (values above 1 and below 0 are kept).
        Write it with :func:`~workbench.interchange.cube.write_cube` or :func:`write_clf`.

    Raises
    ------
    ParameterError
        A non-global or unknown operator (naming it), a size out of range, an unknown shaper, a
        bad range, or a pipeline giving NaN/Inf on the lattice.

    Shape
    -----
    The table is ``(size, size, size, 3)`` indexed ``[r, g, b]``; the shaper ``(shaper_size, 3)``.

    Example
    -------
    >>> from workbench.ops import Exposure
    >>> lut = bake_cube(Pipeline([Exposure(stops=1.0)]), size=9, input_space="ACEScg",
    ...                 shaper="ACEScct")
    >>> lut.kind, lut.table.shape
    ('shaper+3D', (9, 9, 9, 3))
    """
    check_bakeable(pipeline)
    if not (isinstance(size, int) and LUT_3D_SIZE_RANGE[0] <= size <= LUT_3D_SIZE_RANGE[1]):
        raise ParameterError(f"bake: size must be an int in {LUT_3D_SIZE_RANGE[0]}.."
                             f"{LUT_3D_SIZE_RANGE[1]}, got {size!r}")
    lattice = np.linspace(0.0, 1.0, size)
    shaper_table: np.ndarray | None = None
    shaper_domain = np.array([[0.0] * 3, [1.0] * 3])
    if shaper is None:
        axis = lattice
    else:
        curve = LOG_SHAPERS.get(shaper)
        if curve is None:
            raise ParameterError(f"bake: unknown shaper {shaper!r}; known: "
                                 f"{', '.join(LOG_SHAPERS)} (or None)")
        if not (isinstance(shaper_size, int)
                and LUT_1D_SIZE_RANGE[0] <= shaper_size <= LUT_1D_SIZE_RANGE[1]):
            raise ParameterError(f"bake: shaper_size must be an int in {LUT_1D_SIZE_RANGE[0]}.."
                                 f"{LUT_1D_SIZE_RANGE[1]}, got {shaper_size!r}")
        lo, hi = (float(v) for v in shaper_range)
        if not (np.isfinite([lo, hi]).all() and hi > lo):
            raise ParameterError(f"bake: shaper_range must be finite with max > min, "
                                 f"got {shaper_range!r}")
        xs = np.linspace(lo, hi, shaper_size)
        c_lo, c_hi = curve(np.array([lo, hi]))
        ys = (curve(xs) - c_lo) / (c_hi - c_lo)
        if not np.all(np.diff(ys) > 0):
            raise ParameterError(f"bake: shaper {shaper!r} is not increasing over {shaper_range}")
        ys[0], ys[-1] = 0.0, 1.0
        shaper_table = np.repeat(ys[:, None], 3, axis=1)
        shaper_domain = np.array([[lo] * 3, [hi] * 3])
        # Nodes at the inverse of the *sampled* (piecewise-linear) shaper: exact at every node.
        axis = np.interp(lattice, ys, xs)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    values = np.stack([r, g, b], axis=-1).reshape(-1, 3).astype(np.float32)
    graded = _grade(pipeline, values, input_space, working_space)
    return CubeLUT(title=title, shaper=shaper_table, shaper_domain=shaper_domain,
                   table=graded.reshape(size, size, size, 3))


def _domain_matrix(domain: np.ndarray) -> object | None:
    """An OCIO MatrixTransform mapping ``domain`` (2, 3) onto [0, 1]; ``None`` if it is [0, 1]."""
    import PyOpenColorIO as ocio

    lo, hi = domain[0].astype(np.float64), domain[1].astype(np.float64)
    if np.array_equal(lo, np.zeros(3)) and np.array_equal(hi, np.ones(3)):
        return None
    scale = 1.0 / (hi - lo)
    m = np.zeros((4, 4))
    m[:3, :3] = np.diag(scale)
    m[3, 3] = 1.0
    offset = [*(-lo * scale).tolist(), 0.0]
    return ocio.MatrixTransform(matrix=m.ravel().tolist(), offset=offset)


def clf_group(lut: CubeLUT, name: str = "", description: str = "",
              input_descriptor: str = "", output_descriptor: str = "") -> object:
    """The OpenColorIO ``GroupTransform`` equivalent to applying ``lut`` as a ``.cube``.

    Each table's domain becomes a ``MatrixTransform`` (scale and offset, unclamped) onto [0, 1];
    the shaper or 1D table a ``Lut1DTransform`` (linear); the 3D table a ``Lut3DTransform``
    (tetrahedral). All values are stored as 32-bit float.
    """
    import PyOpenColorIO as ocio

    assert lut.table is not None
    group = ocio.GroupTransform()
    meta = group.getFormatMetadata()
    if name:
        meta.setName(name)
    if description:
        meta.addChildElement("Description", description)
    if input_descriptor:
        meta.addChildElement("InputDescriptor", input_descriptor)
    if output_descriptor:
        meta.addChildElement("OutputDescriptor", output_descriptor)

    def add_1d(table: np.ndarray, domain: np.ndarray) -> None:
        matrix = _domain_matrix(domain)
        if matrix is not None:
            group.appendTransform(matrix)
        t = ocio.Lut1DTransform(length=table.shape[0])
        t.setData(np.ascontiguousarray(table, dtype=np.float32).ravel())
        t.setInterpolation(ocio.INTERP_LINEAR)
        t.setFileOutputBitDepth(ocio.BIT_DEPTH_F32)
        group.appendTransform(t)

    if lut.table.ndim == 2:
        add_1d(lut.table, lut.domain)
        return group
    if lut.shaper is not None:
        add_1d(lut.shaper, lut.shaper_domain)
    matrix = _domain_matrix(lut.domain)
    if matrix is not None:
        group.appendTransform(matrix)
    t3 = ocio.Lut3DTransform(gridSize=lut.table.shape[0])
    # OCIO stores blue fastest: [r][g][b] in C order, exactly the table's indexing.
    t3.setData(np.ascontiguousarray(lut.table, dtype=np.float32).ravel())
    t3.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    t3.setFileOutputBitDepth(ocio.BIT_DEPTH_F32)
    group.appendTransform(t3)
    return group


def write_clf(
    path: str | os.PathLike[str],
    pipeline_or_cubelut: Pipeline | CubeLUT,
    size: int = 33,
    input_space: str = "ACEScct",
    working_space: str = "ACEScg",
    shaper: str | None = None,
    *,
    name: str = "",
    description: str = "",
) -> Path:
    """Write a Common LUT Format (``.clf``) file with OpenColorIO's writer, atomically.

    Parameters
    ----------
    path
        Destination, conventionally ``*.clf``; its directory must exist.
    pipeline_or_cubelut
        A :class:`CubeLUT` (written as it is) or a :class:`Pipeline`, first baked with
        :func:`bake_cube` using ``size``, ``input_space``, ``working_space`` and ``shaper``.
    size, input_space, working_space, shaper
        As for :func:`bake_cube`; ignored for a :class:`CubeLUT`, except that ``input_space``
        is written as the input and output descriptor when a pipeline is baked.
    name, description
        The ProcessList's ``name`` attribute and ``<Description>``; default to the file's stem
        and a line saying what was baked.

    Returns
    -------
    Path
        ``path``. ``ocio.FileTransform(src=str(path))`` applies the same LUT as the ``.cube``
        within float32 rounding of the stored values.

    Raises
    ------
    ParameterError
        As :func:`bake_cube`, or when OpenColorIO refuses to write.
    """
    import PyOpenColorIO as ocio

    from workbench.color import get_config

    path = Path(path)
    descriptor = ""
    if isinstance(pipeline_or_cubelut, Pipeline):
        lut = bake_cube(pipeline_or_cubelut, size, input_space, working_space, shaper)
        descriptor = input_space
        what = f"{len(pipeline_or_cubelut)} operator(s) baked {input_space} to {input_space}"
    elif isinstance(pipeline_or_cubelut, CubeLUT):
        lut = pipeline_or_cubelut
        what = f"{lut.kind} LUT" + (f" {lut.title!r}" if lut.title else "")
    else:
        raise ParameterError(f"{path.name}: expected a Pipeline or a CubeLUT, "
                             f"got {type(pipeline_or_cubelut).__name__}")
    group = clf_group(lut, name=name or path.stem,
                      description=description or f"workbench: {what}",
                      input_descriptor=descriptor, output_descriptor=descriptor)
    try:
        text = group.write(formatName=CLF_FORMAT, config=get_config())  # type: ignore[attr-defined]
    except ocio.Exception as exc:
        raise ParameterError(f"{path.name}: OpenColorIO cannot write the CLF ({exc})") from None
    return atomic_write_text(path, text)
