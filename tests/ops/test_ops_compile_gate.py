"""Kernels compile only when the work pays for it: small work stays eager, large work compiles.

``torch.compile`` costs seconds per kernel in every new process; a one-off still is graded
eagerly in a fraction of that. The rule is :data:`workbench.ops._compiled.COMPILE_AFTER_PIXELS`
of work seen, or announced by :func:`~workbench.ops._compiled.planned_work`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import workbench.ops._compiled as compiled_module
from workbench.ops._compiled import planned_work, run_compiled
from workbench.ops.cdl import apply_cdl


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions handed to torch.compile from now on, in a clean kernel cache."""
    seen: list[str] = []
    real = torch.compile

    def spy(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(fn.__name__)
        return real(fn, *args, **kwargs)

    monkeypatch.setattr(torch, "compile", spy)
    for name in ("_KERNELS", "_SEEN"):
        monkeypatch.setattr(compiled_module, name, {})
    monkeypatch.setattr(compiled_module, "_WARMED", set())
    monkeypatch.setattr(compiled_module, "_FAILED", set())
    monkeypatch.setattr(compiled_module, "COMPILE_AFTER_PIXELS", 1000)
    return seen


def _double(x: torch.Tensor) -> torch.Tensor:
    return x * 2


def test_small_work_stays_eager_until_it_adds_up(compiles: list[str]) -> None:
    x = torch.ones(1, 3, 400)  # 400 pixels: under the 1000 of this test
    assert run_compiled("gate", 0, _double, x) is None
    assert run_compiled("gate", 0, _double, x) is None
    assert compiles == []
    out = run_compiled("gate", 0, _double, x)  # 1200 pixels seen: now it pays
    assert out is not None and torch.equal(out, x * 2)
    assert len(compiles) == 1
    assert torch.equal(run_compiled("gate", 0, _double, x[..., :1]), x[..., :1] * 2)


def test_announced_work_compiles_at_once(compiles: list[str]) -> None:
    """A sequence announces its frames: 40 frames of 100 pixels pay for it; 5 do not."""
    x = torch.ones(2, 3, 100)  # a batch of two 100-pixel frames
    with planned_work(5):
        assert run_compiled("gate", 1, _double, x) is None
    with planned_work(40):
        out = run_compiled("gate", 2, _double, x)
    assert out is not None and len(compiles) == 1
    assert compiled_module._PLANNED[0] == 0  # the announcement ends with its block


def test_a_small_still_is_graded_eagerly_and_equal(compiles: list[str]) -> None:
    """apply_cdl on a small image never reaches the compiler, and gives the eager numbers."""
    img = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = apply_cdl(img, 1.1, 0.01, 1.2, 0.9)
    assert compiles == []
    x = (img * 1.1 + 0.01).clamp(min=0).pow(1.2)
    luma = (x * torch.tensor([0.2126, 0.7152, 0.0722]).reshape(1, 3, 1, 1)).sum(1, keepdim=True)
    torch.testing.assert_close(out, luma + 0.9 * (x - luma))
