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

from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text

__all__ = ["LUT_1D_SIZE_RANGE", "LUT_3D_SIZE_RANGE", "CubeLUT", "read_cube", "write_cube"]

#: Valid ``LUT_1D_SIZE`` values (inclusive), per the Adobe specification.
LUT_1D_SIZE_RANGE = (2, 65536)
#: Valid ``LUT_3D_SIZE`` values (inclusive), per the Adobe specification.
LUT_3D_SIZE_RANGE = (2, 256)

_UNIT_DOMAIN = ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _unit_domain() -> np.ndarray:
    return np.array(_UNIT_DOMAIN, dtype=np.float64)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class CubeLUT:
    """The contents of a ``.cube`` file, as plain read-only ``float64`` arrays.

    Attributes
    ----------
    title
        The ``TITLE`` string, ``""`` when there is none.
    shaper
        The 1D shaper ``(N, 3)`` applied before the 3D ``table``, or ``None``. A 1D-only file has
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
    shaper_domain: np.ndarray = field(default_factory=_unit_domain)
    table: np.ndarray | None = None
    domain: np.ndarray = field(default_factory=_unit_domain)

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
        for name in ("shaper", "table", "shaper_domain", "domain"):
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

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CubeLUT):
            return NotImplemented

        def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
            return (a is None and b is None) or (
                a is not None and b is not None and np.array_equal(a, b)
            )

        return self.title == other.title and all(
            same(getattr(self, n), getattr(other, n))
            for n in ("shaper", "shaper_domain", "table", "domain")
        )

    __hash__ = None  # type: ignore[assignment]


def _fail(name: str, lineno: int, message: str) -> ParameterError:
    return ParameterError(f"{name} line {lineno}: {message}")


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
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{name}: cannot read the LUT ({exc})") from None

    title = ""
    size_1d: int | None = None
    size_3d: int | None = None
    domain_min: list[float] | None = None
    domain_max: list[float] | None = None
    range_1d: list[float] | None = None
    range_3d: list[float] | None = None
    rows: list[tuple[float, float, float]] = []
    row_lines: list[int] = []

    def numbers(tokens: list[str], count: int, lineno: int, keyword: str) -> list[float]:
        if len(tokens) != count:
            raise _fail(name, lineno, f"{keyword} needs {count} numbers, got {len(tokens)}")
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            raise _fail(name, lineno, f"{keyword} is not numeric: {' '.join(tokens)!r}") from None
        if not all(math.isfinite(v) for v in values):
            raise _fail(name, lineno, f"{keyword} must be finite, got {' '.join(tokens)!r}")
        return values

    def size(tokens: list[str], lineno: int, keyword: str, bounds: tuple[int, int]) -> int:
        if len(tokens) != 1 or not tokens[0].lstrip("+-").isdigit():
            raise _fail(name, lineno, f"{keyword} needs one integer, got {' '.join(tokens)!r}")
        n = int(tokens[0])
        if not bounds[0] <= n <= bounds[1]:
            raise _fail(name, lineno, f"{keyword} must be in {bounds[0]}..{bounds[1]}, got {n}")
        return n

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("TITLE") else raw.strip()
        if not line:
            continue
        tokens = line.split()
        head, rest = tokens[0], tokens[1:]
        keyword = head.upper()
        if keyword == "TITLE":
            m = re.fullmatch(r'TITLE\s+"(.*)"\s*(#.*)?', line, flags=re.IGNORECASE)
            if m is None:
                raise _fail(name, lineno, f'TITLE must be a quoted string, got {line!r}')
            title = m.group(1)
        elif keyword == "LUT_1D_SIZE":
            size_1d = size(rest, lineno, keyword, LUT_1D_SIZE_RANGE)
        elif keyword == "LUT_3D_SIZE":
            size_3d = size(rest, lineno, keyword, LUT_3D_SIZE_RANGE)
        elif keyword == "DOMAIN_MIN":
            domain_min = numbers(rest, 3, lineno, keyword)
        elif keyword == "DOMAIN_MAX":
            domain_max = numbers(rest, 3, lineno, keyword)
        elif keyword == "LUT_1D_INPUT_RANGE":
            range_1d = numbers(rest, 2, lineno, keyword)
        elif keyword == "LUT_3D_INPUT_RANGE":
            range_3d = numbers(rest, 2, lineno, keyword)
        else:
            try:
                values = [float(t) for t in tokens]
            except ValueError:
                if _KEYWORD.match(head):
                    raise _fail(name, lineno, f"unknown keyword {head!r}") from None
                raise _fail(name, lineno, f"not a row of 3 numbers: {line!r}") from None
            if len(values) != 3:
                raise _fail(name, lineno, f"expected 3 numbers, got {len(values)}: {line!r}")
            if not all(math.isfinite(v) for v in values):
                raise _fail(name, lineno, f"NaN or Inf in the LUT: {line!r}")
            rows.append((values[0], values[1], values[2]))
            row_lines.append(lineno)

    if size_1d is None and size_3d is None:
        raise ParameterError(f"{name}: no LUT_1D_SIZE or LUT_3D_SIZE")
    n1 = size_1d or 0
    n3 = size_3d**3 if size_3d else 0
    if len(rows) != n1 + n3:
        sizes = " and ".join(
            f"{k} {v}" for k, v in (("LUT_1D_SIZE", size_1d), ("LUT_3D_SIZE", size_3d)) if v
        )
        expected = f"{n1} + {n3}" if n1 and n3 else f"{n1 + n3}"
        raise ParameterError(f"{name}: expected {expected} rows for {sizes}, got {len(rows)}")
    if (domain_min is None) != (domain_max is None):
        raise ParameterError(f"{name}: DOMAIN_MIN and DOMAIN_MAX must come together")
    if domain_min is not None and size_1d and size_3d:
        raise ParameterError(f"{name}: DOMAIN_MIN/DOMAIN_MAX are ambiguous with both a 1D and a "
                             "3D table; use LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE")

    data = np.asarray(rows, dtype=np.float64).reshape(-1, 3)

    def domain_of(input_range: list[float] | None) -> np.ndarray:
        if domain_min is not None and domain_max is not None:
            d = np.array([domain_min, domain_max], dtype=np.float64)
        elif input_range is not None:
            d = np.array([[input_range[0]] * 3, [input_range[1]] * 3], dtype=np.float64)
        else:
            d = _unit_domain()
        if not np.all(d[1] > d[0]):
            raise ParameterError(f"{name}: the domain maximum must exceed its minimum, got "
                                 f"{d.tolist()}")
        return d

    shaper: np.ndarray | None = None
    shaper_domain = _unit_domain()
    table: np.ndarray
    if size_3d:
        cube = data[n1:]
        # Red fastest: the file order is [b][g][r]; transpose to [r, g, b].
        table = cube.reshape(size_3d, size_3d, size_3d, 3).transpose(2, 1, 0, 3)
        domain = domain_of(range_3d)
        if size_1d:
            shaper = data[:n1]
            shaper_domain = domain_of(range_1d)
    else:
        table = data
        domain = domain_of(range_1d)
    return CubeLUT(title=title, shaper=shaper, shaper_domain=shaper_domain, table=table,
                   domain=domain)


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
    unit = _unit_domain()

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
