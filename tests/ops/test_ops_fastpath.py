"""The compiled CPU fast path of apply_cdl / apply_lut1d / apply_lut3d / apply_cube equals eager.

The fast path (``torch.compile``, float32 CPU inference only) must give the eager reference's
numbers, NaN and ±inf included; ``WORKBENCH_NO_COMPILE=1`` must force eager; autograd inputs
must stay on the eager path; a compiler failure must warn once and fall back.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
import torch

import workbench.ops._compiled as compiled_module
from workbench.interchange.cube import CubeLUT
from workbench.ops import cdl as cdl_module
from workbench.ops._compiled import NO_COMPILE_ENV, run_compiled
from workbench.ops.cdl import apply_cdl
from workbench.ops.lut_interpolation import apply_cube, apply_lut1d, apply_lut3d

TOL = 1e-6


@pytest.fixture(autouse=True)
def compile_small_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """These images are tiny: compile them anyway, or the fast path would go untested."""
    monkeypatch.setattr(compiled_module, "COMPILE_AFTER_PIXELS", 0)


def image(seed: int = 0, b: int = 1, h: int = 23, w: int = 41) -> torch.Tensor:
    """Random float32 image in [-0.5, 2.5] with NaN, ±inf, huge, tiny, -0 and exact 0/1."""
    g = torch.Generator().manual_seed(seed)
    img = torch.rand(b, 3, h, w, generator=g) * 3.0 - 0.5
    specials = torch.tensor([float("nan"), float("inf"), -float("inf"), 1e30, -1e30, 1e-30,
                             -0.0, 0.0, 1.0, 0.5])
    for c in range(3):
        img[0, c, c, : specials.numel()] = specials.roll(c)
    return img


def table(size: int = 9, seed: int = 1) -> torch.Tensor:
    """A non-separable (S,S,S,3) table: a rotated, curved identity plus noise."""
    g = np.linspace(0.0, 1.0, size)
    r, gg, b = np.meshgrid(g, g, g, indexing="ij")
    rgb = np.stack([r, gg, b], axis=-1)
    luma = rgb @ np.array([0.3, 0.6, 0.1])
    out = rgb ** 1.2 + 0.1 * (luma[..., None] - rgb)
    out += np.random.default_rng(seed).normal(0.0, 0.02, out.shape)
    return torch.from_numpy(out).float()


def eager_and_fast(fn: Callable[[], torch.Tensor], monkeypatch: pytest.MonkeyPatch
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    monkeypatch.setenv(NO_COMPILE_ENV, "1")
    eager = fn()
    monkeypatch.delenv(NO_COMPILE_ENV)
    with torch.no_grad():
        fast = fn()
    return eager, fast


def assert_same(eager: torch.Tensor, fast: torch.Tensor) -> None:
    assert fast.shape == eager.shape and fast.dtype == eager.dtype
    assert torch.equal(torch.isnan(fast), torch.isnan(eager)), "NaN placement differs"
    assert torch.equal(torch.isposinf(fast), torch.isposinf(eager)), "+inf placement differs"
    assert torch.equal(torch.isneginf(fast), torch.isneginf(eager)), "-inf placement differs"
    finite = torch.isfinite(eager)
    np.testing.assert_allclose(fast[finite].numpy(), eager[finite].numpy(), rtol=TOL, atol=TOL)


def fast_kernels_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the names of compiled kernels run from now on."""
    calls: list[str] = []
    real = cdl_module.run_compiled

    def spy(name: str, *args: object) -> torch.Tensor | None:
        calls.append(name)
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cdl_module, "run_compiled", spy)
    import workbench.ops.lut_compiled as lut_module
    monkeypatch.setattr(lut_module, "run_compiled", spy)
    return calls


# -- CDL ----------------------------------------------------------------------------------------

CDL_CASES = [
    # slope, offset, power, saturation, clamp
    ((1.1, 1.0, 0.92), (0.01, -0.005, 0.02), (1.05, 1.0, 0.95), 1.15, False),
    ((1.2, 0.9, 1.1), (-0.05, 0.02, 0.01), (0.8, 1.3, 1.1), 1.0, False),
    ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), 0.4, False),
    (2.5, -0.2, 2.2, 1.0, True),
    ((0.7, 1.4, 1.05), (0.1, -0.08, 0.0), (1.6, 0.6, 1.0), 1.3, True),
]


@pytest.mark.parametrize(("slope", "offset", "power", "sat", "clamp"), CDL_CASES)
def test_cdl_fast_equals_eager(slope, offset, power, sat, clamp,  # type: ignore[no-untyped-def]
                               monkeypatch: pytest.MonkeyPatch) -> None:
    img = image()
    eager, fast = eager_and_fast(lambda: apply_cdl(img, slope, offset, power, sat, clamp),
                                 monkeypatch)
    assert_same(eager, fast)


