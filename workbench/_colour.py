"""Import colour-science quietly and safely.

colour-science warns at import when optional SciPy/Matplotlib are absent (the workbench does
not need them), and it keeps OpenImageIO ``TypeDesc`` objects in module globals; when torch is
also loaded those outlive nanobind's shutdown and it prints a screen of "leaked instance" lines
at exit. Dropping colour's references before shutdown keeps the terminal clean.
"""

from __future__ import annotations

import atexit
import functools
import warnings
from types import ModuleType

__all__ = ["import_colour"]


def _release_openimageio_globals() -> None:
    import sys

    image = sys.modules.get("colour.io.image")
    if image is None:
        return
    mapping = getattr(image, "MAPPING_BIT_DEPTH", None)
    if mapping is not None:
        mapping.clear()
    for name in ("DOUBLE", "FLOAT", "HALF", "UINT8", "UINT16", "ImageSpec"):
        image.__dict__.pop(name, None)


@functools.cache
def import_colour() -> ModuleType:
    """Return the ``colour`` module, imported without optional-dependency warnings."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*related API features are not available.*")
        import colour
    atexit.register(_release_openimageio_globals)
    return colour
