"""The STYLE.md operator checks, written once for every ``tests/ops/test_ops_*.py`` file.

Plain functions and small data, in the manner of kornia's ``testing/base.py``: a test file keeps
its own parametrisation (operators, settings, shapes) and calls these to make the checks. The
tests directory has no ``__init__.py`` and pytest prepends this folder to ``sys.path``, so a test
module here imports it as ``from opchecks import ...``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import torch

from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator

# Image sizes (B, 3, H, W) for the shape checks; a 1x1 image and a batch of two among them.
SHAPES = [(1, 3, 4, 4), (2, 3, 5, 7), (1, 3, 1, 1), (2, 3, 3, 8)]

# Images an operator must refuse: no batch axis, four channels, an integer dtype.
BAD_IMAGES = [
    torch.zeros(3, 4, 4), torch.zeros(1, 4, 4, 4), torch.zeros(1, 3, 2, 2, dtype=torch.int32),
]
# The same and a 5-D tensor.
BAD_IMAGES_5D = [
    torch.zeros(3, 4, 4), torch.zeros(1, 4, 4, 4), torch.zeros(1, 1, 3, 4, 4),
    torch.zeros(1, 3, 2, 2, dtype=torch.int32),
]

# Two pixels per channel: a negative and an over-range value.
OUT_OF_RANGE = [[-0.4, 2.5], [-0.2, 3.0], [-0.3, 4.0]]


# -- images ----------------------------------------------------------------------------------

def random_image(shape: tuple[int, ...] = (2, 3, 5, 6), seed: int = 0, scale: float = 1.0,
                 offset: float = 0.0, dtype: torch.dtype | None = None,
                 requires_grad: bool = False) -> torch.Tensor:
    """``torch.rand(shape) * scale + offset`` from a seeded generator: repeatable test data."""
    g = torch.Generator().manual_seed(seed)
    img = torch.rand(shape, generator=g, dtype=dtype) * scale + offset
    return img.requires_grad_() if requires_grad else img


def special_values_image() -> torch.Tensor:
    """[-1, 0, 1, inf, nan] in every channel, one value per pixel: (1, 3, 1, 5)."""
    row = torch.tensor([-1.0, 0.0, 1.0, math.inf, math.nan])
    return row.reshape(1, 1, 1, 5).expand(1, 3, 1, 5).contiguous()


def grey_patch(rgb: Iterable[float] = (0.3, 0.2, 0.1), h: int = 2, w: int = 2) -> torch.Tensor:
    """One colour over an (1, 3, h, w) image."""
    return torch.tensor(list(rgb)).reshape(1, 3, 1, 1).expand(1, 3, h, w).contiguous()


def out_of_range_image() -> torch.Tensor:
    """(1, 3, 1, 2): a negative pixel and an over-range one."""
    return torch.tensor(OUT_OF_RANGE).reshape(1, 3, 1, 2)


def bits(t: torch.Tensor) -> torch.Tensor:
    """The raw bit patterns, so NaN compares equal to the same NaN."""
    return t.contiguous().view(torch.int32 if t.dtype == torch.float32 else torch.int64)


def grad_param(values: Any) -> torch.Tensor:
    """A float64 parameter tensor that takes a gradient."""
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


# -- operators -------------------------------------------------------------------------------

def operator_factory(classes: dict[str, type[Operator]], settings: dict[str, dict[str, Any]]
                     ) -> Callable[..., Operator]:
    """``make(name, **extra)``: the operator ``name`` at its test setting, ``extra`` on top."""
    def make(name: str, **extra: Any) -> Operator:
        return classes[name](**{**settings[name], **extra})

    return make


def assert_smoke(op: Operator, img: torch.Tensor, name: str, *, schema: bool = True
                 ) -> torch.Tensor:
    """It runs, keeps shape and float32, changes the image, and names itself."""
    out = op.forward(img)
    assert out.shape == img.shape
    assert out.dtype == torch.float32
    assert not torch.allclose(out, img, atol=1e-3)  # it does something
    assert name in repr(op)
    if schema:
        assert op.to_dict()["schema"] == f"{name}.{type(op).schema_version}"
    return out


def assert_parameters_declared(cls: type[Operator], skip: Iterable[str] = ()) -> None:
    """Every parameter has a label, doc, bounds and step; all but strength soft bounds."""
    skip = set(skip)
    for pname in cls.parameter_names():
        p = cls.param[pname]
        assert p.label and p.doc, pname
        if pname in skip:
            continue
        assert p.bounds is not None and p.step, pname
        if pname != "strength":
            assert p.softbounds is not None, pname


def assert_shape_and_dtype(op: Operator, img: torch.Tensor) -> None:
    """The output has the input's shape, and float64 in gives float64 out."""
    assert op.forward(img).shape == img.shape
    assert op.forward(img.double()).dtype == torch.float64


