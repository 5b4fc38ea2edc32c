"""Industry interchange: ASC CDL, .cube LUTs, CMX 3600 EDL, OCIO looks, OpenTimelineIO.

Names load with their submodule on first use: reading a ``.cc`` or a ``.cube`` (for
OpenColorIO alone, as ``workbench apply`` does) loads no torch, which only the LUT operators
(:mod:`~workbench.interchange.lut_files`) and the timelines need.
"""

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

if TYPE_CHECKING:
    from workbench.interchange.ale import AleClip, read_ale_clips
    from workbench.interchange.cdl import (
        CDLEntry,
        read_cc,
        read_cdl_file,
        write_cc,
        write_ccc,
        write_cdl,
    )
    from workbench.interchange.cube import CubeLUT, read_cube, write_cube
    from workbench.interchange.edl import write_edl
    from workbench.interchange.lut_files import LUT_FILE_SUFFIXES, lut_operator, read_cube_file
    from workbench.interchange.ocio_looks import write_looks_config
    from workbench.interchange.timeline import cdl_metadata, rendered_clip, write_timeline

__getattr__, __dir__ = lazy_exports(__name__, {
    "ale": ("AleClip", "read_ale_clips"),
    "cdl": ("CDLEntry", "read_cc", "read_cdl_file", "write_cc", "write_ccc", "write_cdl"),
    "cube": ("CubeLUT", "read_cube", "write_cube"),
    "edl": ("write_edl",),
    "lut_files": ("LUT_FILE_SUFFIXES", "lut_operator", "read_cube_file"),
    "ocio_looks": ("write_looks_config",),
    "timeline": ("cdl_metadata", "rendered_clip", "write_timeline"),
})

__all__ = [
    "LUT_FILE_SUFFIXES",
    "AleClip",
    "CDLEntry",
    "CubeLUT",
    "cdl_metadata",
    "lut_operator",
    "read_ale_clips",
    "read_cc",
    "read_cdl_file",
    "read_cube",
    "read_cube_file",
    "rendered_clip",
    "write_cc",
    "write_ccc",
    "write_cdl",
    "write_cube",
    "write_edl",
    "write_looks_config",
    "write_timeline",
]