def test_cdl_fast_batched_tensor_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    img = image(seed=3, b=2)
    slope = torch.tensor([[1.1, 1.0, 0.9], [0.8, 1.2, 1.0]])
    power = torch.tensor([1.05, 0.9])
    sat = torch.tensor([1.2, 0.8])
    eager, fast = eager_and_fast(lambda: apply_cdl(img, slope, 0.01, power, sat), monkeypatch)
    assert_same(eager, fast)


def test_cdl_fast_path_is_taken_and_env_forces_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    img = image(seed=4)
    calls = fast_kernels_used(monkeypatch)
    with torch.no_grad():
        apply_cdl(img, 1.1, 0.0, 1.2, 1.1)
    assert calls == ["apply_cdl"]
    calls.clear()
    monkeypatch.setenv(NO_COMPILE_ENV, "1")
    with torch.no_grad():
        apply_cdl(img, 1.1, 0.0, 1.2, 1.1)
        apply_lut3d(img, table())
    assert calls == []


def test_cdl_autograd_stays_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fast_kernels_used(monkeypatch)
    img = image(seed=5).nan_to_num(0.0, 0.0, 0.0).clamp(0.05, 1.0).double().requires_grad_()
    slope = torch.tensor([1.1, 0.9, 1.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, s: apply_cdl(x, s, 0.01, 1.2, 1.1),
                                    (img[..., :3, :3], slope))
    img32 = image(seed=5).clamp(0.05, 1.0).requires_grad_()
    apply_cdl(img32, 1.1, 0.0, 1.2, 1.1).sum().backward()
    assert img32.grad is not None and calls == []


# -- LUTs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("domain", [None, (-0.25, 1.5), [[-0.1, 0.0, 0.1], [1.0, 2.0, 1.2]]])
def test_lut3d_fast_equals_eager(domain, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
                                 ) -> None:
    img, lut = image(seed=6), table(9)
    eager, fast = eager_and_fast(lambda: apply_lut3d(img, lut, domain), monkeypatch)
    assert_same(eager, fast)
    assert torch.isfinite(fast).all()  # a LUT cannot produce NaN/inf: OCIO's clamping rules


def test_lut3d_fast_ties_and_lattice_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """Equal fractions (tetrahedron ties) and exact lattice nodes pick the same vertices."""
    g = torch.linspace(0.0, 1.0, 9)
    vals = torch.cat([g, g[:-1] + 0.0625, g[:-1] + 0.03125])
    r, gg, b = torch.meshgrid(vals, vals, vals, indexing="ij")
    img = torch.stack([r, gg, b]).reshape(1, 3, -1, 1).contiguous()
    eager, fast = eager_and_fast(lambda: apply_lut3d(img, table(9, seed=2)), monkeypatch)
    assert_same(eager, fast)


def test_lut3d_fast_33_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    img, lut = image(seed=7, b=2, h=16, w=16), table(33)
    eager, fast = eager_and_fast(lambda: apply_lut3d(img, lut), monkeypatch)
    assert_same(eager, fast)


def test_lut1d_fast_equals_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    x = torch.linspace(0.0, 1.0, 257, dtype=torch.float64)
    curve = torch.stack([x ** 0.45, 0.1 + 0.8 * x ** 1.3, torch.sin(x * 1.4)], dim=1)
    img = image(seed=8)
    eager, fast = eager_and_fast(lambda: apply_lut1d(img, curve, (-0.1, 2.0)), monkeypatch)
    assert_same(eager, fast)


def test_cube_shaper_fast_equals_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    xs = np.linspace(-0.0078125, 222.0, 1024)
    ys = np.log2(np.maximum(xs, 2 ** -8) + 1.0)
    ys = (ys - ys[0]) / (ys[-1] - ys[0])
    lut = CubeLUT(shaper=np.repeat(ys[:, None], 3, axis=1),
                  shaper_domain=np.array([[xs[0]] * 3, [xs[-1]] * 3]),
                  table=table(17).double().numpy())
    img = image(seed=9) * 4
    calls = fast_kernels_used(monkeypatch)
    eager, fast = eager_and_fast(lambda: apply_cube(img, lut), monkeypatch)
    assert calls == ["lut"]  # one fused kernel: shaper and lattice
    assert_same(eager, fast)


# -- fallback -----------------------------------------------------------------------------------

def test_compile_failure_warns_once_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("no compiler here")

    monkeypatch.setattr(torch, "compile", broken)
    monkeypatch.setattr(compiled_module, "_FAILED", set())
    monkeypatch.setattr(compiled_module, "_KERNELS", {})

    def double(x: torch.Tensor) -> torch.Tensor:
        return x * 2

    x = torch.ones(3)
    with pytest.warns(RuntimeWarning, match="no compiler here"):
        assert run_compiled("test_broken", 0, double, x) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_compiled("test_broken", 1, double, x) is None
        # and the public function still answers, eagerly
        monkeypatch.setattr(compiled_module, "_FAILED", {"apply_cdl"})
        out = apply_cdl(torch.full((1, 3, 2, 2), 0.5), 2.0, -0.5)
    assert torch.equal(out, torch.full((1, 3, 2, 2), 0.5))