def assert_shapes(fn: Callable[[torch.Tensor], torch.Tensor], shapes: Iterable[tuple[int, ...]],
                  image: Callable[[tuple[int, ...]], torch.Tensor] = random_image) -> None:
    """``fn`` keeps the shape of an image of every size in ``shapes``."""
    for shape in shapes:
        assert fn(image(shape)).shape == shape, shape


def assert_identity_at_zero_strength(op: Operator, img: torch.Tensor, space: str = "ACEScg"
                                     ) -> None:
    """``op`` (at strength 0) returns a bit-exact copy, through ``apply`` as well."""
    out = op.forward(img)
    assert torch.equal(out, img)
    assert out is not img  # a copy: the caller may modify it
    # Through the pipeline (colour-space round trip skipped) too.
    assert torch.equal(op.apply(img, space), img)


def assert_close_to_identity(op: Operator, img: torch.Tensor) -> None:
    """``op`` at neutral settings is the identity to float32 rounding."""
    torch.testing.assert_close(op.forward(img), img, atol=1e-6, rtol=1e-6)


def assert_strength_monotone(full: Operator, half: Operator, img: torch.Tensor) -> None:
    """Half strength lands strictly between identity and the full correction (mean change)."""
    d_full = (full.forward(img) - img).abs().mean()
    d_half = (half.forward(img) - img).abs().mean()
    assert 0 < d_half < d_full


def assert_batch_equals_separate(fn: Callable[..., torch.Tensor], img: torch.Tensor,
                                 batched: Any, separate: list[Any], *, atol: float,
                                 rtol: float) -> None:
    """Per-sample parameters give, image by image, what each parameter gives alone."""
    out = fn(img, batched)
    for i, p in enumerate(separate):
        torch.testing.assert_close(out[i:i + 1], fn(img[i:i + 1], p), atol=atol, rtol=rtol)
    assert not torch.allclose(out[0], fn(img[0:1], separate[1])[0])


def assert_gradcheck(fn: Callable[..., torch.Tensor], *args: torch.Tensor, **kwargs: Any
                     ) -> None:
    """``torch.autograd.gradcheck`` passes (float64 inputs expected)."""
    assert torch.autograd.gradcheck(fn, args, **kwargs)


def assert_special_values_kept(out: torch.Tensor, img: torch.Tensor, *, nan: bool = True,
                               inf: bool = False) -> None:
    """On ``special_values_image``: finite pixels stay finite, NaN (and inf) stay put."""
    assert out.shape == img.shape
    assert torch.isfinite(out[..., :3]).all()
    if inf:
        assert torch.isinf(out[..., 3]).all()
    if nan:
        assert torch.isnan(out[..., 4]).all()


def assert_bad_image_raises(op: Operator, bad: torch.Tensor, name: str) -> None:
    """A malformed image raises a ShapeError naming the operator's input."""
    with pytest.raises(ShapeError, match=f"{name} input"):
        op.forward(bad)


def assert_parameter_raises(cls: Any, kwargs: dict[str, Any], named: str) -> None:
    """Building ``cls(**kwargs)`` raises a ParameterError naming ``Class.parameter``."""
    with pytest.raises(ParameterError, match=named.replace(".", r"\.")):
        cls(**kwargs)


def assert_unknown_parameter_raises(cls: Any) -> None:
    """An unknown keyword is refused by name."""
    with pytest.raises(ParameterError, match=r"unknown parameter.*bogus"):
        cls(bogus=1.0)


def assert_not_clamped(op: Operator) -> None:
    """Highlights and negatives survive the operator."""
    out = op.forward(out_of_range_image())
    assert (out[..., 1] > 1.5).all(), out  # highlights survive
    assert (out[..., 0] < 0).all(), out    # negatives survive


def assert_matte_blends(op: Operator, img: torch.Tensor) -> None:
    """Zero matte is exact (special values too), ones is full, a half matte the midpoint."""
    b, _, h, w = img.shape
    full = op.forward(img)
    assert torch.equal(op.forward(img, torch.zeros(b, 1, h, w)), img)
    assert torch.equal(op.forward(img, torch.ones(b, 1, h, w)), full)
    torch.testing.assert_close(op.forward(img, torch.full((b, 1, h, w), 0.5)), (img + full) / 2)
    special = special_values_image()
    assert torch.equal(bits(op.forward(special, torch.zeros(1, 1, 1, 5))), bits(special))
