"""A learned look applied: :class:`LookModel` grades at a strength and exports as ``.cube``/CDL.

The ``.cube`` is exact at the LUT's nodes; the ASC CDL is fitted by ΔE2000 on the colours the
look was taught (:mod:`workbench.interchange.cdl_fit`), which says how close it comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.interchange.cdl_fit import CDLFit, fit_cdl_to_grade
from workbench.interchange.cube import CubeLUT
from workbench.model.look.settings import CDL_BINS, LOOK_SPACES
from workbench.model.look.store import StoredLook, read_look, write_look
from workbench.model.look_data import bin_pairs
from workbench.model.look_net import LookNet
from workbench.ops import CDLValues

__all__ = ["LookModel"]


@dataclass
class LookModel:
    """A learned look in an encoded space, applied as ``x + strength * (look(x) - x)``.

    Attributes
    ----------
    net : LookNet
        The network, on normalised values.
    space : str
        The encoded space of input and output (``"sRGB"``, ``"ACEScct"``...).
    metadata : dict
        What ``look.json`` holds besides the weights: seed, training-data hash, settings,
        metrics, and any namespaced keys a caller adds (e.g. ``"workbench.cli"``).
    colours, colour_counts : torch.Tensor or None
        ``(M, 3)`` float32 before-colours of the training pixels in :attr:`space` (merged into
        :data:`CDL_BINS` bins per channel) and ``(M,)`` float64 pixels per colour: what
        :meth:`cdl_fit` fits on. ``None`` for a look saved before ``LookModel.3``.
    """

    net: LookNet
    space: str
    metadata: dict[str, Any] = field(default_factory=dict)
    colours: torch.Tensor | None = None
    colour_counts: torch.Tensor | None = None

    @property
    def domain(self) -> tuple[float, float]:
        """Encoded values that the LUT spans, ``(lo, hi)``."""
        return LOOK_SPACES[self.space]

    def _look_rgb(self, rgb: torch.Tensor, chunk: int = 1 << 20) -> torch.Tensor:
        """The full-strength look on ``(N, 3)`` encoded values."""
        lo, hi = self.domain
        lut = self.net.residual_lut()
        out = torch.empty_like(rgb)
        for start in range(0, rgb.shape[0], chunk):
            x = (rgb[start:start + chunk].float() - lo) / (hi - lo)
            y = self.net.clipped(self.net(x, lut))
            out[start:start + chunk] = (y * (hi - lo) + lo).to(rgb.dtype)
        return out

    def apply(self, img: torch.Tensor, strength: float | torch.Tensor = 1.0) -> torch.Tensor:
        """Grade ``img`` with the look.

        Parameters
        ----------
        img
            ``(B, 3, H, W)`` in :attr:`space` encoding (any range; outside the domain the
            residual LUT holds its border and the curves extend linearly).
        strength
            0 is the input unchanged, bit for bit; 1 the learned look. A float or ``(B,)``.

        Returns
        -------
        torch.Tensor
            ``(B, 3, H, W)`` in :attr:`space`.
        """
        check_image(img, "LookModel.apply")
        s = torch.as_tensor(strength, dtype=img.dtype)
        if s.ndim > 1 or (s.ndim == 1 and s.shape[0] not in (1, img.shape[0])):
            raise ParameterError(f"LookModel.apply: strength must be a float or ({img.shape[0]},)"
                                 f", got shape {tuple(s.shape)}")
        if not bool(torch.isfinite(s).all()) or bool((s < 0).any()) or bool((s > 1).any()):
            raise ParameterError(f"LookModel.apply: strength must be in [0, 1], got "
                                 f"{s.tolist()}")
        if not bool(s.any()):
            return img.clone()
        b, _, h, w = img.shape
        with torch.set_grad_enabled(img.requires_grad):
            rgb = img.permute(0, 2, 3, 1).reshape(-1, 3)
            graded = self._look_rgb(rgb).view(b, h, w, 3).permute(0, 3, 1, 2)
            s = s.to(img.device).view(-1, 1, 1, 1)
            return torch.where(s == 0, img, img + s * (graded - img))

    # -- export --------------------------------------------------------------------------

    def to_cube(self, size: int = 33, for_image: torch.Tensor | None = None) -> CubeLUT:
        """The look sampled on a ``size``³ grid over its domain, as a 3D ``.cube`` LUT.

        The cube takes :attr:`space`-encoded values in and gives them out (its domain is
        :attr:`domain`). At 33³ the residual LUT's nodes coincide with the cube's, so only the
        curves, matrix and hue terms are interpolated. ``for_image`` is accepted for the
        image-adaptive interface; this look is the same for every image.
        """
        if for_image is not None:
            check_image(for_image, "LookModel.to_cube for_image")
        if not 2 <= size <= 256:
            raise ParameterError(f"LookModel.to_cube: size must be in [2, 256], got {size}")
        lo, hi = self.domain
        axis = torch.linspace(lo, hi, size, dtype=torch.float64)
        r, g, b = torch.meshgrid(axis, axis, axis, indexing="ij")
        nodes = torch.stack([r, g, b], -1).reshape(-1, 3).float()
        with torch.no_grad():
            table = self._look_rgb(nodes).double().reshape(size, size, size, 3)
        return CubeLUT(title=f"workbench look ({self.space} in, {self.space} out)",
                       table=table.numpy(), domain=np.array([[lo] * 3, [hi] * 3]))

    def cdl_fit(self, for_image: torch.Tensor | None = None) -> CDLFit:
        """The ASC CDL in :attr:`space` closest to the look in ΔE2000, and how close it is.

        Fitted (:func:`~workbench.interchange.cdl_fit.fit_cdl_to_grade`) on ``for_image``'s colours
        (``(B, 3, H, W)`` in :attr:`space`) when given, else on the training before-colours
        (Rec.709's gamut for a look saved without them), with skin tones and neutrals.
        The errors are the CDL's ΔE2000 against the look on each of those sets.
        """
        lo, hi = self.domain
        colours: torch.Tensor | None
        counts: torch.Tensor | None
        if for_image is not None:
            check_image(for_image, "LookModel.cdl_fit for_image")
            img = for_image.detach().float()
            pairs = bin_pairs([img], [img], self.domain, CDL_BINS)
            colours, counts, label = pairs.before * (hi - lo) + lo, pairs.count, "image pixels"
        else:
            colours, counts, label = self.colours, self.colour_counts, "training pixels"
        with torch.no_grad():
            return fit_cdl_to_grade(self.apply, self.space, self.domain, colours, counts,
                                    pixels_label=label)

    def to_cdl(self, for_image: torch.Tensor | None = None) -> CDLValues:
        """The values of :meth:`cdl_fit`: an ASC CDL approximating the look in :attr:`space`."""
        return self.cdl_fit(for_image).values

    # -- storage -------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write ``model.safetensors`` and ``look.json`` into ``directory``, atomically.

        The folder appears whole or not at all; an existing one is replaced.
        """
        return write_look(Path(directory), StoredLook(
            net=self.net, space=self.space, metadata=self.metadata, colours=self.colours,
            colour_counts=self.colour_counts))

    @classmethod
    def load(cls, directory: str | Path) -> LookModel:
        """Read a look written by :meth:`save`.

        Raises
        ------
        TitleError
            A file is missing, unreadable or does not hold a look's weights (naming it).
        ParameterError
            ``look.json`` has another schema or an unknown space.
        """
        stored = read_look(Path(directory))
        return cls(net=stored.net, space=stored.space, metadata=stored.metadata,
                   colours=stored.colours, colour_counts=stored.colour_counts)
