"""CDL against OpenColorIO, CDL strength, and Pipeline serialisation and application."""

from __future__ import annotations

import json
import re

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from workbench.color import convert
from workbench.errors import ParameterError
from workbench.ops import (
    CDL,
    OPERATORS,
    CDLValues,
    Exposure,
    Pipeline,
    Saturation,
    UnknownOperator,
    WhiteBalance,
    apply_cdl,
    cdl_values_at_strength,
    operator_from_dict,
)

GRADES = [
    CDLValues((1.2, 0.9, 1.1), (-0.05, 0.02, 0.01), (0.8, 1.3, 1.1), 1.3),
    CDLValues((0.7, 1.4, 1.05), (0.1, -0.08, 0.0), (1.6, 0.6, 1.0), 0.4),
    CDLValues((2.5, 2.5, 2.5), (-0.2, -0.2, -0.2), (2.2, 2.2, 2.2), 1.0),
    CDLValues((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.45, 0.45, 0.45), 2.0),
]
HANDPICKED = [[-0.1, -0.1, -0.1], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.18, 0.18, 0.18],
              [-0.05, 0.5, 2.0], [4.0, 0.0, -0.1], [0.001, 3.9, 0.7], [1.5, 1.5, 1.5]]


def ocio_cdl(values: CDLValues, style: ocio.CDLStyle, rgb: np.ndarray) -> np.ndarray:
    t = ocio.CDLTransform()
    t.setSlope(list(values.slope))
    t.setOffset(list(values.offset))
    t.setPower(list(values.power))
    t.setSat(values.saturation)
    t.setStyle(style)
    proc = ocio.Config.CreateRaw().getProcessor(t).getOptimizedCPUProcessor(
        ocio.OPTIMIZATION_LOSSLESS)
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    assert proc.applyRGB(out) is None  # in place
    return out


def torch_cdl(values: CDLValues, rgb: np.ndarray, clamp: bool) -> np.ndarray:
    img = torch.from_numpy(np.ascontiguousarray(rgb.T, dtype=np.float32)).reshape(1, 3, -1, 1)
    out = apply_cdl(img, values.slope, values.offset, values.power, values.saturation, clamp)
    return out.reshape(3, -1).T.numpy()


def samples(lo: float, hi: float, n: int = 3000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hand = np.clip(np.array(HANDPICKED, dtype=np.float32), lo, hi)
    return np.concatenate([rng.uniform(lo, hi, (n, 3)).astype(np.float32), hand])


# -- OpenColorIO agreement -------------------------------------------------------------------

@pytest.mark.parametrize("values", GRADES)
def test_apply_cdl_matches_ocio_no_clamp(values: CDLValues) -> None:
    rgb = samples(-0.1, 4.0)
    expected = ocio_cdl(values, ocio.CDLStyle.CDL_NO_CLAMP, rgb)
    got = torch_cdl(values, rgb, clamp=False)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-6)
    # The range really is exercised: negatives and over-range values come out.
    assert (expected < 0).any() and (expected > 1).any()


@pytest.mark.parametrize("values", GRADES)
def test_apply_cdl_matches_ocio_asc_clamp(values: CDLValues) -> None:
    rgb = samples(-0.1, 1.5, seed=1)
    expected = ocio_cdl(values, ocio.CDLStyle.CDL_ASC, rgb)
    got = torch_cdl(values, rgb, clamp=True)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    assert got.min() >= 0 and got.max() <= 1


def test_no_clamp_negative_passes_power_unchanged() -> None:
    """OCIO CDL_NO_CLAMP: a negative SOP result skips the power (no NaN, no clamp)."""
    values = CDLValues((1.0, 1.0, 1.0), (-0.3, -0.3, -0.3), (2.0, 2.0, 2.0), 1.0)
    rgb = np.array([[0.1, 0.1, 0.1]], np.float32)
    np.testing.assert_allclose(torch_cdl(values, rgb, False), [[-0.2, -0.2, -0.2]], atol=1e-7)
    np.testing.assert_allclose(ocio_cdl(values, ocio.CDLStyle.CDL_NO_CLAMP, rgb),
                               [[-0.2, -0.2, -0.2]], atol=1e-7)


def test_cdl_docstring_example() -> None:
    img = torch.full((1, 3, 2, 2), 0.5)
    assert apply_cdl(img, slope=2.0, offset=-0.5)[0, :, 0, 0].tolist() == [0.5, 0.5, 0.5]


# -- strength --------------------------------------------------------------------------------

def test_cdl_values_at_strength_ends() -> None:
    v = GRADES[0]
    assert cdl_values_at_strength(v, 1.0) == v
    ident = cdl_values_at_strength(v, 0.0)
    assert ident == CDLValues() and ident.is_identity()
    assert not v.is_identity()


def test_cdl_values_at_strength_half() -> None:
    half = cdl_values_at_strength(GRADES[0], 0.5)
    assert half.slope == pytest.approx((1.1, 0.95, 1.05))
    assert half.offset == pytest.approx((-0.025, 0.01, 0.005))
    assert half.power == pytest.approx((0.9, 1.15, 1.05))
    assert half.saturation == pytest.approx(1.15)


