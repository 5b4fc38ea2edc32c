"""An OpenColorIO config carrying a title's looks, for Nuke or any other OCIO host.

The config is the pinned built-in ACES studio config (:data:`workbench.color.CONFIG_URI`),
serialised to a file with one ``Look`` per title look added: an ASC CDL becomes a
``CDLTransform`` (style ``CDL_NO_CLAMP``, as :func:`workbench.ops.cdl.apply_cdl` renders it);
a ``.cube`` becomes a ``FileTransform`` on a copy of the file in a ``luts/`` folder beside the
config, found through the config's ``search_path: luts``, so the folder can be moved whole.

The built-in config serialises as a self-contained file (it has no file references of its own),
so nothing else is copied. Its file rules are replaced: the studio config says an ``.exr`` is
ACES2065-1, while the workbench delivers ACEScg EXRs, so a host applying the shipped config's
rules (``getColorSpaceFromFilepath``, Nuke's Read "default") would convert every render from the
wrong space. :func:`delivery_file_rules` says what each delivered file is.

References
----------
OpenColorIO, "Looks": https://opencolorio.readthedocs.io/en/latest/guides/authoring/looks.html
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import PyOpenColorIO as ocio

from workbench.color.cdl_values import CDLValues, check_cdl_values
from workbench.color.config import CONFIG_URI, resolve_space
from workbench.color.ocio_grade import cdl_transform
from workbench.errors import ColourSpaceError, ParameterError
from workbench.io.atomic import atomic_write_bytes, atomic_write_text

__all__ = ["LUT_FOLDER", "delivery_file_rules", "write_looks_config"]

LUT_FOLDER = "luts"
"""Folder beside the written config holding its LUT files (the config's ``search_path``)."""


def _check_name(name: object, path: Path, existing: set[str]) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ParameterError(f"{path.name}: a look name must be a non-empty string without "
                             f"surrounding spaces, got {name!r}")
    # OCIO parses look lists as "a, +b, -c": these characters would change the meaning.
    if any(c in name for c in ",:|") or name[0] in "+-":
        raise ParameterError(f"{path.name}: look name {name!r} must not contain ',', ':' or '|' "
                             "nor start with '+' or '-'")
    if name in existing:
        raise ParameterError(f"{path.name}: look {name!r} already exists in the config")
    existing.add(name)
    return name


def _cdl_transform(name: str, values: CDLValues, path: Path) -> ocio.CDLTransform:
    check_cdl_values(values, f"{path.name} look {name!r}")
    t = cdl_transform(values)
    t.setID(name)
    return t


def _check_lut(src: Path, name: str, path: Path) -> None:
    """Fail now, naming the file, if OCIO cannot read the LUT (it refuses some .cube variants)."""
    if not src.is_file():
        raise ParameterError(f"{path.name} look {name!r}: LUT {src} does not exist")
    try:
        ocio.Config.CreateRaw().getProcessor(ocio.FileTransform(src=str(src.resolve())))
    except ocio.Exception as exc:
        raise ParameterError(f"{path.name} look {name!r}: OpenColorIO cannot read {src}: "
                             f"{str(exc).splitlines()[0]}") from None


def _any_case(suffixes: str) -> str:
    """A regex alternative matching each ``|``-separated suffix in any letter case."""
    return "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in s)
                    for s in suffixes.split("|"))


def delivery_file_rules(renders_space: str = "ACEScg", display_space: str = "Rec.709",
                        grade_space: str = "ACEScct", default_space: str = "sRGB"
                        ) -> ocio.FileRules:
    """OCIO file rules naming what each file of a workbench hand-off is encoded in.

    ``.exr`` renders are scene-linear ``renders_space``; PNG and movie deliveries
    (``.png``, ``.mov``, ``.mp4``, ``.mxf``) are display-referred ``display_space``; ``.cube``
    and ``.cc``/``.ccc``/``.cdl`` grades take and give ``grade_space``; anything else falls to
    ``default_space`` (sRGB, the workbench's own reading of an unlabelled still). Space names
    may be workbench or OCIO names.

    Returns
    -------
    ocio.FileRules
        Four rules and the default, in that order of precedence.
    """
    rules = ocio.FileRules()
    for index, (name, space, suffixes) in enumerate((
            ("workbench renders", renders_space, "exr"),
            ("workbench display deliveries", display_space, "png|mov|mp4|mxf"),
            ("workbench grades", grade_space, "cube|cc|ccc|cdl"))):
        rules.insertRule(index, name, resolve_space(space), rf".*\.({_any_case(suffixes)})$")
    rules.setDefaultRuleColorSpace(resolve_space(default_space))
    return rules


