"""Colour transfers on pixel arrays: MKL, Reinhard, quantile and von Kries, synthetic and real."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.color import convert_array
from workbench.errors import ShapeError
from workbench.model.matching.transfer import (
    BRADFORD,
    LAB_OPPONENT,
    AffineTransfer,
    fit_mkl,
    fit_quantile,
    fit_reinhard,
    fit_von_kries,
    mkl_transfer,
    quantile_transfer,
    reinhard_transfer,
)

DATA = shared_path()


def photo_pixels(name: str, space: str, step: int = 3) -> torch.Tensor:
    """A real photo's pixels ``(N, 3)`` in ``space``, every ``step``-th row and column."""
    bgr = cv2.imread(str(DATA / "photo" / name), cv2.IMREAD_COLOR)
    assert bgr is not None, f"missing {name}"
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)[::step, ::step].astype(np.float32) / 255
    out = convert_array(np.ascontiguousarray(rgb), "sRGB", space)
    return torch.from_numpy(np.ascontiguousarray(out)).reshape(-1, 3)


def cov(x: torch.Tensor) -> torch.Tensor:
    return torch.cov(x.double().T)


@pytest.mark.parametrize("real", [False, True])
def test_mkl_maps_mean_and_covariance_exactly(real: bool) -> None:
    if real:
        source = photo_pixels("skimage_astronaut.png", "ACEScct")
        reference = photo_pixels("skimage_coffee.png", "ACEScct")
    else:
        g = torch.Generator().manual_seed(1)
        source = torch.randn(4000, 3, generator=g) @ torch.tensor(
            [[1.0, 0.4, 0.1], [0.0, 0.5, 0.3], [0.0, 0.0, 0.2]])
        reference = torch.randn(3000, 3, generator=g) * torch.tensor([0.3, 1.2, 0.7]) + 2
    out = mkl_transfer(source, reference)
    assert torch.allclose(cov(out), cov(reference), atol=1e-4)
    assert torch.allclose(out.double().mean(0), reference.double().mean(0), atol=1e-4)
    # The MKL matrix is symmetric positive definite (the L2-optimal Gaussian map).
    m = fit_mkl(source, reference).matrix
    assert torch.allclose(m, m.T, atol=1e-8) and bool((torch.linalg.eigvalsh(m) > 0).all())


def test_reinhard_matches_lab_moments_on_real_photos() -> None:
    source = photo_pixels("skimage_astronaut.png", "ACEScct")
    reference = photo_pixels("skimage_coffee.png", "ACEScct")
    out = reinhard_transfer(source, reference).double()
    lab = LAB_OPPONENT
    assert torch.allclose((out @ lab.T).mean(0), (reference.double() @ lab.T).mean(0), atol=1e-4)
    assert torch.allclose((out @ lab.T).std(0), (reference.double() @ lab.T).std(0), atol=1e-4)


def test_quantile_matches_reference_quantiles_and_stays_monotone() -> None:
    source = photo_pixels("skimage_astronaut.png", "ACEScct")
    reference = photo_pixels("skimage_coffee.png", "ACEScct")
    out = quantile_transfer(source, reference)
    q = torch.tensor([0.25, 0.5, 0.75, 0.95])  # below: the astronaut's black backdrop ties
    assert torch.allclose(torch.quantile(out, q, dim=0), torch.quantile(reference, q, dim=0),
                          atol=0.01)
    t = fit_quantile(source, reference)
    ramp = torch.linspace(-0.5, 1.5, 200)[:, None].expand(200, 3).contiguous()
    mapped = t(ramp)
    assert bool((mapped.diff(dim=0) >= -1e-7).all()) and bool(torch.isfinite(mapped).all())


def test_von_kries_recovers_a_bradford_light_change_with_clipping() -> None:
    lin = photo_pixels("jxl_wesaturate_tmshre_riaphotographs_srgb8.png", "ACEScg", 2).double()
    from workbench.model.matching.transfer import _acescg_to_xyz
    cone = BRADFORD @ _acescg_to_xyz()
    gains = torch.tensor([1.6, 1.1, 0.55], dtype=torch.float64)  # warm light, +0.14 stop
    light = torch.linalg.inv(cone) @ torch.diag(gains) @ cone
    shot = (lin @ light.T).clamp(max=1.0)  # the brighter shot clips, as a sensor would
    fitted = fit_von_kries(shot.float(), lin.float()).matrix
    assert torch.allclose(fitted, torch.linalg.inv(light), atol=0.01)


def test_masks_choose_the_pixels_measured() -> None:
    g = torch.Generator().manual_seed(0)
    source = torch.rand(2000, 3, generator=g)
    reference = torch.rand(2000, 3, generator=g)
    reference[:1000] += 5.0  # garbage, masked out
    mask = torch.zeros(2000, dtype=torch.bool)
    mask[1000:] = True
    t = fit_reinhard(source, reference, reference_mask=mask)
    assert torch.allclose(t(source).double().mean(0), reference[1000:].double().mean(0),
                          atol=1e-4)


@pytest.mark.parametrize("fit", [fit_mkl, fit_reinhard, fit_quantile, fit_von_kries])
def test_degenerate_input_gives_finite_maps(fit: object) -> None:
    flat = torch.full((500, 3), 0.18)
    nan = torch.full((500, 3), float("nan"))
    few = torch.rand(3, 3)
    probe = torch.tensor([[0.0, 0.1, 0.2], [1.0, 2.0, 0.5], [-0.1, 0.0, 0.3]])
    for source, reference in [(flat, flat), (flat, torch.rand(500, 3)), (nan, flat),
                              (few, flat)]:
        t = fit(source, reference)  # type: ignore[operator]
        assert bool(torch.isfinite(t(probe)).all())
    assert isinstance(fit_mkl(nan, flat), AffineTransfer)
    assert torch.equal(fit_mkl(nan, flat).matrix, torch.eye(3, dtype=torch.float64))


def test_bad_shapes_raise() -> None:
    with pytest.raises(ShapeError, match=r"source: expected pixels \(N, 3\)"):
        fit_mkl(torch.rand(10, 4), torch.rand(10, 3))
    with pytest.raises(ShapeError, match="mask must be"):
        fit_reinhard(torch.rand(10, 3), torch.rand(10, 3), source_mask=torch.ones(3) > 0)
