"""The title's learned look: from camera-normalised (ungraded) pixels to the graded ones.

:func:`fit_look` learns the look from before/after pairs; :class:`LookModel` applies it at a
strength, saves it as ``model.safetensors`` + ``look.json`` and exports it as a ``.cube`` (exact
at the LUT's nodes) or, approximately, as an ASC CDL fitted by ΔE2000 on the colours it was
taught (:mod:`workbench.interchange.cdl_fit`), which says how close it comes.

The look works in an *encoded* space where equal steps look about equally different:
sRGB-encoded values for display-referred stills, ACEScct for scene-linear footage. Pairs come in
that space and the model's JSON records which; the ``.cube`` takes that encoding in and gives it
out. The network (:mod:`workbench.model.look_net`) is monotone per-channel curves, a 3x3 matrix,
saturation/hue/lightness terms smooth in hue and a smooth residual 3D LUT, trained with Adam on
one mean pair per colour bin (:mod:`workbench.model.look_data`). It is one look for every image
(not image-adaptive as in Zeng et al.): ``for_image`` in the exports only chooses which colours
the CDL is fitted on (by default the training before-colours, kept in the weights file).
In a display-referred space the look clips to the domain, as the grades it learns from do, and
learns from clipped after values only that the grade went at least that far.

- :mod:`.settings`: the spaces a look lives in, its schema and :class:`LookSettings`;
- :mod:`.fit`: :func:`fit_look` and its training loop (estimation);
- :mod:`.apply`: :class:`LookModel`, which grades and exports (application);
- :mod:`.store`: the folder on disk and the upgrades of older schemas;
- :mod:`.validate`: settings chosen on the pairs alone, holding out one hue sector at a time.

Example
-------
>>> import torch
>>> before = [torch.rand(1, 3, 32, 32)]
>>> look = fit_look(before, [b ** 1.2 for b in before], space="sRGB", steps=20, progress=False)
>>> bool(torch.equal(look.apply(before[0], strength=0.0), before[0]))
True
"""

from __future__ import annotations

from workbench.model.look.apply import LookModel
from workbench.model.look.fit import fit_look
from workbench.model.look.settings import LOOK_SCHEMA, LOOK_SPACES, LookSettings

__all__ = ["LOOK_SCHEMA", "LOOK_SPACES", "LookModel", "LookSettings", "fit_look"]