def write_looks_config(path: Path, looks: Mapping[str, CDLValues | str | Path],
                       process_space: str = "ACEScct", renders_space: str = "ACEScg",
                       display_space: str = "Rec.709") -> Path:
    """Write an OCIO config: the pinned built-in config plus the title's looks.

    Parameters
    ----------
    path
        Destination ``.ocio`` file; its folder must exist. ``.cube`` looks are copied into
        ``<folder>/luts/`` (the config's search path) and referred to by file name.
    looks
        ``{look name: CDLValues or path to a .cube}``. A CDL is applied in ``process_space``
        with OCIO's ``CDL_NO_CLAMP`` style; a LUT is applied in ``process_space`` too (the space
        it expects as input and gives as output).
    process_space
        Workbench or OCIO name of the look's process space (default ``ACEScct``, where the
        workbench grades).
    renders_space, display_space
        What the delivered EXRs, and the PNG/ProRes deliveries, are encoded in: the config's
        file rules say so (see :func:`delivery_file_rules`), replacing the studio config's.

    Returns
    -------
    Path
        ``path``. A host applies a look with e.g. ``LookTransform(src="ACEScg", dst="ACEScg",
        looks=name)`` or Nuke's OCIOLookTransform.

    Raises
    ------
    ParameterError
        For no looks, a bad or duplicate look name, non-finite CDL values, a missing or
        unreadable LUT, or two different LUTs with the same file name.
    ColourSpaceError
        For an unknown ``process_space``.
    """
    path = Path(path)
    if not looks:
        raise ParameterError(f"{path.name}: no looks to write")
    space = resolve_space(process_space)
    config = ocio.Config.CreateFromFile(CONFIG_URI)  # a fresh, editable copy, not get_config()
    if config.getColorSpace(space) is None:
        raise ColourSpaceError(f"process space {space!r} is not in {CONFIG_URI}")
    existing = set(config.getLookNames())

    luts: dict[str, bytes] = {}
    for name, look in looks.items():
        name = _check_name(name, path, existing)
        transform: ocio.Transform
        if isinstance(look, CDLValues):
            transform = _cdl_transform(name, look, path)
        elif isinstance(look, str | Path):
            src = Path(look)
            _check_lut(src, name, path)
            data = src.read_bytes()
            if luts.get(src.name, data) != data:
                raise ParameterError(f"{path.name}: two different LUTs are named {src.name!r}")
            luts[src.name] = data
            transform = ocio.FileTransform(src=src.name, interpolation=ocio.INTERP_BEST)
        else:
            raise ParameterError(f"{path.name} look {name!r}: expected CDLValues or a .cube "
                                 f"path, got {type(look).__name__}")
        config.addLook(ocio.Look(name=name, processSpace=space, transform=transform,
                                 description=f"workbench title look, applied in {space}"))

    config.setFileRules(delivery_file_rules(renders_space, display_space, space))
    if luts:
        config.setSearchPath(LUT_FOLDER)
    config.setDescription(config.getDescription().rstrip("\n")
                          + f"\n\nWith the title's looks added by workbench: {', '.join(looks)}.\n")
    try:
        config.validate()
    except ocio.Exception as exc:
        raise ParameterError(f"{path.name}: the config does not validate: {exc}") from None

    if luts:
        folder = path.parent / LUT_FOLDER
        folder.mkdir(exist_ok=True)
        for file_name, data in luts.items():
            dst = folder / file_name
            if dst.is_file() and dst.read_bytes() == data:
                continue
            atomic_write_bytes(dst, data)
    return atomic_write_text(path, config.serialize())
