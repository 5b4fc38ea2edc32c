"""Learning from the artist's decisions: each title's (and scene's) preference.

An artist who adjusts proposals (less strength, warmer, lifted shadows) teaches the title:
:func:`learn_preference` turns the journal's adjust decisions into a :class:`Preference`, and
:func:`prefer` applies it to a new proposal's grade and strength, with the sentence that says
so ("warmer by 150 K, as you adjusted 4 shots of this scene") and the record kept with the
proposal (``Proposal.details["preference"]``).
"""

from __future__ import annotations

from typing import Any

from workbench.model.preference.measure import Adjustment, adjustment, probe_colours
from workbench.model.preference.model import PRIOR, Preference, learn_preference
from workbench.ops import Pipeline

__all__ = ["PRIOR", "Adjustment", "Preference", "adjustment", "learn_preference", "prefer",
           "probe_colours"]


def prefer(preference: Preference, grade: Pipeline, strength: float, cap: float = 1.0
           ) -> tuple[Pipeline, float, str, dict[str, Any] | None]:
    """``grade`` and ``strength`` moved toward the artist's choices, a note and a record.

    Without adjust decisions (or on a proposal at strength 0) nothing changes, the note is
    empty and the record ``None``.
    """
    new_grade, new_strength = preference.apply(grade, strength, cap)
    if new_grade is grade and new_strength == strength:
        return grade, strength, "", None
    sentence = preference.sentence(new_strength)
    record = {**preference.to_dict(), "strength_before": strength, "strength": new_strength}
    return new_grade, new_strength, (f"; learned preference: {sentence}" if sentence else ""), \
        record
