"""ASC CDL files, v1.01 XML: ``.cc``, ``.ccc`` (collection) and ``.cdl`` (decision list).

Checked against OpenColorIO's reader (``CDLTransform.CreateFromFile`` and
``CDLTransform.CreateGroupFromFile``) in the tests.

References
----------
American Society of Cinematographers Technology Committee, "ASC Color Decision List (ASC CDL)
Transfer Functions and Interchange Syntax", v1.2 (2009), section 6 (XML interchange).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from workbench.color.cdl_values import CDLValues, check_cdl_values
from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text

__all__ = [
    "ASC_CDL_NAMESPACE",
    "CDLEntry",
    "cdl_xml",
    "read_cc",
    "read_cdl_file",
    "write_cc",
    "write_ccc",
    "write_cdl",
]

ASC_CDL_NAMESPACE = "urn:ASC:CDL:v1.01"

_SOP_TAGS = ("Slope", "Offset", "Power")
_DEFAULTS = {"Slope": "1 1 1", "Offset": "0 0 0", "Power": "1 1 1", "Saturation": "1"}


class CDLEntry(NamedTuple):
    """One correction of a CDL file: its ``id``, its values and its description."""

    id: str
    values: CDLValues
    description: str = ""


# ---------------------------------------------------------------------------------------------
# Writing


def _triple(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.6f}" for v in values)


def cdl_xml(values: CDLValues, cc_id: str, description: str = "") -> ET.Element:
    """A ``<ColorCorrection>`` element holding ``values``."""
    cc = ET.Element("ColorCorrection", id=cc_id)
    if description:
        ET.SubElement(cc, "Description").text = description
    sop = ET.SubElement(cc, "SOPNode")
    ET.SubElement(sop, "Slope").text = _triple(values.slope)
    ET.SubElement(sop, "Offset").text = _triple(values.offset)
    ET.SubElement(sop, "Power").text = _triple(values.power)
    sat = ET.SubElement(cc, "SatNode")
    ET.SubElement(sat, "Saturation").text = f"{values.saturation:.6f}"
    return cc


def _serialise(root: ET.Element) -> str:
    root.set("xmlns", ASC_CDL_NAMESPACE)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _entries(path: Path, corrections: Iterable[tuple[str, CDLValues] | tuple[str, CDLValues, str]]
             ) -> list[CDLEntry]:
    entries: list[CDLEntry] = []
    seen: set[str] = set()
    for item in corrections:
        if len(item) not in (2, 3):
            raise ParameterError(f"{path.name}: a correction is (id, CDLValues[, description]), "
                                 f"got {len(item)} items")
        entry = CDLEntry(*item)
        if not isinstance(entry.id, str) or not entry.id.strip():
            raise ParameterError(f"{path.name}: every correction needs a non-empty id, "
                                 f"got {entry.id!r}")
        if entry.id in seen:
            raise ParameterError(f"{path.name}: duplicate correction id {entry.id!r}")
        seen.add(entry.id)
        if not isinstance(entry.values, CDLValues):
            raise ParameterError(f"{path.name} {entry.id}: expected CDLValues, "
                                 f"got {type(entry.values).__name__}")
        check_cdl_values(entry.values, f"{path.name} correction {entry.id!r}")
        entries.append(entry)
    if not entries:
        raise ParameterError(f"{path.name}: no corrections to write")
    return entries


def write_cc(path: Path, values: CDLValues, cc_id: str, description: str = "") -> Path:
    """Write one correction as a ``.cc`` file, atomically."""
    path = Path(path)
    check_cdl_values(values, f"{path.name} correction {cc_id!r}")
    return atomic_write_text(path, _serialise(cdl_xml(values, cc_id, description)))


def write_ccc(path: Path,
              corrections: Iterable[tuple[str, CDLValues] | tuple[str, CDLValues, str]]) -> Path:
    """Write a ``.ccc`` ColorCorrectionCollection, atomically.

    Parameters
    ----------
    path
        Destination, conventionally ``*.ccc``.
    corrections
        ``(id, values)`` or ``(id, values, description)`` items (e.g. :class:`CDLEntry`), in
        order; ids must be unique and non-empty (readers such as OCIO look corrections up by id).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ParameterError
        On an empty list, a missing or duplicate id, or values the ASC CDL forbids (non-finite,
        slope < 0, power <= 0, saturation < 0), naming the file and the correction.
    """
    path = Path(path)
    root = ET.Element("ColorCorrectionCollection")
    for entry in _entries(path, corrections):
        root.append(cdl_xml(entry.values, entry.id, entry.description))
    return atomic_write_text(path, _serialise(root))


def write_cdl(path: Path,
              corrections: Iterable[tuple[str, CDLValues] | tuple[str, CDLValues, str]],
              media_refs: Mapping[str, str] | None = None) -> Path:
    """Write a ``.cdl`` ColorDecisionList, one ColorDecision per correction, atomically.

    Parameters
    ----------
    path
        Destination, conventionally ``*.cdl``.
    corrections
        As for :func:`write_ccc`.
    media_refs
        Optional ``{id: uri}``: a ``<MediaRef ref="uri"/>`` is written in that correction's
        ColorDecision. (OpenColorIO reads such files but logs that it ignores MediaRef.)

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    entries = _entries(path, corrections)
    refs = dict(media_refs or {})
    unknown = sorted(set(refs) - {e.id for e in entries})
    if unknown:
        raise ParameterError(f"{path.name}: media_refs for unknown correction ids {unknown}")
    root = ET.Element("ColorDecisionList")
    for entry in entries:
        decision = ET.SubElement(root, "ColorDecision")
        if entry.id in refs:
            ET.SubElement(decision, "MediaRef", ref=str(refs[entry.id]))
        decision.append(cdl_xml(entry.values, entry.id, entry.description))
    return atomic_write_text(path, _serialise(root))


