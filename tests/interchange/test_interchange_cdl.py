"""ASC CDL .cc files: round trip, OpenColorIO reads what we write, we read what OCIO reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from workbench.errors import ParameterError
from workbench.interchange import read_cc, write_cc
from workbench.interchange.cdl import ASC_CDL_NAMESPACE
from workbench.ops import CDLValues, apply_cdl

VALUES = CDLValues((1.213457, 0.904321, 1.1), (-0.051234, 0.020001, 0.0), (0.8, 1.312345, 1.1),
                   1.287654)


def test_write_read_round_trip(tmp_path: Path) -> None:
    path = write_cc(tmp_path / "A001_010.cc", VALUES, "A001_010", "apply in ACEScct")
    assert path == tmp_path / "A001_010.cc" and path.is_file()
    assert ASC_CDL_NAMESPACE in path.read_text()
    cc_id, back = read_cc(path)
    assert cc_id == "A001_010"
    np.testing.assert_allclose(back.slope, VALUES.slope, atol=1e-6)
    np.testing.assert_allclose(back.offset, VALUES.offset, atol=1e-6)
    np.testing.assert_allclose(back.power, VALUES.power, atol=1e-6)
    assert back.saturation == pytest.approx(VALUES.saturation, abs=1e-6)
    # No temporary files left behind by the atomic write.
    assert [p.name for p in tmp_path.iterdir()] == ["A001_010.cc"]


def test_identity_round_trip(tmp_path: Path) -> None:
    _, back = read_cc(write_cc(tmp_path / "id.cc", CDLValues(), "id"))
    assert back.is_identity()


def test_ocio_reads_written_cc(tmp_path: Path) -> None:
    path = write_cc(tmp_path / "shot.cc", VALUES, "shot_020")
    _, ours = read_cc(path)
    t = ocio.CDLTransform.CreateFromFile(str(path), "")
    assert t.getID() == "shot_020"
    np.testing.assert_allclose(t.getSlope(), ours.slope, atol=1e-7)
    np.testing.assert_allclose(t.getOffset(), ours.offset, atol=1e-7)
    np.testing.assert_allclose(t.getPower(), ours.power, atol=1e-7)
    assert t.getSat() == pytest.approx(ours.saturation, abs=1e-7)
    np.testing.assert_allclose(t.getSlope(), VALUES.slope, atol=1e-6)

    # Pixels through OCIO's reading of the file equal apply_cdl with our reading of it.
    rng = np.random.default_rng(7)
    rgb = rng.uniform(-0.1, 2.0, (500, 3)).astype(np.float32)
    for transform in (t, ocio.FileTransform(src=str(path))):
        proc = ocio.Config.CreateRaw().getProcessor(transform).getOptimizedCPUProcessor(
            ocio.OPTIMIZATION_LOSSLESS)
        expected = np.ascontiguousarray(rgb.copy())
        proc.applyRGB(expected)
        img = torch.from_numpy(np.ascontiguousarray(rgb.T)).reshape(1, 3, -1, 1)
        got = apply_cdl(img, ours.slope, ours.offset, ours.power, ours.saturation)
        np.testing.assert_allclose(got.reshape(3, -1).T.numpy(), expected, atol=1e-5, rtol=1e-6)


def test_malformed_xml_raises_naming_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.cc"
    path.write_text('<ColorCorrection id="x"><SOPNode><Slope>1 1 1</Slope>')
    with pytest.raises(ParameterError, match=r"broken\.cc"):
        read_cc(path)


def test_two_numbers_in_slope_raises(tmp_path: Path) -> None:
    path = tmp_path / "short.cc"
    path.write_text('<ColorCorrection id="x"><SOPNode><Slope>1.1 1.2</Slope>'
                    "<Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode></ColorCorrection>")
    with pytest.raises(ParameterError, match=r"Slope") as info:
        read_cc(path)
    assert "short.cc" in str(info.value)


def test_non_numeric_raises(tmp_path: Path) -> None:
    path = tmp_path / "text.cc"
    path.write_text('<ColorCorrection id="x"><SOPNode><Slope>1 1 1</Slope>'
                    "<Offset>0 zero 0</Offset></SOPNode></ColorCorrection>")
    with pytest.raises(ParameterError, match=r"Offset"):
        read_cc(path)


def test_non_numeric_saturation_raises(tmp_path: Path) -> None:
    path = tmp_path / "sat.cc"
    path.write_text('<ColorCorrection id="x"><SatNode><Saturation>high</Saturation></SatNode>'
                    "</ColorCorrection>")
    with pytest.raises(ParameterError, match=r"Saturation") as info:
        read_cc(path)
    assert "sat.cc" in str(info.value)


def test_no_color_correction_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.cc"
    path.write_text("<ColorDecisionList/>")
    with pytest.raises(ParameterError, match=r"no ColorCorrection"):
        read_cc(path)


# In the form of OpenColorIO's tests/data/files/cdl_test2.cc (no namespace, SatNode) and
# cdl_test_SATNode.cc (the older SATNode spelling); here also with the v1.01 namespace.
OCIO_STYLE = """<ColorCorrection id="cc0001">
\t\t<SOPNode>
\t\t\t\t<Description>Example look</Description>
\t\t\t\t<Slope>1.0 1.0 0.9</Slope>
\t\t\t\t<Offset>-.03 -2e-2 0</Offset>
\t\t\t\t<Power>1.25 1 1e0</Power>
\t\t</SOPNode>
\t\t<SatNode>
\t\t\t\t<Description>boosting sat</Description>
\t\t\t\t<Saturation>1.700000</Saturation>
\t\t</SatNode>
</ColorCorrection>
"""
SATNODE_STYLE = """<ColorCorrection id="foo" xmlns="urn:ASC:CDL:v1.01">
  <SOPNode>
    <Description>this is a description</Description>
    <Slope>1.1 1.2 1.3</Slope>
    <Offset>2.1 2.2 2.3</Offset>
    <Power>3.1 3.2 3.3</Power>
  </SOPNode>
  <SATNode>
    <Saturation>0.42</Saturation>
  </SATNode>
