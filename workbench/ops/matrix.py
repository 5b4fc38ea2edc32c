"""A free 3×3 RGB matrix in linear ACEScg: channel mixing, gamut and camera corrections."""

from __future__ import annotations

import numpy as np
import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator, register_operator

__all__ = ["Matrix3x3", "apply_matrix", "invert_matrix_operator"]

_NAMES = tuple(f"m{i}{j}" for i in range(3) for j in range(3))


def apply_matrix(img: torch.Tensor, m: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Multiply every pixel of ``img`` by ``m``: ``out[i] = sum_j m[i, j] * img[j]``.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    m
        ``(3, 3)`` matrix, or ``(B, 3, 3)``: one per image in the batch.

    Returns
    -------
    torch.Tensor
        The mixed image, same space.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> swap = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    >>> img = torch.tensor([0.1, 0.2, 0.3]).reshape(1, 3, 1, 1)
    >>> apply_matrix(img, swap).flatten().tolist()
    [0.20000000298023224, 0.10000000149011612, 0.30000001192092896]
    """
    check_image(img, "apply_matrix input")
    t = torch.as_tensor(m, dtype=img.dtype, device=img.device)
    if t.ndim == 2 and t.shape == (3, 3):
        return torch.einsum("ij,bjhw->bihw", t, img)
    if t.ndim == 3 and t.shape[1:] == (3, 3) and t.shape[0] in (1, img.shape[0]):
        return torch.einsum("bij,bjhw->bihw", t.expand(img.shape[0], 3, 3), img)
    raise ShapeError(
        f"Matrix3x3.m: expected (3, 3) or ({img.shape[0]}, 3, 3), got {tuple(t.shape)}"
    )


def _entry(i: int, j: int) -> param.Number:
    rows = ("red", "green", "blue")
    return param.Number(
        1.0 if i == j else 0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.001,
        label=f"M{i}{j}", doc=f"How much input {rows[j]} goes into output {rows[i]}.",
    )


@register_operator
class Matrix3x3(Operator):
    """A 3×3 matrix on linear ACEScg; the identity by default.

    ``strength`` blends the matrix itself toward the identity: ``I + s * (M - I)``.
    """

    space = "ACEScg"
    per_pixel = True

    m00, m01, m02 = _entry(0, 0), _entry(0, 1), _entry(0, 2)
    m10, m11, m12 = _entry(1, 0), _entry(1, 1), _entry(1, 2)
    m20, m21, m22 = _entry(2, 0), _entry(2, 1), _entry(2, 2)

    @classmethod
    def from_matrix(cls, m: np.ndarray | torch.Tensor, strength: float = 1.0) -> Matrix3x3:
        """Build the operator from a ``(3, 3)`` matrix."""
        a = np.asarray(torch.as_tensor(m, dtype=torch.float64).detach().cpu())
        if a.shape != (3, 3):
            raise ShapeError(f"Matrix3x3.m: expected (3, 3), got {a.shape}")
        return cls(strength=strength, **{n: float(v) for n, v in zip(_NAMES, a.flat, strict=True)})

    def matrix(self) -> np.ndarray:
        """The ``(3, 3)`` float64 matrix at full strength."""
        return np.array([getattr(self, n) for n in _NAMES], dtype=np.float64).reshape(3, 3)

    def effective_matrix(self) -> np.ndarray:
        """The matrix at this operator's strength: ``I + strength * (M - I)``."""
        eye = np.eye(3)
        return eye + float(self.strength) * (self.matrix() - eye)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_matrix(img, self.effective_matrix())


def invert_matrix_operator(op: Matrix3x3) -> Matrix3x3:
    """The operator that undoes ``op`` (at ``op``'s strength), at strength 1.

    Raises
    ------
    ParameterError
        If the matrix is singular, or an inverse entry falls outside the ±4 bounds.
    """
    m = op.effective_matrix()
    if abs(np.linalg.det(m)) < 1e-12:
        raise ParameterError(f"Matrix3x3: singular matrix has no inverse: {m.tolist()}")
    return Matrix3x3.from_matrix(np.linalg.inv(m))
