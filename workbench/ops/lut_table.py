"""The in-memory LUT table, re-exported: it lives in :mod:`workbench.color.lut_table`.

It holds no torch, so a ``.cube`` can be read and handed to OpenColorIO without loading the
operators; this name stays for the code and the saved grades that import it from here.
"""

from workbench.color.lut_table import (
    CUBE_LUT_SCHEMA,
    LUT_1D_SIZE_RANGE,
    LUT_3D_SIZE_RANGE,
    CubeLUT,
    unit_domain,
)

__all__ = ["CUBE_LUT_SCHEMA", "LUT_1D_SIZE_RANGE", "LUT_3D_SIZE_RANGE", "CubeLUT", "unit_domain"]
