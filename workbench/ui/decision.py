"""DecisionBar: accept, adjust or reject the selected shot's proposal, journaled with a note."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from workbench.errors import WorkbenchError
from workbench.ops import Operator, Pipeline
from workbench.title import (
    Decision,
    Proposal,
    Shot,
    Title,
    add_proposal,
    decide,
    latest_proposal,
)
from workbench.ui.titles import ThreadTitles

__all__ = ["DecisionBar", "pipeline_changes"]

STATIC = Path(__file__).with_name("static")


class DecisionBar(anywidget.AnyWidget):
    """Accept / adjust / reject with a note, writing the title's journal.

    Shows the model version and the render plan (shot, frames, strength, operators, what
    the artist changed); an error from the journal (e.g. a
    :class:`~workbench.errors.DecisionError`) appears in ``error`` instead of being raised.

    One click is one entry: the front end disables the buttons until the kernel answers
    (``answered``), and each message names the ``journaled`` count it was clicked at, so a
    second click sent before the first was written is dropped. The accept button reads
    "accept as adjust" once anything changed, which is what the journal then says; adjust
    with nothing changed is refused; the note is cleared once journaled.
    """

    _esm = STATIC / "decision.js"
    _css = STATIC / "workbench.css"

    shot = t.Unicode("").tag(sync=True)
    model_version = t.Unicode("").tag(sync=True)
    strength = t.Float(1.0).tag(sync=True)
    proposed_strength = t.Float(1.0).tag(sync=True)
    plan = t.Dict().tag(sync=True)
    note = t.Unicode("").tag(sync=True)
    error = t.Unicode("").tag(sync=True)
    last = t.Dict().tag(sync=True)  # the decision just journaled
    journaled = t.Int(0).tag(sync=True)  # decisions written through this bar
    answered = t.Int(0).tag(sync=True)  # front-end requests handled (buttons re-enable)

    def __init__(self, title: Title | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._titles = ThreadTitles(title) if title is not None else None
        self.proposal: Proposal | None = None
        self._shot: Shot | None = None
        self._pipeline: Pipeline | None = None
        self._lock = threading.Lock()
        self.decided: list[Callable[[Decision], None]] = []
        self.on_msg(self._on_front_end)
        self.observe(lambda _c: self._update_plan(), ["strength", "shot"])

    @property
    def title(self) -> Title | None:
        """The title, opened for the calling thread."""
        return self._titles.get() if self._titles is not None else None

    @property
    def pipeline(self) -> Pipeline | None:
        """The operators as the artist edited them, or ``None`` when unedited."""
        return self._pipeline

    @pipeline.setter
    def pipeline(self, pipeline: Pipeline | None) -> None:
        if pipeline != self._pipeline:
            self._pipeline = pipeline
            self._update_plan()

    def load(self, shot: str, pipeline: Pipeline | None = None) -> None:
        """Decide for ``shot`` next (its latest proposal); clears the note and any error."""
        self.proposal = None
        title = self.title
        if title is not None and shot:
            self.proposal = latest_proposal(title, title.shot(shot))
        self._pipeline = pipeline
        with self.hold_sync():
            self.error = ""
            self.note = ""
            self.model_version = self.proposal.model_version if self.proposal else ""
            self.proposed_strength = self.proposal.strength if self.proposal else 1.0
            self.strength = self.proposed_strength
            self.shot = shot
            self._update_plan()

    def changes(self) -> list[str]:
        """What differs from the proposal: ``"strength 0.800 → 0.500"``, ``"CDL.slope_r …"``."""
        out = []
        if abs(self.strength - self.proposed_strength) > 1e-6:
            out.append(f"strength {self.proposed_strength:.3f} → {self.strength:.3f}")
        if self.proposal is not None and self._pipeline is not None:
            out += pipeline_changes(self.proposal.pipeline, self._pipeline)
        return out

    def _update_plan(self) -> None:
        title = self.title
        if title is None or not self.shot:
            self.plan = {}
            return
        shot = self._shot if self._shot is not None and self._shot.name == self.shot else (
            title.shot(self.shot))
        self._shot = shot  # the plan follows every slider move: no query each time
        pipe = self._pipeline or (self.proposal.pipeline if self.proposal else Pipeline())
        changes = self.changes()
        self.plan = {
            "shot": shot.name, "frames": [shot.start_frame, shot.end_frame],
            "frame_count": shot.frame_count, "strength": round(self.strength, 4),
            "verdict": self.verdict_for("accept"), "changes": changes,
            "has_proposal": self.proposal is not None,
            "operators": [type(op).__name__ for op in pipe if isinstance(op, Operator)],
        }

    def verdict_for(self, button: str) -> str:
        """The verdict a button records: accept after any change is an adjust."""
        if button == "accept" and self.changes():
            return "adjust"
        return button

    def decide(self, button: str, note: str | None = None,
               seen: int | None = None) -> Decision | None:
        """Journal ``button`` (accept / adjust / reject) for the shot; ``None`` on error.

        ``seen`` is the ``journaled`` count the request was made at: a request made before
        the last decision was written (a double click) is dropped.
        """
        with self._lock:  # widget messages may arrive on more than one thread
            if seen is not None and seen != self.journaled:
                return None
            self.error = ""
            if self.title is None or not self.shot:
                self.error = "select a shot first"
                return None
            if button == "adjust" and not self.changes():
                self.error = ("nothing to adjust: the strength and every parameter are the "
                              "proposal's (use accept)")
                return None
            try:
                decision = self._journal(self.verdict_for(button),
                                         self.note if note is None else note)
            except WorkbenchError as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                return None
            with self.hold_sync():
                self.last = {**decision.to_dict(), "changes": (
                    self.changes() if decision.verdict == "adjust" else [])}
                self.note = ""
                self.journaled += 1
        for fn in self.decided:
            fn(decision)
        return decision

    def _journal(self, verdict: str, note: str) -> Decision:
        title = self.title
        assert title is not None
        shot = title.shot(self.shot)
        proposal = self.proposal
        if proposal is None:
            proposal = latest_proposal(title, shot)
        edited = (proposal is not None and self._pipeline is not None and verdict != "reject"
                  and self._pipeline != proposal.pipeline)
        if edited:  # the artist changed parameters: journal the edit as its own proposal
            assert proposal is not None and self._pipeline is not None
            changed = "; ".join(pipeline_changes(proposal.pipeline, self._pipeline))
            proposal = add_proposal(
                title, shot, self._pipeline, model_version=proposal.model_version,
                strength=proposal.strength, confidence=proposal.confidence,
                summary=f"edited by the artist from proposal {proposal.id}: {changed}",
                anchor=title.shot(proposal.anchor_shot) if proposal.anchor_shot else None,
                active_area=proposal.active_area)
            verdict = "adjust"
        strength = self.strength if verdict == "adjust" else None
        return decide(title, shot, verdict, strength=strength, note=note,
                      proposal_id=proposal.id if proposal else None)

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") != "decide":
            return
        try:
            seen = content.get("seen")
            self.decide(str(content.get("verdict", "")), content.get("note"),
                        seen=int(seen) if seen is not None else None)
        except Exception as exc:  # ipywidgets swallows comm errors: the click would do nothing
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.answered += 1


def pipeline_changes(proposed: Pipeline, edited: Pipeline) -> list[str]:
    """``"Operator.param old → new"`` for each parameter ``edited`` changed from ``proposed``."""
    out = []
    ops = [op for op in proposed if isinstance(op, Operator)]
    new = [op for op in edited if isinstance(op, Operator)]
    kept = [type(op).__name__ for op in new]
    if [type(op).__name__ for op in ops] != kept:  # an operator was bypassed
        names = [type(op).__name__ for op in ops]
        out += [f"{n} bypassed" for n in names if n not in kept]
        ops = [op for op in ops if type(op).__name__ in kept]
    # An operator the artist added (the colour wheels' LiftGammaGain) against its identity.
    added = new[len(ops):]
    out += [f"{type(b).__name__} added" for b in added]
    for a, b in [*zip(ops, new, strict=False), *[(_identity(b), b) for b in added]]:
        for name in a.parameter_names():
            old, value = getattr(a, name), getattr(b, name)
            if old != value:
                fmt = (lambda v: f"{v:.3f}") if isinstance(old, float) else repr
                out.append(f"{type(a).__name__}.{name} {fmt(old)} → {fmt(value)}")
    return out


def _identity(op: Operator) -> Operator:
    """``op``'s operator with its declared defaults (what an added operator changed from)."""
    try:
        return type(op)()
    except Exception:  # an operator that needs data (a LUT's table): compare with itself
        return op
