"""ASC CDL files: ``.cc`` (one ColorCorrection) and ``.ccc`` (a collection), ASC CDL v1.01 XML.

Checked against OpenColorIO's reader (``CDLTransform.CreateFromFile``) in the tests.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_text
from workbench.ops.cdl import CDLValues

__all__ = ["ASC_CDL_NAMESPACE", "cdl_xml", "read_cc", "write_cc"]

ASC_CDL_NAMESPACE = "urn:ASC:CDL:v1.01"


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


def write_cc(path: Path, values: CDLValues, cc_id: str, description: str = "") -> Path:
    """Write one correction as a ``.cc`` file, atomically."""
    cc = cdl_xml(values, cc_id, description)
    cc.set("xmlns", ASC_CDL_NAMESPACE)
    ET.indent(cc)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(cc, encoding="unicode") + "\n"
    return atomic_write_text(path, text)


def read_cc(path: Path) -> tuple[str, CDLValues]:
    """Read the first ``ColorCorrection`` of a ``.cc``/``.ccc``/``.cdl``: its id and values."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ParameterError(f"{path}: malformed XML at line {exc.position[0]}: {exc}") from None
    cc = next((e for e in root.iter() if e.tag.split("}")[-1] == "ColorCorrection"), None)
    if cc is None:
        raise ParameterError(f"{path}: no ColorCorrection element")

    def find(tag: str) -> str:
        el = next((e for e in cc.iter() if e.tag.split("}")[-1] == tag), None)
        if el is None or not (el.text or "").strip():
            default = {"Slope": "1 1 1", "Offset": "0 0 0", "Power": "1 1 1", "Saturation": "1"}
            return default[tag]
        return el.text.strip()  # type: ignore[union-attr]

    def triple(tag: str) -> tuple[float, float, float]:
        parts = find(tag).split()
        if len(parts) != 3:
            raise ParameterError(f"{path}: {tag} needs 3 numbers, got {find(tag)!r}")
        try:
            return (float(parts[0]), float(parts[1]), float(parts[2]))
        except ValueError:
            raise ParameterError(f"{path}: {tag} is not numeric: {find(tag)!r}") from None

    try:
        saturation = float(find("Saturation"))
    except ValueError:
        raise ParameterError(f"{path}: Saturation is not numeric: {find('Saturation')!r}") from None
    return cc.get("id", ""), CDLValues(triple("Slope"), triple("Offset"), triple("Power"),
                                       saturation)
