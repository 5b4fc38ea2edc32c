"""The active picture area, as the model's analysis uses it (the geometry is in ops).

:class:`~workbench.ops.framing.ActiveArea`, :func:`~workbench.ops.framing.active_area` and
:func:`~workbench.ops.framing.keep_blanking` are image geometry that a render needs too, so they
live in :mod:`workbench.ops.framing`; the profiles, matching, training and propose import them
from here.
"""

from __future__ import annotations

from workbench.ops.framing import ActiveArea, active_area, keep_blanking

__all__ = ["ActiveArea", "active_area", "keep_blanking"]