</ColorCorrection>"""


@pytest.mark.parametrize(("text", "cc_id", "expected"), [
    (OCIO_STYLE, "cc0001", CDLValues((1.0, 1.0, 0.9), (-0.03, -0.02, 0.0), (1.25, 1.0, 1.0), 1.7)),
    (OCIO_STYLE.replace('id="cc0001"', f'id="cc0001" xmlns="{ASC_CDL_NAMESPACE}"'), "cc0001",
     CDLValues((1.0, 1.0, 0.9), (-0.03, -0.02, 0.0), (1.25, 1.0, 1.0), 1.7)),
    (SATNODE_STYLE, "foo", CDLValues((1.1, 1.2, 1.3), (2.1, 2.2, 2.3), (3.1, 3.2, 3.3), 0.42)),
    (SATNODE_STYLE.replace(f' xmlns="{ASC_CDL_NAMESPACE}"', ""), "foo",
     CDLValues((1.1, 1.2, 1.3), (2.1, 2.2, 2.3), (3.1, 3.2, 3.3), 0.42)),
])
def test_reads_hand_written_cc(tmp_path: Path, text: str, cc_id: str,
                               expected: CDLValues) -> None:
    path = tmp_path / "hand.cc"
    path.write_text(text)
    got_id, got = read_cc(path)
    assert got_id == cc_id
    assert got == expected
    t = ocio.CDLTransform.CreateFromFile(str(path), "")  # OCIO agrees on the numbers
    np.testing.assert_allclose(t.getSlope(), got.slope, atol=1e-7)
    np.testing.assert_allclose(t.getOffset(), got.offset, atol=1e-7)
    np.testing.assert_allclose(t.getPower(), got.power, atol=1e-7)
    assert t.getSat() == pytest.approx(got.saturation)


def test_reads_first_correction_of_a_ccc(tmp_path: Path) -> None:
    path = tmp_path / "looks.ccc"
    path.write_text(f"""<ColorCorrectionCollection xmlns="{ASC_CDL_NAMESPACE}">
  <ColorCorrection id="first"><SOPNode><Slope>2 2 2</Slope><Offset>0 0 0</Offset>
  <Power>1 1 1</Power></SOPNode><SatNode><Saturation>0.5</Saturation></SatNode></ColorCorrection>
  <ColorCorrection id="second"><SOPNode><Slope>3 3 3</Slope></SOPNode></ColorCorrection>
</ColorCorrectionCollection>""")
    cc_id, v = read_cc(path)
    assert cc_id == "first"
    assert v == CDLValues((2.0, 2.0, 2.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), 0.5)
