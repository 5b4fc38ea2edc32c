"""ASC CDL collections (.ccc, .cdl): round trip, and OpenColorIO reads what we write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import pytest

from workbench.errors import ParameterError
from workbench.interchange.cdl import (
    ASC_CDL_NAMESPACE,
    CDLEntry,
    read_cc,
    read_cdl_file,
    write_cc,
    write_ccc,
    write_cdl,
)
from workbench.ops.cdl import CDLValues

ENTRIES = [
    CDLEntry("A001_010", CDLValues((1.213457, 0.904321, 1.1), (-0.051234, 0.020001, 0.0),
                                   (0.8, 1.312345, 1.1), 1.287654), "warm up, apply in ACEScct"),
    CDLEntry("A001_020", CDLValues((0.95, 1.0, 1.05), (0.01, -0.002, 0.003),
                                   (1.0, 1.0, 0.97), 0.85), ""),
    CDLEntry("A002_030", CDLValues(), "identity"),
]


def _assert_values(got: CDLValues, expected: CDLValues, atol: float = 1e-6) -> None:
    np.testing.assert_allclose(got.slope, expected.slope, atol=atol)
    np.testing.assert_allclose(got.offset, expected.offset, atol=atol)
    np.testing.assert_allclose(got.power, expected.power, atol=atol)
    assert got.saturation == pytest.approx(expected.saturation, abs=atol)


def _assert_ocio(t: ocio.CDLTransform, expected: CDLValues) -> None:
    np.testing.assert_allclose(t.getSlope(), expected.slope, atol=1e-6)
    np.testing.assert_allclose(t.getOffset(), expected.offset, atol=1e-6)
    np.testing.assert_allclose(t.getPower(), expected.power, atol=1e-6)
    assert t.getSat() == pytest.approx(expected.saturation, abs=1e-6)


@pytest.mark.parametrize("writer", [write_ccc, write_cdl])
def test_round_trip_and_ocio_reads_every_id(tmp_path: Path, writer: object) -> None:
    suffix = ".ccc" if writer is write_ccc else ".cdl"
    path = writer(tmp_path / f"title{suffix}", ENTRIES)  # type: ignore[operator]
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == [path.name]
    assert ASC_CDL_NAMESPACE in path.read_text()
    back = read_cdl_file(path)
    assert [e.id for e in back] == [e.id for e in ENTRIES]
    assert [e.description for e in back] == [e.description for e in ENTRIES]
    for got, want in zip(back, ENTRIES, strict=True):
        _assert_values(got.values, want.values)
        _assert_ocio(ocio.CDLTransform.CreateFromFile(str(path), want.id), want.values)
    # The first correction is what read_cc (and OCIO with an empty id) returns.
    assert read_cc(path)[0] == ENTRIES[0].id

    group = ocio.CDLTransform.CreateGroupFromFile(str(path))
    assert [t.getID() for t in group] == [e.id for e in ENTRIES]
    for t, want in zip(group, ENTRIES, strict=True):
        _assert_ocio(t, want.values)


def test_cdl_with_media_refs(tmp_path: Path) -> None:
    path = write_cdl(tmp_path / "refs.cdl", ENTRIES[:2],
                     media_refs={"A001_010": "file:///plates/A001_010.%04d.exr"})
    text = path.read_text()
    assert text.count("<ColorDecision>") == 2
    assert '<MediaRef ref="file:///plates/A001_010.%04d.exr"' in text
    assert [e.id for e in read_cdl_file(path)] == ["A001_010", "A001_020"]
    level = ocio.GetLoggingLevel()
    ocio.SetLoggingLevel(ocio.LOGGING_LEVEL_NONE)  # OCIO warns that it ignores MediaRef
    try:
        _assert_ocio(ocio.CDLTransform.CreateFromFile(str(path), "A001_020"), ENTRIES[1].values)
    finally:
        ocio.SetLoggingLevel(level)
    with pytest.raises(ParameterError, match="unknown correction ids"):
        write_cdl(tmp_path / "bad.cdl", ENTRIES[:1], media_refs={"nope": "x"})


def test_cc_read_as_a_list(tmp_path: Path) -> None:
    path = write_cc(tmp_path / "one.cc", ENTRIES[0].values, "one", "a note")
    [entry] = read_cdl_file(path)
    assert entry.id == "one" and entry.description == "a note"
    _assert_values(entry.values, ENTRIES[0].values)


def test_plain_tuples_and_unnamespaced(tmp_path: Path) -> None:
    path = write_ccc(tmp_path / "plain.ccc", [("x", CDLValues(saturation=0.5))])
    path.write_text(path.read_text().replace(f' xmlns="{ASC_CDL_NAMESPACE}"', ""))
    [entry] = read_cdl_file(path)
    assert entry == ("x", CDLValues(saturation=0.5), "")


def test_color_correction_ref_into_a_ccc(tmp_path: Path) -> None:
    write_ccc(tmp_path / "looks.ccc", ENTRIES)
    path = tmp_path / "edit.cdl"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<ColorDecisionList xmlns="{ASC_CDL_NAMESPACE}">
  <ColorDecision>
    <Description>shot 20 uses the look of A001_020</Description>
    <MediaRef ref="A003_020.mov"/>
    <ColorCorrectionRef ref="A001_020"/>
  </ColorDecision>
  <ColorDecision>
    <ColorCorrection id="local"><SOPNode><Slope>2 2 2</Slope><Offset>0 0 0</Offset>
      <Power>1 1 1</Power></SOPNode></ColorCorrection>
  </ColorDecision>
  <ColorDecision><ColorCorrectionRef ref="local"/></ColorDecision>
</ColorDecisionList>""")
    entries = read_cdl_file(path)
    assert [e.id for e in entries] == ["A001_020", "local", "local"]
    _assert_values(entries[0].values, ENTRIES[1].values)
    assert entries[0].description == "shot 20 uses the look of A001_020"
    assert entries[2].values == CDLValues(slope=(2.0, 2.0, 2.0))

    missing = tmp_path / "missing.cdl"
    missing.write_text('<ColorDecisionList><ColorDecision><ColorCorrectionRef ref="zz"/>'
                       "</ColorDecision></ColorDecisionList>")
    with pytest.raises(ParameterError, match=r"missing\.cdl.*ColorCorrectionRef 'zz'"):
        read_cdl_file(missing)


