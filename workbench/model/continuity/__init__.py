"""Continuity: which shots of a scene do not match the rest, by how much, and why.

Each item (a shot of a title, or an image of a folder) has a :class:`ShotProfile`. Within its
group (scene) it is compared with a reference on the properties of :data:`CHECKS`: exposure,
white balance (kelvin), tint (Duv), contrast, saturation, grain, framing, motion, and the
level, white balance and tint of its clipped highlights.

The reference is the group's anchor when one is named; otherwise it is the group's
*consensus*, so no single image is trusted. Three kinds of measurement:

* **paired**, when items share surfaces (frames of one shot, reframings of one set-up, other
  camera angles of one set): on the same pixels (aligned by phase correlation, or by feature
  correspondences refined by optical flow), one change of light is fitted (contrast,
  exposure at mid grey, white balance, tint, saturation). Offsets of every item of such a set
  are solved from all its pairs at once, robustly, view by view and then between views
  (:mod:`~workbench.model.continuity.alignment`);
* **highlights**, when at least three items of the group clip (or the anchor does): the
  level and colour of their clipped
  highlights, the same white in every item whatever it shows
  (:mod:`~workbench.model.continuity.highlights`);
* **profile**, otherwise: the difference of the items' profiles from the anchor's, or from the
  per-property median over the group (:mod:`~workbench.model.continuity.checks`).

An item is flagged on a property when its difference passes both

* an absolute, perceptual threshold (:data:`CHECKS`: 1/3 stop of exposure, 12 mired of white
  balance ≈ 400 K at 5600 K, 0.002 Duv, 15 % contrast, 25 % saturation, ...), below which
  nobody would call it a mismatch, and
* ``Z`` times the group's own robust spread of that kind of measurement (1.4826 × MAD), when
  at least ``MIN_FOR_SPREAD`` items have one, and for paired measurements ``Z`` times the
  pairs' own noise: shots of different content differ naturally, and only what stands out of
  that variation is a continuity error
  (:mod:`~workbench.model.continuity.compare`).

``score`` is ``s / (1 + s)`` where ``s`` is the largest difference over its threshold: 0 for a
perfect match, 0.5 exactly at the threshold (flagged from there on), → 1 for gross mismatches.
Every flag carries at least one reason, a sentence naming the property and the amount
(:mod:`~workbench.model.continuity.reasons`); a flagged item also gets a proposed fix: a CDL
fitted to bring it to the reference (:func:`propose_fix`).
"""

from __future__ import annotations

from workbench.model.continuity.checks import CHECKS, Check
from workbench.model.continuity.compare import MIN_FOR_SPREAD, Z, check_continuity
from workbench.model.continuity.fixes import propose_fix
from workbench.model.continuity.items import ContinuityItem, Finding

__all__ = [
    "CHECKS",
    "MIN_FOR_SPREAD",
    "Check",
    "ContinuityItem",
    "Finding",
    "Z",
    "check_continuity",
    "propose_fix",
]