# ---------------------------------------------------------------------------------------------
# Reading


def _local(tag: str) -> str:
    return tag.split("}")[-1]


def _children(el: ET.Element, tag: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == tag]


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ParameterError(f"{path}: malformed XML at line {exc.position[0]}: {exc}") from None
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _values(cc: ET.Element, path: Path, strict: bool) -> CDLValues:
    """The values of one ``<ColorCorrection>``.

    ``strict`` follows the spec (and OpenColorIO): a SOPNode must hold Slope, Offset and Power.
    A missing SOPNode or SatNode means the identity for that part. Either way the values must
    be ones the ASC CDL allows (:func:`~workbench.ops.cdl.check_cdl_values`, OCIO's rules).
    """
    where = f"{path}: ColorCorrection {cc.get('id', '')!r}"
    sop = next((e for e in cc.iter() if _local(e.tag) == "SOPNode"), None)
    sat = next((e for e in cc.iter() if _local(e.tag) in ("SatNode", "SATNode")), None)

    def text(node: ET.Element | None, tag: str) -> str:
        el = None if node is None else next((e for e in node if _local(e.tag) == tag), None)
        if el is None and not strict:  # lenient: search the whole correction
            el = next((e for e in cc.iter() if _local(e.tag) == tag), None)
        value = (el.text or "").strip() if el is not None else ""
        if not value:
            if strict and node is not None:
                parent = "SOPNode" if tag in _SOP_TAGS else "SatNode"
                raise ParameterError(f"{where} {parent} has no {tag} value")
            return _DEFAULTS[tag]
        return value

    def triple(tag: str) -> tuple[float, float, float]:
        raw = text(sop, tag)
        parts = raw.split()
        if len(parts) != 3:
            raise ParameterError(f"{where} {tag} needs 3 numbers, got {len(parts)}: {raw!r}")
        try:
            numbers = tuple(float(p) for p in parts)
        except ValueError:
            raise ParameterError(f"{where} {tag} is not numeric: {raw!r}") from None
        if strict and not all(math.isfinite(v) for v in numbers):
            raise ParameterError(f"{where} {tag} must be finite: {raw!r}")
        return numbers  # type: ignore[return-value]

    slope, offset, power = triple("Slope"), triple("Offset"), triple("Power")
    raw_sat = text(sat, "Saturation")
    try:
        saturation = float(raw_sat)
    except ValueError:
        raise ParameterError(f"{where} Saturation is not numeric: {raw_sat!r}") from None
    if strict and not math.isfinite(saturation):
        raise ParameterError(f"{where} Saturation must be finite: {raw_sat!r}")
    values = CDLValues(slope, offset, power, saturation)
    check_cdl_values(values, f"{path.name} correction {cc.get('id', '')!r}")
    return values


