import numpy as np
import pytest
import torch

from workbench.color import (
    convert,
    delta_e_2000,
    lab_delta_e_2000,
    mean_delta_e_2000,
    xyz_to_lab,
)
from workbench.errors import ShapeError

# Sharma, Wu & Dalal (2005), Table 1: all 34 pairs.
SHARMA = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_sharma_table():
    lab1 = torch.tensor([row[0] for row in SHARMA], dtype=torch.float64)
    lab2 = torch.tensor([row[1] for row in SHARMA], dtype=torch.float64)
    expected = torch.tensor([row[2] for row in SHARMA], dtype=torch.float64)
    got = lab_delta_e_2000(lab1, lab2)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)
    # symmetric
    torch.testing.assert_close(lab_delta_e_2000(lab2, lab1), expected, atol=1e-4, rtol=0)


def test_matches_colour_science_random_pairs():
    colour = pytest.importorskip("colour")
    rng = np.random.default_rng(5)
    lab1 = np.stack(
        [rng.uniform(0, 100, 2000), rng.uniform(-100, 100, 2000), rng.uniform(-100, 100, 2000)], -1
    )
    lab2 = lab1 + rng.normal(0, 8, lab1.shape)
    ref = colour.difference.delta_E_CIE2000(lab1, lab2)
    got = lab_delta_e_2000(torch.from_numpy(lab1), torch.from_numpy(lab2)).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0)


def test_dim_and_dtype():
    lab1 = torch.tensor(SHARMA[0][0]).reshape(1, 3, 1, 1).repeat(2, 1, 3, 4)
    lab2 = torch.tensor(SHARMA[0][1]).reshape(1, 3, 1, 1).repeat(2, 1, 3, 4)
    d = lab_delta_e_2000(lab1, lab2, dim=1)
    assert d.shape == (2, 3, 4) and d.dtype == torch.float32
    torch.testing.assert_close(d, torch.full((2, 3, 4), 2.0425), atol=1e-4, rtol=0)
    with pytest.raises(ShapeError):
        lab_delta_e_2000(torch.zeros(4, 2), torch.zeros(4, 2))


def test_xyz_to_lab_matches_colour_science():
    colour = pytest.importorskip("colour")
    rng = np.random.default_rng(6)
    xyz = rng.uniform(0, 1.2, (500, 3))
    xyz[:10] *= 0.001  # linear branch near black
    white_xy = np.array([0.3127, 0.3290])
    ref = colour.XYZ_to_Lab(xyz, white_xy)
    np.testing.assert_allclose(xyz_to_lab(torch.from_numpy(xyz)).numpy(), ref, atol=1e-6)


def test_white_and_grey_scale():
    white = torch.ones(1, 3, 1, 1)
    xyz = convert(white, "Linear Rec.709", "CIE XYZ-D65")
    lab = xyz_to_lab(xyz.double(), dim=1).flatten()
    torch.testing.assert_close(
        lab, torch.tensor([100.0, 0.0, 0.0], dtype=torch.float64), atol=2e-3, rtol=0
    )
    # ACEScg neutral maps to D65 neutral (Bradford-adapted in the config)
    lab_ap1 = xyz_to_lab(
        convert(torch.full((1, 3, 1, 1), 0.18), "ACEScg", "CIE XYZ-D65").double(), dim=1
    ).flatten()
    assert abs(float(lab_ap1[1])) < 1e-3 and abs(float(lab_ap1[2])) < 1e-3
    assert abs(float(lab_ap1[0]) - 49.496) < 1e-2  # L* of Y = 0.18


def test_delta_e_images():
    rng = np.random.default_rng(7)
    a = torch.from_numpy(rng.uniform(0, 1, (2, 3, 8, 9)).astype(np.float32))
    d0 = delta_e_2000(a, a)
    assert d0.shape == (2, 8, 9) and d0.dtype == torch.float32
    assert float(d0.abs().max()) == 0.0
    b = a * 1.05
    d = delta_e_2000(a, b)
    assert float(d.min()) > 0
    assert mean_delta_e_2000(a, b) == pytest.approx(float(d.double().mean()), rel=1e-6)
    # same result when both are given in another space
    d_709 = delta_e_2000(convert(a, "ACEScg", "sRGB"), convert(b, "ACEScg", "sRGB"), space="sRGB")
    torch.testing.assert_close(d_709, d, atol=2e-3, rtol=1e-3)
    with pytest.raises(ShapeError):
        delta_e_2000(a, a[:, :, :4])
    with pytest.raises(ShapeError):
        delta_e_2000(a[:, :2], a[:, :2])


def test_delta_e_handles_extremes():
    vals = torch.tensor([-1.0, 0.0, 1.0, 50.0]).reshape(1, 1, 1, 4).repeat(1, 3, 1, 1)
    d = delta_e_2000(vals, vals * 0.9)
    assert torch.isfinite(d).all()
