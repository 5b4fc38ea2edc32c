"""Values the ASC CDL forbids are refused by every reader and writer, exactly as OCIO refuses them.

OpenColorIO's ``CDLTransform.validate()`` wants slope >= 0, power > 0 and saturation >= 0 (and so
refuses a NaN slope, power or saturation); the workbench asks the same, plus finite numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import PyOpenColorIO as ocio
import pytest

from workbench.cli import main
from workbench.errors import ParameterError, TitleError
from workbench.interchange import read_cc, read_cdl_file, write_cc, write_ccc
from workbench.interchange.ale import read_ale_clips
from workbench.interchange.edl import asc_comment_lines
from workbench.io import write_exr
from workbench.ops import CDL, CDLValues, Pipeline
from workbench.ops.cdl import check_cdl_values

# (what, value): one number changed from the identity at a time.
CASES = [
    ("slope", -0.1), ("slope", -1e-9), ("slope", 0.0), ("slope", -0.0), ("slope", 1e6),
    ("power", -1.0), ("power", 0.0), ("power", -0.0), ("power", 1e-9), ("power", 20.0),
    ("saturation", -0.1), ("saturation", 0.0), ("saturation", 10.0),
    ("offset", -5.0), ("offset", 5.0),
]
NON_FINITE = [("slope", math.nan), ("power", math.nan), ("saturation", math.nan),
              ("slope", math.inf), ("offset", math.nan), ("saturation", math.inf)]


def values_with(what: str, value: float, channel: int = 0) -> CDLValues:
    if what == "saturation":
        return CDLValues(saturation=value)
    triple = [1.0, 1.0, 1.0] if what != "offset" else [0.0, 0.0, 0.0]
    triple[channel] = value
    return CDLValues(**{what: tuple(triple)})  # type: ignore[arg-type]


def ocio_refuses(values: CDLValues) -> bool:
    t = ocio.CDLTransform()  # the setters do not validate; validate() does
    t.setSlope(list(values.slope))
    t.setOffset(list(values.offset))
    t.setPower(list(values.power))
    t.setSat(values.saturation)
    try:
        t.validate()
    except ocio.Exception:
        return True
    return False


def cc_text(values: CDLValues, cc_id: str = "sh010") -> str:
    def triple(t: tuple[float, float, float]) -> str:
        return " ".join(repr(float(v)) for v in t)

    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ColorCorrection id="{cc_id}" xmlns="urn:ASC:CDL:v1.01"><SOPNode>'
            f"<Slope>{triple(values.slope)}</Slope><Offset>{triple(values.offset)}</Offset>"
            f"<Power>{triple(values.power)}</Power></SOPNode>"
            f"<SatNode><Saturation>{float(values.saturation)!r}</Saturation></SatNode>"
            f"</ColorCorrection>\n")


def refuses(fn, *args) -> str | None:
    try:
        fn(*args)
    except ParameterError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("what, value", CASES)
def test_cc_reader_refuses_exactly_what_ocio_refuses(tmp_path: Path, what: str,
                                                     value: float) -> None:
    values = values_with(what, value, channel=1)
    path = tmp_path / "grade.cc"
    path.write_text(cc_text(values))
    expected = ocio_refuses(values)
    # OCIO's own file reader agrees with its validate() on the same file.
    try:
        ocio.CDLTransform.CreateFromFile(str(path), "sh010")
        ocio_file_refuses = False
    except ocio.Exception:
        ocio_file_refuses = True
    assert ocio_file_refuses == expected
    for reader in (read_cdl_file, read_cc):
        message = refuses(reader, path)
        assert (message is not None) == expected, (reader.__name__, message)
        if message is not None:
            assert "\n" not in message
            assert message.startswith("grade.cc correction 'sh010': invalid ASC CDL " + what)
            assert f"{value:g}" in message
            assert ("(green)" in message) == (what != "saturation")
    assert (refuses(check_cdl_values, values, "x") is not None) == expected


@pytest.mark.parametrize("what, value", NON_FINITE)
def test_non_finite_values_are_refused(tmp_path: Path, what: str, value: float) -> None:
    values = values_with(what, value)
    path = tmp_path / "nan.cc"
    path.write_text(cc_text(values))
    for reader in (read_cdl_file, read_cc):
        message = refuses(reader, path)
        assert message is not None and "nan.cc" in message and "'sh010'" in message


def test_ccc_and_cdl_name_the_correction(tmp_path: Path) -> None:
    good = cc_text(CDLValues(slope=(1.1, 1.0, 0.9)), "sh010").split("\n", 1)[1]
    bad = cc_text(CDLValues(power=(1.0, 1.0, -0.5)), "sh020").split("\n", 1)[1]
    ccc = tmp_path / "day3.ccc"
    ccc.write_text(f'<ColorCorrectionCollection xmlns="urn:ASC:CDL:v1.01">{good}{bad}'
                   "</ColorCorrectionCollection>\n")
    assert refuses(read_cdl_file, ccc) == (
        "day3.ccc correction 'sh020': invalid ASC CDL power -0.5 (blue), must be > 0")
    cdl = tmp_path / "day3.cdl"
    cdl.write_text(f'<ColorDecisionList xmlns="urn:ASC:CDL:v1.01"><ColorDecision>{good}'
                   f"</ColorDecision><ColorDecision>{bad}</ColorDecision></ColorDecisionList>\n")
    assert "day3.cdl correction 'sh020': invalid ASC CDL power -0.5" in str(refuses(
        read_cdl_file, cdl))
    with pytest.raises(ocio.Exception, match="power"):
        ocio.CDLTransform.CreateGroupFromFile(str(ccc))


def test_writers_refuse_and_write_nothing(tmp_path: Path) -> None:
    bad = CDLValues(saturation=-0.2)
    with pytest.raises(ParameterError, match=r"out.cc correction 'a': invalid ASC CDL "
                                             r"saturation -0.2, must be >= 0"):
        write_cc(tmp_path / "out.cc", bad, "a")
    with pytest.raises(ParameterError, match=r"out\.ccc correction 'b'"):
        write_ccc(tmp_path / "out.ccc", [("a", CDLValues()), ("b", bad)])
    with pytest.raises(ParameterError, match=r"event 3: invalid ASC CDL slope -0.1 \(red\)"):
        asc_comment_lines({"asc_sop": {"slope": [-0.1, 1, 1]}}, "event 3")
    assert list(tmp_path.iterdir()) == []


ALE = """Heading
FIELD_DELIM\tTABS
VIDEO_FORMAT\t1080
FPS\t24