@pytest.mark.parametrize("strength", [0.0, 0.3, 0.5, 0.85, 1.0])
def test_effective_values_reproduce_forward(strength: float) -> None:
    """The .cc exported at a strength is exactly the grade the workbench rendered."""
    op = CDL.from_values(GRADES[1], strength=strength)
    g = torch.Generator().manual_seed(3)
    img = torch.rand((2, 3, 4, 5), generator=g) * 1.2 - 0.1
    v = op.effective_values()
    torch.testing.assert_close(apply_cdl(img, v.slope, v.offset, v.power, v.saturation),
                               op.forward(img), atol=1e-6, rtol=1e-6)


def test_cdl_from_values_round_trip() -> None:
    for v in GRADES:
        assert CDL.from_values(v).values() == v


# -- Pipeline --------------------------------------------------------------------------------

def grade() -> Pipeline:
    return Pipeline([
        WhiteBalance(source_kelvin=3400.0, target_kelvin=6000.0, tint=-2.5),
        Exposure(stops=0.75, strength=0.8),
        CDL.from_values(GRADES[0], strength=0.6),
        Saturation(saturation=1.2),
    ])


def test_pipeline_json_round_trip() -> None:
    p = grade()
    text = p.to_json()
    back = Pipeline.from_json(text)
    assert back == p
    assert back.to_json() == text
    assert [type(op) for op in back] == [WhiteBalance, Exposure, CDL, Saturation]
    assert back.operators[2].strength == 0.6
    assert back.operators[2].values() == GRADES[0]
    assert json.loads(text)["schema"] == "Pipeline.1"


def test_pipeline_cache_key_stable() -> None:
    k = grade().cache_key()
    assert re.fullmatch(r"[0-9a-f]{64}", k)
    assert grade().cache_key() == k
    assert Pipeline.from_json(grade().to_json()).cache_key() == k
    assert hash(grade()) == hash(Pipeline.from_json(grade().to_json()))


def test_pipeline_cache_key_changes() -> None:
    base = grade().cache_key()
    changed = grade()
    changed.operators[1] = Exposure(stops=0.8, strength=0.8)
    assert changed.cache_key() != base
    weaker = grade()
    weaker.operators[2] = CDL.from_values(GRADES[0], strength=0.5)
    assert weaker.cache_key() != base
    reordered = Pipeline(list(reversed(grade().operators)))
    assert reordered.cache_key() != base
    assert Pipeline().cache_key() != base
    assert changed != grade()


def test_unknown_operator_survives_round_trip() -> None:
    relight = {"schema": "Relight.3", "space": "ACEScg", "strength": 0.5,
               "params": {"key": 1.25, "fill": [0.1, 0.2]}, "model": {"weights": "x.pt"}}
    data = {"schema": "Pipeline.1",
            "operators": [Exposure(stops=1.0).to_dict(), relight]}
    p = Pipeline.from_dict(json.loads(json.dumps(data)))
    assert isinstance(p.operators[1], UnknownOperator)
    assert p.to_dict() == data
    assert Pipeline.from_json(p.to_json()).to_dict() == data
    with pytest.raises(ParameterError, match=r"Relight\.3") as info:
        p.validate()
    for known in ("CDL", "Exposure", "Saturation", "WhiteBalance"):
        assert known in str(info.value)
    with pytest.raises(ParameterError, match=r"Relight\.3"):
        p.apply(torch.zeros(1, 3, 2, 2))


def test_newer_schema_version_is_kept_unknown() -> None:
    newer = {**CDL().to_dict(), "schema": "CDL.2"}
    assert isinstance(operator_from_dict(newer), UnknownOperator)
    assert operator_from_dict(newer).to_dict() == newer
    assert isinstance(operator_from_dict(CDL().to_dict()), CDL)


def test_pipeline_wrong_schema_raises() -> None:
    with pytest.raises(ParameterError, match=r"Pipeline\.1"):
        Pipeline.from_dict({"schema": "Pipeline.9", "operators": []})


def test_operator_to_dict_form() -> None:
    d = CDL.from_values(GRADES[0], strength=0.6).to_dict()
    assert d["schema"] == "CDL.1" and d["space"] == "ACEScct" and d["strength"] == 0.6
    assert d["params"]["slope_r"] == 1.2 and "strength" not in d["params"]
    assert set(OPERATORS) >= {"CDL", "Exposure", "Saturation", "WhiteBalance"}


def test_pipeline_apply_cdl_in_acescct() -> None:
    g = torch.Generator().manual_seed(5)
    img = torch.rand((2, 3, 6, 5), generator=g) * 2.0 - 0.01   # ACEScg, some over-range
    op = CDL.from_values(GRADES[0])
    got = Pipeline([op]).apply(img, "ACEScg")
    v = op.values()
    cct = convert(img, "ACEScg", "ACEScct")
    expected = convert(apply_cdl(cct, v.slope, v.offset, v.power, v.saturation),
                       "ACEScct", "ACEScg")
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(op.apply(img, "ACEScg"), expected, atol=1e-6, rtol=1e-5)
    # The grade is not applied in linear light: that would differ.
    linear = apply_cdl(img, v.slope, v.offset, v.power, v.saturation)
    assert not torch.allclose(got, linear, atol=1e-3)


def test_pipeline_apply_chains_in_order() -> None:
    g = torch.Generator().manual_seed(6)
    img = torch.rand((1, 3, 4, 4), generator=g)
    p = Pipeline([Exposure(stops=1.0), Saturation(saturation=0.5)])
    expected = Saturation(saturation=0.5).forward(Exposure(stops=1.0).forward(img))
    torch.testing.assert_close(p.apply(img), expected)
    empty = Pipeline().apply(img)
    assert torch.equal(empty, img) and empty is not img