def _description(*elements: ET.Element | None) -> str:
    """Direct ``<Description>`` children of the first element that has any, joined by lines."""
    for el in elements:
        if el is None:
            continue
        texts = [(d.text or "").strip() for d in _children(el, "Description")]
        texts = [t for t in texts if t]
        if texts:
            return "\n".join(texts)
    return ""


def _corrections_in(root: ET.Element) -> dict[str, ET.Element]:
    return {cc.get("id", ""): cc for cc in root.iter() if _local(cc.tag) == "ColorCorrection"}


def _resolve_ref(ref: str, path: Path, local: dict[str, ET.Element]) -> tuple[ET.Element, Path]:
    """Find the ColorCorrection a ``ColorCorrectionRef`` names.

    Looks in the same file first, then in the ``.ccc`` and ``.cc`` files beside it (sorted by
    name); the first file defining the id wins.
    """
    if ref in local:
        return local[ref], path
    siblings = sorted(p for p in path.parent.iterdir()
                      if p.suffix.lower() in (".ccc", ".cc") and p.is_file())
    for other in siblings:
        found = _corrections_in(_parse(other)).get(ref)
        if found is not None:
            return found, other
    raise ParameterError(f"{path}: ColorCorrectionRef {ref!r} is not defined in the file nor in "
                         f"any .ccc/.cc beside it ({len(siblings)} searched)")


def read_cdl_file(path: Path) -> list[CDLEntry]:
    """Read every correction of a ``.cc``, ``.ccc`` or ``.cdl`` file, in document order.

    Namespaced (``urn:ASC:CDL:v1.01``) and un-namespaced files are both read; the older
    ``SATNode`` spelling is accepted. In a ``.cdl``, a ``ColorDecision`` holding a
    ``<ColorCorrectionRef ref="id"/>`` is resolved against the corrections of the same file, then
    of the ``.ccc``/``.cc`` files in the same folder.

    Parameters
    ----------
    path
        The file. The root element decides how it is read, not the extension.

    Returns
    -------
    list[CDLEntry]
        ``(id, CDLValues, description)`` per correction (the description is the correction's own
        ``<Description>`` lines, else its ColorDecision's; ``""`` when none).

    Raises
    ------
    ParameterError
        Naming the file (and the correction) for malformed XML, an unknown root element, a
        SOPNode missing Slope/Offset/Power, a triple that is not 3 numbers, a non-numeric value,
        a value the ASC CDL forbids (slope < 0, power <= 0, saturation < 0, as OpenColorIO
        refuses them; or not finite), or an unresolvable ColorCorrectionRef.
    """
    path = Path(path)
    root = _parse(path)
    kind = _local(root.tag)
    if kind == "ColorCorrection":
        return [CDLEntry(root.get("id", ""), _values(root, path, True), _description(root))]
    if kind == "ColorCorrectionCollection":
        return [CDLEntry(cc.get("id", ""), _values(cc, path, True), _description(cc))
                for cc in _children(root, "ColorCorrection")]
    if kind == "ColorDecisionList":
        local = _corrections_in(root)
        out: list[CDLEntry] = []
        for decision in _children(root, "ColorDecision"):
            ccs = _children(decision, "ColorCorrection")
            refs = _children(decision, "ColorCorrectionRef")
            if ccs:
                cc, source = ccs[0], path
            elif refs:
                ref = refs[0].get("ref", "")
                if not ref:
                    raise ParameterError(f"{path}: ColorCorrectionRef without a ref attribute")
                cc, source = _resolve_ref(ref, path, local)
            else:
                raise ParameterError(f"{path}: a ColorDecision holds no ColorCorrection "
                                     "or ColorCorrectionRef")
            out.append(CDLEntry(cc.get("id", ""), _values(cc, source, True),
                                _description(cc, decision)))
        return out
    raise ParameterError(f"{path}: root element is <{kind}>, expected ColorCorrection, "
                         "ColorCorrectionCollection or ColorDecisionList")


def read_cc(path: Path) -> tuple[str, CDLValues]:
    """Read the first ``ColorCorrection`` of a ``.cc``/``.ccc``/``.cdl``: its id and values.

    Lenient where :func:`read_cdl_file` is strict: a missing Slope, Offset, Power or Saturation
    reads as the identity.
    """
    path = Path(path)
    root = _parse(path)
    cc = next((e for e in root.iter() if _local(e.tag) == "ColorCorrection"), None)
    if cc is None:
        raise ParameterError(f"{path}: no ColorCorrection element")
    return cc.get("id", ""), _values(cc, path, False)