@pytest.mark.parametrize(("name", "text", "match"), [
    ("broken.ccc", "<ColorCorrectionCollection><ColorCorrection id='a'>",
     r"broken\.ccc: malformed XML"),
    ("nopower.ccc", "<ColorCorrectionCollection><ColorCorrection id='a'><SOPNode>"
     "<Slope>1 1 1</Slope><Offset>0 0 0</Offset></SOPNode></ColorCorrection>"
     "</ColorCorrectionCollection>", r"nopower\.ccc: ColorCorrection 'a' SOPNode has no Power"),
    ("empty.cdl", "<ColorDecisionList><ColorDecision><ColorCorrection id='b'><SOPNode>"
     "<Slope>1 1 1</Slope><Offset></Offset><Power>1 1 1</Power></SOPNode></ColorCorrection>"
     "</ColorDecision></ColorDecisionList>", r"empty\.cdl: ColorCorrection 'b' SOPNode has no "
     "Offset"),
    ("short.ccc", "<ColorCorrectionCollection><ColorCorrection id='c'><SOPNode>"
     "<Slope>1 1</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode>"
     "</ColorCorrection></ColorCorrectionCollection>",
     r"short\.ccc: ColorCorrection 'c' Slope needs 3 numbers, got 2"),
    ("text.cdl", "<ColorDecisionList><ColorDecision><ColorCorrection id='d'><SOPNode>"
     "<Slope>1 1 1</Slope><Offset>0 0 0</Offset><Power>1 one 1</Power></SOPNode>"
     "</ColorCorrection></ColorDecision></ColorDecisionList>",
     r"text\.cdl: ColorCorrection 'd' Power is not numeric"),
    ("sat.cc", "<ColorCorrection id='e'><SatNode><Saturation>lots</Saturation></SatNode>"
     "</ColorCorrection>", r"sat\.cc: ColorCorrection 'e' Saturation is not numeric"),
    ("other.xml", "<Something/>", r"other\.xml: root element is <Something>"),
    ("nothing.cdl", "<ColorDecisionList><ColorDecision/></ColorDecisionList>",
     r"nothing\.cdl: a ColorDecision holds no ColorCorrection"),
])
def test_malformed_files_raise_naming_file_and_element(tmp_path: Path, name: str, text: str,
                                                       match: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ParameterError, match=match):
        read_cdl_file(path)


def test_writers_refuse_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="duplicate correction id 'a'"):
        write_ccc(tmp_path / "d.ccc", [("a", CDLValues()), ("a", CDLValues())])
    with pytest.raises(ParameterError, match="non-empty id"):
        write_cdl(tmp_path / "e.cdl", [("", CDLValues())])
    with pytest.raises(ParameterError, match="no corrections"):
        write_ccc(tmp_path / "n.ccc", [])
    with pytest.raises(ParameterError,
                       match=r"f\.ccc correction 'a': invalid ASC CDL slope nan \(green\), must be "
                             r"finite"):
        write_ccc(tmp_path / "f.ccc", [("a", CDLValues(slope=(1.0, float("nan"), 1.0)))])
    with pytest.raises(ParameterError, match="slope needs 3 numbers"):
        write_ccc(tmp_path / "s.ccc", [("a", CDLValues(slope=(1.0, 1.0)))])  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
