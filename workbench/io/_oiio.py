"""OpenImageIO plumbing shared by the still reader and writers.

Library errors become one line (errors print on one line) and every write goes through
:func:`~workbench.io.atomic.atomic_path`, so a failed write never leaves a partial file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import OpenImageIO as oiio

from workbench.errors import MediaError
from workbench.io.atomic import atomic_path

__all__ = ["oneline", "write_pixels"]


def oneline(message: str) -> str:
    """Join a multi-line library error into one line (errors print on one line)."""
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


def write_pixels(
    path: Path,
    pixels: np.ndarray,
    spec: oiio.ImageSpec,
) -> None:
    """Write ``pixels`` (already in the spec's type) to ``path`` atomically with OpenImageIO."""
    with atomic_path(path) as tmp:
        out = oiio.ImageOutput.create(str(tmp))
        if out is None:
            raise MediaError(
                f"{path.name}: no writer for this format ({oneline(oiio.geterror())})"
            )
        if not out.open(str(tmp), spec):
            raise MediaError(f"{path.name}: cannot write ({oneline(out.geterror())})")
        ok = out.write_image(pixels)
        ok = out.close() and ok
        if not ok:
            raise MediaError(
                f"{path.name}: write failed ({oneline(out.geterror() or oiio.geterror())})"
            )
