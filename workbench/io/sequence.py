"""Numbered image sequences on disk: ``shot.####.exr``, ``shot.%04d.exr``, one frame, a folder.

Only names are read here (no pixels), so listing a sequence loads no image library.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from workbench.errors import MediaError

__all__ = ["list_sequence"]


_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%(0?)(\d*)d")
_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


def _pattern_regex(name: str) -> re.Pattern[str] | None:
    """Turn ``shot.####.exr`` / ``shot.%04d.exr`` / ``shot.#.exr`` into a regex, or None."""
    hashes = list(_HASHES.finditer(name))
    printf = list(_PRINTF.finditer(name))
    if len(hashes) + len(printf) != 1:
        return None
    m = (hashes or printf)[0]
    if hashes:
        width = len(m.group(0))
        digits = r"\d+" if width == 1 else rf"\d{{{width},}}"
    else:
        width = int(m.group(2) or 0)
        digits = rf"\d{{{width},}}" if width > 1 else r"\d+"
    before, after = name[: m.start()], name[m.end() :]
    return re.compile(f"^{re.escape(before)}({digits}){re.escape(after)}$")


def _collect(directory: Path, regex: re.Pattern[str], label: str) -> list[tuple[int, Path]]:
    frames: dict[int, Path] = {}
    for entry in directory.iterdir():
        m = regex.match(entry.name)
        if m and entry.is_file():
            number = int(m.group(1))
            if number in frames:
                raise MediaError(
                    f"{label}: frame {number} appears twice ({frames[number].name}, {entry.name})"
                )
            frames[number] = entry
    if not frames:
        raise MediaError(f"{label}: no frames found")
    numbers = sorted(frames)
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    if missing:
        raise MediaError(
            f"{label}: frame {missing[0]} is missing ({len(missing)} missing between "
            f"{numbers[0]} and {numbers[-1]})"
        )
    return [(n, frames[n]) for n in numbers]


def list_sequence(path_or_pattern: str | os.PathLike[str]) -> list[tuple[int, Path]]:
    """List a numbered image sequence as sorted ``(frame_number, path)`` pairs.

    Parameters
    ----------
    path_or_pattern
        ``shot.####.exr`` (exactly that padding, or wider for larger numbers), ``shot.%04d.exr``,
        ``shot.#.exr`` / ``shot.%d.exr`` (any padding), one existing frame such as
        ``shot.0001.exr`` (its sequence), or a directory holding exactly one numbered sequence.

    Returns
    -------
    list of (int, Path)
        Every frame from the first to the last number, in order.

    Raises
    ------
    MediaError
        No frames, a gap (naming the first missing frame), a frame number present twice, or a
        directory with several sequences.
    """
    target = Path(path_or_pattern)
    if target.is_dir():
        return _directory_sequence(target)
    directory = target.parent
    pattern = _pattern_regex(target.name)
    if pattern is not None:
        regex = pattern
    else:
        m = _LAST_NUMBER.match(target.name)
        if not (target.is_file() and m):
            raise MediaError(
                f"{target.name}: not a sequence pattern (use name.####.ext, name.%04d.ext, "
                "name.#.ext or a directory)"
            )
        regex = re.compile(f"^{re.escape(m.group(1))}(\\d+){re.escape(m.group(3))}$")
    if not directory.is_dir():
        raise MediaError(f"{target.name}: directory {directory} does not exist")
    return _collect(directory, regex, target.name)


def _directory_sequence(target: Path) -> list[tuple[int, Path]]:
    """The one numbered sequence in directory ``target`` (see :func:`list_sequence`)."""
    groups: dict[tuple[str, str], int] = {}
    for entry in target.iterdir():
        m = _LAST_NUMBER.match(entry.name)
        if m and entry.is_file() and not entry.name.startswith("."):
            key = (m.group(1), m.group(3))
            groups[key] = groups.get(key, 0) + 1
    if not groups:
        raise MediaError(f"{target.name}: no numbered frames in directory")
    if len(groups) > 1:
        names = ", ".join(f"{a}#{b}" for a, b in sorted(groups))
        raise MediaError(f"{target.name}: several sequences in directory ({names})")
    (before, after), _ = groups.popitem()
    regex = re.compile(f"^{re.escape(before)}(\\d+){re.escape(after)}$")
    return _collect(target, regex, f"{target.name}/{before}#{after}")
