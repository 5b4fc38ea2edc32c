"""The closed-form colour encodings and matrices agree with OpenColorIO on the pinned config."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench._colour import import_colour
from workbench.color import XYZ_D65, processor
from workbench.color.encodings import (
    ACES_WHITE_XY,
    ACESCCT_UNITS_PER_STOP,
    ACESCCT_X_BRK,
    ACESCCT_Y_BRK,
    AP1_TO_XYZ,
    acescct_to_lin,
    acescct_to_lin_torch,
    lin_to_acescct,
    lin_to_acescct_torch,
)

# Negatives, the toe, both sides of the break, mid grey, highlights far above 1.
LINEAR = np.array([-0.05, -ACESCCT_X_BRK, 0.0, 1e-4, 0.004, ACESCCT_X_BRK, 0.0079, 0.05, 0.18,
                   0.9, 1.0, 16.0, 222.0, 1000.0, 60000.0])


def _ocio(values: np.ndarray, src: str, dst: str) -> np.ndarray:
    rgb = np.ascontiguousarray(np.repeat(values[:, None], 3, axis=1), dtype=np.float32)
    processor(src, dst).applyRGB(rgb)
    return rgb[:, 0].astype(np.float64)


def test_acescct_encode_matches_ocio():
    expected = _ocio(LINEAR, "ACEScg", "ACEScct")
    np.testing.assert_allclose(lin_to_acescct(LINEAR), expected, rtol=0, atol=2e-6)
    got = lin_to_acescct_torch(torch.tensor(LINEAR, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)


def test_acescct_decode_matches_ocio():
    codes = np.array([-0.1, 0.0, 0.0729, 0.1, ACESCCT_Y_BRK, 0.16, 0.4135884, 0.6, 1.0, 1.3])
    expected = _ocio(codes, "ACEScct", "ACEScg")
    np.testing.assert_allclose(acescct_to_lin(codes), expected, rtol=2e-5, atol=1e-7)
    got = acescct_to_lin_torch(torch.tensor(codes, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-7)


def test_acescct_round_trip_and_one_stop():
    np.testing.assert_allclose(acescct_to_lin(lin_to_acescct(LINEAR)), LINEAR, rtol=1e-12,
                               atol=1e-15)
    step = lin_to_acescct(0.36) - lin_to_acescct(0.18)
    assert step == pytest.approx(ACESCCT_UNITS_PER_STOP, abs=1e-12)


def test_acescct_torch_is_differentiable_everywhere():
    x = torch.tensor(LINEAR, dtype=torch.float64, requires_grad=True)
    lin_to_acescct_torch(x).sum().backward()
    assert x.grad is not None and bool(torch.isfinite(x.grad).all())
    y = torch.tensor([-0.1, 0.1, 0.5, 1.2], dtype=torch.float64, requires_grad=True)
    acescct_to_lin_torch(y).sum().backward()
    assert y.grad is not None and bool(torch.isfinite(y.grad).all())


def test_ap1_to_xyz_is_ocio_acescg_to_xyz_d65_without_its_bradford_adaptation():
    # OCIO's CIE XYZ-D65 adapts the ACES white to D65 (Bradford); AP1_TO_XYZ keeps the ACES white.
    colour = import_colour()
    ocio_matrix = np.stack([_ocio_rgb(np.eye(3)[i]) for i in range(3)], axis=1)
    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
        colour.xy_to_XYZ(ACES_WHITE_XY), colour.xy_to_XYZ((0.3127, 0.3290)), transform="Bradford")
    np.testing.assert_allclose(cat @ np.array(AP1_TO_XYZ), ocio_matrix, rtol=0, atol=1e-7)
    np.testing.assert_allclose(np.array(AP1_TO_XYZ) @ np.ones(3),
                               colour.xy_to_XYZ(ACES_WHITE_XY), atol=1e-9)


def _ocio_rgb(rgb: np.ndarray) -> np.ndarray:
    out = np.ascontiguousarray(rgb[None, :], dtype=np.float32)
    processor("ACEScg", XYZ_D65).applyRGB(out)
    return out[0].astype(np.float64)
