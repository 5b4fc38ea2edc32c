"""``.cube`` LUT files, in the variants Adobe/Iridas and DaVinci Resolve write.

One reader takes all of them:

- a 1D LUT (``LUT_1D_SIZE N``, ``N`` rows of ``r g b``);
- a 3D LUT (``LUT_3D_SIZE S``, ``S**3`` rows, **red changing fastest**, blue slowest);
- Resolve's 1D shaper followed by a 3D table in one file (both sizes declared, the ``N`` shaper
  rows first, then the ``S**3`` cube rows);
- Adobe's per-channel ``DOMAIN_MIN r g b`` / ``DOMAIN_MAX r g b`` (for a file with a single
  table) and Resolve's scalar ``LUT_1D_INPUT_RANGE lo hi`` / ``LUT_3D_INPUT_RANGE lo hi``;
- ``TITLE "..."``, ``#`` comments (whole-line or trailing) and blank lines anywhere.

A ``LUT_1D_INPUT_RANGE`` in a file without a 1D table (or ``LUT_3D_INPUT_RANGE`` without a 3D
table) describes no table and is ignored, as OpenColorIO and colour-science both do; colour
0.3.11 wrote such files.

The writer picks the Adobe form (``DOMAIN_MIN``/``DOMAIN_MAX``) for a single table and the Resolve
form (``LUT_*_INPUT_RANGE``) for a shaper plus a cube. OpenColorIO 2.6 reads both, except that its
Resolve reader refuses a ``TITLE`` line: write a shaper+3D LUT with ``title=""`` where OCIO must
read it (colour-science reads it either way).

References
----------
Adobe Systems, "Cube LUT Specification", version 1.0 (2013).
Blackmagic Design, DaVinci Resolve "LUT" developer documentation (``.cube`` with 1D shaper).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from workbench.color.lut_table import LUT_1D_SIZE_RANGE, LUT_3D_SIZE_RANGE, CubeLUT, unit_domain
from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text

__all__ = ["LUT_1D_SIZE_RANGE", "LUT_3D_SIZE_RANGE", "CubeLUT", "read_cube", "write_cube"]

_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _fail(name: str, lineno: int, message: str) -> ParameterError:
    return ParameterError(f"{name} line {lineno}: {message}")


@dataclass
class _Parsed:
    """What the lines of a ``.cube`` said, before it is checked and shaped into a table."""

    name: str
    title: str = ""
    size_1d: int | None = None
    size_3d: int | None = None
    domain_min: list[float] | None = None
    domain_max: list[float] | None = None
    range_1d: list[float] | None = None
    range_3d: list[float] | None = None
    rows: list[tuple[float, float, float]] = field(default_factory=list)


def _numbers(p: _Parsed, tokens: list[str], count: int, lineno: int, keyword: str) -> list[float]:
    if len(tokens) != count:
        raise _fail(p.name, lineno, f"{keyword} needs {count} numbers, got {len(tokens)}")
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        raise _fail(p.name, lineno, f"{keyword} is not numeric: {' '.join(tokens)!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise _fail(p.name, lineno, f"{keyword} must be finite, got {' '.join(tokens)!r}")
    return values


def _size(p: _Parsed, tokens: list[str], lineno: int, keyword: str,
          bounds: tuple[int, int]) -> int:
    if len(tokens) != 1 or not tokens[0].lstrip("+-").isdigit():
        raise _fail(p.name, lineno, f"{keyword} needs one integer, got {' '.join(tokens)!r}")
    n = int(tokens[0])
    if not bounds[0] <= n <= bounds[1]:
        raise _fail(p.name, lineno, f"{keyword} must be in {bounds[0]}..{bounds[1]}, got {n}")
    return n


def _parse_keyword(p: _Parsed, line: str, lineno: int) -> bool:
    """Record a header keyword line in ``p``; ``False`` when the line is not one."""
    tokens = line.split()
    keyword, rest = tokens[0].upper(), tokens[1:]
    if keyword == "TITLE":
        m = re.fullmatch(r'TITLE\s+"(.*)"\s*(#.*)?', line, flags=re.IGNORECASE)
        if m is None:
            raise _fail(p.name, lineno, f'TITLE must be a quoted string, got {line!r}')
        p.title = m.group(1)
    elif keyword == "LUT_1D_SIZE":
        p.size_1d = _size(p, rest, lineno, keyword, LUT_1D_SIZE_RANGE)
    elif keyword == "LUT_3D_SIZE":
        p.size_3d = _size(p, rest, lineno, keyword, LUT_3D_SIZE_RANGE)
    elif keyword == "DOMAIN_MIN":
        p.domain_min = _numbers(p, rest, 3, lineno, keyword)
    elif keyword == "DOMAIN_MAX":
        p.domain_max = _numbers(p, rest, 3, lineno, keyword)
    elif keyword == "LUT_1D_INPUT_RANGE":
        p.range_1d = _numbers(p, rest, 2, lineno, keyword)
    elif keyword == "LUT_3D_INPUT_RANGE":
        p.range_3d = _numbers(p, rest, 2, lineno, keyword)
    else:
        return False
    return True


def _parse_row(p: _Parsed, line: str, lineno: int) -> None:
    """Append a table row (three finite numbers) to ``p``, or name what the line is instead."""
    tokens = line.split()
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        if _KEYWORD.match(tokens[0]):
            raise _fail(p.name, lineno, f"unknown keyword {tokens[0]!r}") from None
        raise _fail(p.name, lineno, f"not a row of 3 numbers: {line!r}") from None
    if len(values) != 3:
        raise _fail(p.name, lineno, f"expected 3 numbers, got {len(values)}: {line!r}")
    if not all(math.isfinite(v) for v in values):
        raise _fail(p.name, lineno, f"NaN or Inf in the LUT: {line!r}")
    p.rows.append((values[0], values[1], values[2]))


def _parse_lines(name: str, text: str) -> _Parsed:
    """Every line of the file: comments and blanks skipped, keywords and rows recorded."""
    p = _Parsed(name)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        # A TITLE's quoted string may hold '#': only other lines lose their comment.
        line = raw.strip() if raw.lstrip().startswith("TITLE") else raw.split("#", 1)[0].strip()
        if line and not _parse_keyword(p, line, lineno):
            _parse_row(p, line, lineno)
    return p


def _check_counts(p: _Parsed) -> None:
    """Raise naming the file unless the sizes, row count and domain keywords agree."""
    if p.size_1d is None and p.size_3d is None:
        raise ParameterError(f"{p.name}: no LUT_1D_SIZE or LUT_3D_SIZE")
    n1 = p.size_1d or 0
    n3 = p.size_3d**3 if p.size_3d else 0
    if len(p.rows) != n1 + n3:
        sizes = " and ".join(
            f"{k} {v}" for k, v in (("LUT_1D_SIZE", p.size_1d), ("LUT_3D_SIZE", p.size_3d)) if v
        )
        expected = f"{n1} + {n3}" if n1 and n3 else f"{n1 + n3}"
        raise ParameterError(f"{p.name}: expected {expected} rows for {sizes}, got {len(p.rows)}")
    if (p.domain_min is None) != (p.domain_max is None):
        raise ParameterError(f"{p.name}: DOMAIN_MIN and DOMAIN_MAX must come together")
    if p.domain_min is not None and p.size_1d and p.size_3d:
        raise ParameterError(f"{p.name}: DOMAIN_MIN/DOMAIN_MAX are ambiguous with both a 1D and "
                             "a 3D table; use LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE")


def _domain(p: _Parsed, input_range: list[float] | None) -> np.ndarray:
    """``(2, 3)`` domain of a table: DOMAIN_MIN/MAX, else its INPUT_RANGE, else [0, 1]."""
    if p.domain_min is not None and p.domain_max is not None:
        d = np.array([p.domain_min, p.domain_max], dtype=np.float64)
    elif input_range is not None:
        d = np.array([[input_range[0]] * 3, [input_range[1]] * 3], dtype=np.float64)
    else:
        d = unit_domain()
    if not np.all(d[1] > d[0]):
        raise ParameterError(f"{p.name}: the domain maximum must exceed its minimum, got "
                             f"{d.tolist()}")
    return d


def _tables(p: _Parsed) -> CubeLUT:
    """The checked rows as a :class:`CubeLUT`: shaper rows first, then the cube, red fastest."""
    data = np.asarray(p.rows, dtype=np.float64).reshape(-1, 3)
    n1 = p.size_1d or 0
    if not p.size_3d:
        return CubeLUT(title=p.title, table=data, domain=_domain(p, p.range_1d))
    s = p.size_3d
    # Red fastest: the file order is [b][g][r]; transpose to [r, g, b].
    table = data[n1:].reshape(s, s, s, 3).transpose(2, 1, 0, 3)
    if not n1:
        return CubeLUT(title=p.title, table=table, domain=_domain(p, p.range_3d))
    return CubeLUT(title=p.title, shaper=data[:n1], shaper_domain=_domain(p, p.range_1d),
                   table=table, domain=_domain(p, p.range_3d))


def read_cube(path: str | os.PathLike[str]) -> CubeLUT:
    r"""Read a ``.cube`` file (1D, 3D or Resolve shaper+3D; Adobe or Resolve keywords).

    Parameters
    ----------
    path
        The ``.cube`` file.

    Returns
    -------
    CubeLUT
        Title, optional shaper with its domain, the table (``[r, g, b]``-indexed for 3D) and its
        domain. Red changes fastest in the file, so row ``i`` of a 3D table is
        ``table[i % S, (i // S) % S, i // S**2]``.

    Raises
    ------
    ParameterError
        Naming the file, and the line where there is one: an unreadable file, an unknown keyword,
        a non-numeric row, NaN or Inf, a size out of range, or the wrong number of rows.

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "gamma.cube"
    >>> _ = p.write_text('TITLE "g"\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n')
    >>> lut = read_cube(p)
    >>> lut.kind, lut.title, lut.table.shape
    ('1D', 'g', (2, 3))
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path.name}: cannot read the LUT ({exc})") from None
    parsed = _parse_lines(path.name, text)
    _check_counts(parsed)
    return _tables(parsed)


def _fmt(values: np.ndarray, digits: int) -> str:
    return " ".join(f"{float(v):.{digits}g}" for v in values)


def write_cube(
    path: str | os.PathLike[str],
    lut: CubeLUT,
    style: Literal["adobe", "resolve"] | None = None,
    digits: int = 10,
) -> Path:
    """Write ``lut`` as a ``.cube`` file, atomically.

    Parameters
    ----------
    path
        Destination; its directory must exist.
    lut
        What to write.
    style
        ``"adobe"`` writes a non-unit domain as ``DOMAIN_MIN``/``DOMAIN_MAX`` (per channel);
        ``"resolve"`` as ``LUT_1D_INPUT_RANGE``/``LUT_3D_INPUT_RANGE`` (one range for all three
        channels). ``None`` picks ``"adobe"`` for a single table and ``"resolve"`` for a shaper
        plus a cube (the only form that holds both).
    digits
        Significant digits per value (at least 6).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ParameterError
        If ``digits < 6``, if a shaper+3D LUT is asked for in the Adobe style, or if the
        Resolve style is asked for with a domain that differs between channels.
    """
    path = Path(path)
    if digits < 6:
        raise ParameterError(f"write_cube: digits must be >= 6, got {digits}")
    if style is None:
        style = "resolve" if lut.shaper is not None else "adobe"
    if style not in ("adobe", "resolve"):
        raise ParameterError(f"write_cube: style must be 'adobe' or 'resolve', got {style!r}")
    if style == "adobe" and lut.shaper is not None:
        raise ParameterError(f"{path.name}: a shaper+3D LUT needs style='resolve'")
    assert lut.table is not None
    unit = unit_domain()

    def scalar_range(d: np.ndarray, what: str) -> str:
        if not (np.all(d[0] == d[0, 0]) and np.all(d[1] == d[1, 0])):
            raise ParameterError(f"{path.name}: {what} needs one range for all channels in the "
                                 f"Resolve style, got {d.tolist()}")
        return _fmt(np.array([d[0, 0], d[1, 0]]), digits)

    lines: list[str] = []
    if lut.title:
        if '"' in lut.title or "\n" in lut.title:
            raise ParameterError(f"{path.name}: TITLE cannot hold quotes or newlines")
        lines.append(f'TITLE "{lut.title}"')
    lines.append("# Written by workbench")
    is_3d = lut.table.ndim == 4
    if lut.shaper is not None:
        lines.append(f"LUT_1D_SIZE {lut.shaper.shape[0]}")
        if not np.array_equal(lut.shaper_domain, unit):
            lines.append(f"LUT_1D_INPUT_RANGE {scalar_range(lut.shaper_domain, 'the shaper')}")
    size_kw = "LUT_3D_SIZE" if is_3d else "LUT_1D_SIZE"
    lines.append(f"{size_kw} {lut.table.shape[0]}")
    if not np.array_equal(lut.domain, unit):
        if style == "adobe":
            lines.append(f"DOMAIN_MIN {_fmt(lut.domain[0], digits)}")
            lines.append(f"DOMAIN_MAX {_fmt(lut.domain[1], digits)}")
        else:
            kw = "LUT_3D_INPUT_RANGE" if is_3d else "LUT_1D_INPUT_RANGE"
            lines.append(f"{kw} {scalar_range(lut.domain, 'the table')}")
    if lut.shaper is not None:
        lines.extend(_fmt(row, digits) for row in lut.shaper)
    # Red fastest: [r, g, b] → file order [b][g][r].
    flat: np.ndarray = lut.table.transpose(2, 1, 0, 3).reshape(-1, 3) if is_3d else lut.table
    lines.extend(_fmt(row, digits) for row in flat)
    return atomic_write_text(path, "\n".join(lines) + "\n")