Column
Name\tTracks\tStart\tEnd\tTape\tSource File\tASC_SOP\tASC_SAT

Data
A001C003\tV\t14:03:10:00\t14:03:20:12\tA001\tA001C003.mov\tSOP_A\t1.0
A001C004\tV\t14:05:00:00\t14:05:02:00\tA001\tA001C004.mov\tSOP_B\t1.0
""".replace("SOP_A", "(1.0 1.0 1.0)(0.0 0.0 0.0)(1.0 1.0 1.0)").replace(
    "SOP_B", "(1.0 1.0 1.0)(0.0 0.0 0.0)(1.0 POWER 1.0)")


@pytest.mark.parametrize("power, refused", [("0.0", True), ("-1.0", True), ("0.5", False)])
def test_ale_on_set_grade_is_checked(tmp_path: Path, power: str, refused: bool) -> None:
    path = tmp_path / "day1.ale"
    path.write_text(ALE.replace("POWER", power))
    if refused:
        with pytest.raises(ParameterError, match=rf"day1.ale clip 'A001C004': invalid ASC CDL "
                                                 rf"power {float(power):g} \(green\)"):
            read_ale_clips(path)
        # Ingest of the ALE refuses it too, with the same message.
        from workbench.title.ingest import read_ale

        with pytest.raises(TitleError, match=r"day1\.ale clip 'A001C004'"):
            read_ale(path)
    else:
        clips = read_ale_clips(path)
        assert clips[1].cdl is not None and clips[1].cdl.power == (1.0, 0.5, 1.0)


def test_pipeline_json_with_forbidden_cdl_is_refused_by_apply(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    src = write_exr(tmp_path / "plate.exr", np.full((4, 6, 3), 0.18, np.float32))
    data = Pipeline([CDL(slope_r=1.1)]).to_dict()
    data["operators"][0]["params"]["power_g"] = 0.0
    grade = tmp_path / "look.json"
    import json

    grade.write_text(json.dumps(data))
    code = main(["-q", "apply", "--grade", str(grade), "--in", str(src),
                 "--out", str(tmp_path / "out.exr")])
    err = capsys.readouterr().err
    assert code == 2
    assert "look.json: operator 1 (CDL.1): CDL.power_g must be >= 0.01, got 0" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.exr").exists()


def test_apply_refuses_a_cc_with_negative_power(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    src = write_exr(tmp_path / "plate.exr", np.full((4, 6, 3), 0.18, np.float32))
    grade = tmp_path / "grade.cc"
    grade.write_text(cc_text(CDLValues(power=(-1.0, 1.0, 1.0))))
    code = main(["-q", "apply", "--grade", str(grade), "--in", str(src),
                 "--out", str(tmp_path / "out.exr")])
    err = capsys.readouterr().err
    assert code == 2
    assert "grade.cc correction 'sh010': invalid ASC CDL power -1 (red), must be > 0" in err
    assert not (tmp_path / "out.exr").exists()
