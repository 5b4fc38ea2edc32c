"""Grade files a colourist is handed, read into one function on images: what ``apply --grade`` runs.

- ASC CDL ``.cc``/``.ccc``/``.cdl``: the workbench's reader (values the ASC forbids refused as
  OpenColorIO refuses them); ``--id`` picks a correction;
- ``.cube``: the workbench's reader, which takes every Resolve/Iridas variant;
- every other LUT or transform file OpenColorIO reads (CLF/CTF, ``.3dl``, ``.spi1d``,
  ``.spi3d``, ``.spimtx``, ``.csp``, ``.cub``, ``.itx``, ...): OCIO's ``FileTransform``, through
  the :class:`~workbench.ops.LUT1D`/:class:`~workbench.ops.LUT3D` operators;
- ``.json``: a workbench :class:`~workbench.ops.Pipeline`.

Every kind but the pipeline is one OpenColorIO can express: :func:`load_ocio_grade` reads it
into an OCIO transform without loading torch, for ``apply`` to run on OCIO alone;
:func:`load_grade` reads it into a torch function. Both refuse the same files with the same
messages. Only the standard library is imported at the top (``workbench --help`` stays instant).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["CDL_SUFFIXES", "GradeFn", "OcioGrade", "grade_suffixes", "load_grade",
           "load_ocio_grade"]

CDL_SUFFIXES = (".cc", ".ccc", ".cdl")

GradeFn = Callable[[Any, str], Any]  # (image tensor, the space it is in) -> graded tensor

# (OCIO transform of the grade, how much of it to blend with its input, what it is): a CDL
# comes at its scaled numbers (blend 1), a LUT at full strength with blend = --strength.
OcioGrade = tuple[Any, float, str]


def grade_suffixes() -> tuple[str, ...]:
    """Every suffix :func:`load_grade` reads: CDLs, LUT files (``.cube`` and OCIO's), ``.json``."""
    # workbench.interchange.LUT_FILE_SUFFIXES, without loading the LUT operators (torch).
    from workbench.color.lutfile import OCIO_FILE_SUFFIXES

    return (*CDL_SUFFIXES, ".cube", *OCIO_FILE_SUFFIXES, ".json")


def _check_grade_file(path: Path, cc_id: str | None) -> str:
    """The lower-case suffix of a grade file that exists and that ``--id`` fits."""
    from workbench.errors import ParameterError

    suffix = path.suffix.lower()
    suffixes = grade_suffixes()
    if suffix not in suffixes:
        raise ParameterError(f"{path.name}: unknown grade file type {path.suffix!r}; "
                             f"expected one of {', '.join(suffixes)}")
    if not path.is_file():
        raise ParameterError(f"{path}: grade file does not exist")
    if cc_id is not None and suffix not in CDL_SUFFIXES:
        raise ParameterError(f"{path.name}: --id picks a correction of a .cc/.ccc/.cdl file, "
                             f"not of a {suffix} file")
    return suffix


def load_ocio_grade(path: Path, cc_id: str | None, strength: float) -> OcioGrade | None:
    """Read a CDL or LUT file into an OpenColorIO transform, loading no torch.

    Parameters are :func:`load_grade`'s.

    Returns
    -------
    tuple or None
        ``(transform, blend, what)``: the grade as an OCIO transform on the values it expects;
        ``blend`` in [0, 1], how much of it to mix with its input (a CDL is already at
        ``strength``, so 1; a LUT ``strength``); ``what`` as :func:`load_grade` names it.
        ``None`` for a pipeline ``.json``, which only :func:`load_grade` runs.

    Raises
    ------
    ParameterError
        As :func:`load_grade`, with the same messages.
    """
    suffix = _check_grade_file(path, cc_id)
    if suffix == ".json":
        return None
    from workbench.color.ocio_grade import cdl_transform, cube_transform

    if suffix in CDL_SUFFIXES:
        values, what = _cdl_at_strength(path, cc_id, strength)
        return cdl_transform(values), 1.0, what
    if suffix == ".cube":
        from workbench.interchange.cube import read_cube

        cube = read_cube(path)
        kind: str = cube.kind
        transform = cube_transform(cube)
    else:
        from workbench.color.lutfile import read_ocio_file

        lut = read_ocio_file(path)
        # The file's own processor, as the LUT operators apply it (OCIO's default optimisation).
        kind, transform = lut.kind, lut.processor
    return transform, strength, f"{'LUT1D' if kind == '1D' else 'LUT3D'} {path.name}"


def load_grade(path: Path, cc_id: str | None, strength: float) -> tuple[GradeFn, str]:
    """Read a grade file into a function on ``(B, 3, H, W)`` tensors, and a description.

    Parameters
    ----------
    path
        The grade file; its suffix says how it is read (see the module's list).
    cc_id
        Which correction of a ``.cc``/``.ccc``/``.cdl`` (``None``: the first).
    strength
        In [0, 1]: 0 is the identity; for a pipeline it scales every operator's own strength.

    Returns
    -------
    tuple
        ``(grade, what)``: ``grade(img, space)`` returns the graded image, same shape, in the
        space it was given; ``what`` names the grade for a log line.

    Raises
    ------
    ParameterError
        One line naming the file: an unknown suffix, a missing file, a CDL value the ASC
        forbids (with the correction id), a file OpenColorIO refuses (with its reason), or a
        pipeline JSON that does not load (with the operator).
    """
    suffix = _check_grade_file(path, cc_id)
    if suffix in CDL_SUFFIXES:
        return _load_cdl(path, cc_id, strength)
    if suffix == ".json":
        return _load_pipeline(path, strength)
    from workbench.interchange import lut_operator

    op = lut_operator(path, strength=strength)
    return (lambda img, _space: op.forward(img)), f"{type(op).__name__} {path.name}"


def _load_cdl(path: Path, cc_id: str | None, strength: float) -> tuple[GradeFn, str]:
    from workbench.ops import apply_cdl

    v, what = _cdl_at_strength(path, cc_id, strength)
    return (lambda img, _space: apply_cdl(img, v.slope, v.offset, v.power, v.saturation), what)


def _cdl_at_strength(path: Path, cc_id: str | None, strength: float) -> tuple[Any, str]:
    """The correction ``cc_id`` (default the first) of a CDL file at ``strength``, and its name."""
    from workbench.color.cdl_values import cdl_values_at_strength
    from workbench.errors import ParameterError
    from workbench.interchange.cdl import read_cdl_file

    entries = read_cdl_file(path)
    if not entries:
        raise ParameterError(f"{path.name}: holds no ColorCorrection")
    ids = [e.id for e in entries]
    if cc_id is None:
        entry = entries[0]
    elif cc_id in ids:
        entry = entries[ids.index(cc_id)]
    else:
        raise ParameterError(f"{path.name}: no correction with id {cc_id!r}; ids: "
                             f"{', '.join(repr(i) for i in ids)}")
    return cdl_values_at_strength(entry.values, strength), f"CDL {entry.id!r} of {path.name}"


def _load_pipeline(path: Path, strength: float) -> tuple[GradeFn, str]:
    import workbench.interchange.lut_files  # noqa: F401  (reads the .cube of a LUT3D.1)
    from workbench.errors import ParameterError
    from workbench.ops import Operator, Pipeline

    try:
        pipeline = Pipeline.from_json(path.read_text(encoding="utf-8"))
        pipeline.validate()
        # --strength scales every operator's own strength (0 is the identity for each).
        scaled = Pipeline(op.with_params(strength=op.strength * strength)
                          for op in pipeline if isinstance(op, Operator))
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, TypeError) as exc:
        raise ParameterError(f"{path.name}: not a workbench pipeline JSON ({exc})") from None
    except ParameterError as exc:
        raise ParameterError(f"{path.name}: {exc}") from None
    return (lambda img, space: scaled.apply(img, space)), f"{len(scaled)}-operator pipeline"
