"""GradePanel: sliders generated from the operators' declared parameters, and the strength."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import anywidget
import param
import traitlets as t

from workbench.ops import LiftGammaGain, Operator, Pipeline

__all__ = ["WHEELS", "GradePanel", "GradeState", "operator_spec", "parameter_spec"]

STATIC = Path(__file__).with_name("static")
# The colour wheels: (range, master parameter, its red/green/blue parameters) of LiftGammaGain.
WHEELS = tuple((r, r, (f"{r}_r", f"{r}_g", f"{r}_b")) for r in ("lift", "gamma", "gain"))
ROOM = 0.25  # of a slider's range, kept free on either side of the proposed value


def _finite(x: Any) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def parameter_spec(op: Operator, name: str) -> dict[str, Any]:
    """One slider (or read-only field) for ``op``'s parameter ``name``.

    Sliders span the soft bounds where declared (the useful range), else the hard bounds,
    widened where needed so that the proposed value sits at least a quarter of the range from
    either end (room to move both ways; never past the hard bounds); typed values are still
    held to the hard bounds.
    """
    p = op.param[name]
    value = getattr(op, name)
    spec: dict[str, Any] = {"name": name, "label": p.label or name, "doc": p.doc or "",
                            "value": value, "default": value}
    if not isinstance(p, param.Number):
        return {**spec, "kind": "text"}
    lo, hi = p.bounds or (None, None)
    slo, shi = getattr(p, "softbounds", None) or (None, None)
    smin = _finite(slo) if slo is not None else _finite(lo)
    smax = _finite(shi) if shi is not None else _finite(hi)
    value = float(value)
    span = max(abs(value), 1.0)
    smin = smin if smin is not None else value - span
    smax = smax if smax is not None else value + span
    # Widen one end until the value is ROOM of the (new) range away from it.
    if value - smin < ROOM * (smax - smin):
        smin = value - ROOM / (1 - ROOM) * (smax - value)
    if smax - value < ROOM * (smax - smin):
        smax = value + ROOM / (1 - ROOM) * (value - smin)
    hmin, hmax = _finite(lo), _finite(hi)
    smin = max(smin, hmin) if hmin is not None else smin
    smax = min(smax, hmax) if hmax is not None else smax
    step = p.step if p.step else (smax - smin) / 200
    return {**spec, "kind": "number", "value": value, "default": value,
            "min": smin, "max": smax, "hard_min": _finite(lo), "hard_max": _finite(hi),
            "step": float(step)}


def operator_spec(op: Operator) -> dict[str, Any]:
    """The sliders of one operator: every declared parameter but ``strength``."""
    return {"operator": type(op).__name__, "space": op.space,
            "doc": (type(op).__doc__ or "").strip().split("\n")[0],
            "params": [parameter_spec(op, n) for n in op.parameter_names() if n != "strength"]}


# values, strength, bypassed operators
GradeState = tuple[tuple[tuple[tuple[str, Any], ...], ...], float, tuple[bool, ...]]


class GradePanel(anywidget.AnyWidget):
    """The proposal's operators as sliders, with its strength on top, and undo/redo.

    ``strength`` is what a decision records (0 = the source, the proposal's own strength is
    ``proposed_strength``); ``values`` holds one ``{param: value}`` per operator. Every change,
    from the front end or from Python, bumps ``request_seq``: observe it to re-render.
    ``dragging`` is true while a slider is held (render the proxy), false on release.

    The colour wheels (lift, gamma, gain) edit the chain's first :class:`LiftGammaGain`; a
    chain without one gets an identity one at its end (``wheels_added``), left out of
    :meth:`pipeline` while it stays the identity. ``wheels`` is that operator's index.

    Each change is one undo step (a whole drag is one); ``undo()``/``redo()`` walk them.
    ``edited`` is true while the strength or a parameter differs from the proposal; the
    front end asks before ``discard`` throws such edits away. :meth:`edits` and
    :meth:`restore` carry a shot's edits and history across shot switches.
    """

    _esm = STATIC / "grade.js"
    _css = STATIC / "workbench.css"

    shot = t.Unicode("").tag(sync=True)
    summary = t.Unicode("").tag(sync=True)
    spec = t.List(t.Dict()).tag(sync=True)
    values = t.List(t.Dict()).tag(sync=True)
    strength = t.Float(1.0).tag(sync=True)
    proposed_strength = t.Float(1.0).tag(sync=True)
    strength_max = t.Float(1.0).tag(sync=True)
    dragging = t.Bool(False).tag(sync=True)
    request_seq = t.Int(0).tag(sync=True)
    edited_now = t.Bool(False).tag(sync=True)  # ``edited``, for the front end
    undo_depth = t.Int(0).tag(sync=True)
    bypass = t.List(t.Bool()).tag(sync=True)  # per operator: left out of the grade
    redo_depth = t.Int(0).tag(sync=True)
    wheels = t.Int(-1).tag(sync=True)  # index of the LiftGammaGain the wheels edit (-1: none)

    def __init__(self, pipeline: Pipeline | None = None, strength: float = 1.0,
                 strength_max: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pipeline = Pipeline()
        self._ops: list[Operator] = []  # the proposal's operators, and the wheels' if added
        self.wheels_added = False
        self._undo: list[GradeState] = []
        self._redo: list[GradeState] = []
        self._current: GradeState = ((), strength, ())
        self._restoring = False
        self._gesture = False  # a drag in progress already made its undo step
        self.load(pipeline or Pipeline(), strength, strength_max)
        self.on_msg(self._on_front_end)
        self.observe(self._changed, ["strength", "values", "dragging", "bypass"])

    def load(self, pipeline: Pipeline, strength: float, strength_max: float = 1.0,
             shot: str = "", summary: str = "") -> None:
        """Show ``pipeline`` (a proposal's) at ``strength``; this is what reset returns to."""
        pipeline.validate()
        self._pipeline = pipeline
        self._ops = [op for op in pipeline if isinstance(op, Operator)]
        wheels = next((i for i, op in enumerate(self._ops) if isinstance(op, LiftGammaGain)), -1)
        self.wheels_added = wheels < 0
        if self.wheels_added:  # an identity LiftGammaGain for the wheels to push
            wheels = len(self._ops)
            self._ops.append(LiftGammaGain())
        specs = [operator_spec(op) for op in self._ops]
        self._restoring = True
        try:
            with self.hold_trait_notifications(), self.hold_sync():
                self.strength_max = strength_max
                self.proposed_strength = strength
                self.shot, self.summary = shot, summary
                self.spec = specs
                self.wheels = wheels
                self.values = [{p["name"]: p["default"] for p in s["params"]} for s in specs]
                self.bypass = [False] * len(specs)
                self.strength = strength
        finally:
            self._restoring = False
        self._undo, self._redo = [], []
        self._current = self.state()
        self._sync_history()

    def pipeline(self) -> Pipeline:
        """The operators with the panel's values (bypassed ones, identity added wheels left out)."""
        ops = self._ops
        off = self.bypass if len(self.bypass) == len(ops) else [False] * len(ops)
        out = [op.with_params(**vals)
               for i, (op, vals, skip) in enumerate(zip(ops, self.values, off, strict=True))
               if not skip and not (self.wheels_added and i == self.wheels and vals == {
                   p["name"]: p["default"] for p in self.spec[i]["params"]})]
        return Pipeline(out)

    def graded(self) -> Pipeline:
        """What a decision at the current strength renders."""
        return self.pipeline().at_strength(self.strength)

    @property
    def edited(self) -> bool:
        """True when the strength, a parameter or a bypass differs from the proposal's."""
        return (abs(self.strength - self.proposed_strength) > 1e-9
                or self.pipeline() != self._pipeline)

    def state(self) -> GradeState:
        """The values, strength and bypasses, hashable (an undo step)."""
        return (tuple(tuple(sorted(v.items())) for v in self.values), float(self.strength),
                tuple(self.bypass))

    def _set_state(self, state: GradeState) -> None:
        values, strength, bypass = state
        self._restoring = True  # held notifications fire when the block ends: still restoring
        try:
            with self.hold_trait_notifications():
                self.values = [dict(v) for v in values]
                self.bypass = list(bypass)
                self.strength = strength
        finally:
            self._restoring = False
        self._current = self.state()
        self._sync_history()

    def undo(self) -> bool:
        """Go back one change; ``False`` when there is none."""
        if not self._undo:
            return False
        self._redo.append(self.state())
        self._set_state(self._undo.pop())
        return True

    def redo(self) -> bool:
        """Redo the last undone change; ``False`` when there is none."""
        if not self._redo:
            return False
        self._undo.append(self.state())
        self._set_state(self._redo.pop())
        return True

    def edits(self) -> dict[str, Any]:
        """The shot's edits and their history, for :meth:`restore` after a shot switch."""
        return {"state": self.state(), "undo": list(self._undo), "redo": list(self._redo),
                "pipeline": self._pipeline}

    def restore(self, edits: dict[str, Any]) -> None:
        """Bring back :meth:`edits` (after :meth:`load` of a chain of the same operators)."""
        names = [type(op).__name__ for op in edits["pipeline"]]
        if names != [type(op).__name__ for op in self._pipeline]:
            return  # another chain of operators: the old values do not apply to it
        self._set_state(edits["state"])
        self._undo, self._redo = list(edits["undo"]), list(edits["redo"])
        self._sync_history()

    def reset(self, operator: int | None = None, name: str | None = None,
              names: list[str] | None = None) -> None:
        """Back to the proposal: one parameter, one operator's, or everything (and strength).

        ``names`` resets several of one operator's parameters (a wheel's); one undo step.
        """
        chosen = set(names) if names is not None else None if name is None else {name}
        values = [dict(v) for v in self.values]
        for i, spec in enumerate(self.spec):
            if operator is not None and i != operator:
                continue
            for p in spec["params"]:
                if chosen is None or p["name"] in chosen:
                    values[i][p["name"]] = p["default"]
        with self.hold_trait_notifications():
            self.values = values
            if operator is None:
                self.strength = self.proposed_strength
                if chosen is None:
                    self.bypass = [False] * len(self.spec)

    def set_value(self, operator: int, name: str, value: float) -> None:
        """Set one parameter, held to its hard bounds."""
        self.set_values(operator, {name: value})

    def set_values(self, operator: int, changes: dict[str, float]) -> None:
        """Set several parameters of one operator at once (one undo step), held to hard bounds."""
        values = [dict(v) for v in self.values]
        for name, value in changes.items():
            spec = next(p for p in self.spec[operator]["params"] if p["name"] == name)
            lo, hi = spec.get("hard_min"), spec.get("hard_max")
            value = max(value, lo) if lo is not None else value
            value = min(value, hi) if hi is not None else value
            values[operator][name] = float(value)
        self.values = values

    @t.validate("strength")
    def _clamp_strength(self, proposal: t.Bunch) -> float:
        return min(max(float(proposal.value), 0.0), self.strength_max)

    def _changed(self, change: dict[str, Any]) -> None:
        if (change["name"] == "values" and not self._restoring and self.strength == 0
                and self.wheels_added and len(self._ops) == 1 and self.strength_max > 0):
            # Nothing was proposed, so the wheels are the whole grade: at strength 0 they would
            # do nothing. Raising the strength records this change with it (one undo step).
            self.strength = min(1.0, self.strength_max)
            return
        if change["name"] == "dragging" and not change["new"]:
            self._gesture = False
        state = self.state()
        if not self._restoring and state != self._current:
            if not self._gesture:  # a drag is one undo step: its first move records it
                self._undo.append(self._current)
                self._redo = []
            self._gesture = self.dragging
            self._current = state
            self._sync_history()
        self.request_seq += 1

    def _sync_history(self) -> None:
        with self.hold_sync():
            self.undo_depth, self.redo_depth = len(self._undo), len(self._redo)
            self.edited_now = self.edited

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        kind = content.get("type")
        if kind == "reset":
            names = content.get("names")
            self.reset(content.get("operator"), content.get("name"),
                       [str(n) for n in names] if isinstance(names, list) else None)
        elif kind == "undo":
            self.undo()
        elif kind == "redo":
            self.redo()
        elif kind == "bypass":
            self.set_bypass(int(content.get("operator", -1)), bool(content.get("on")))

    def set_bypass(self, operator: int, on: bool = True) -> None:
        """Leave operator ``operator`` out of the grade (``on``) or put it back."""
        bypass = list(self.bypass)
        if 0 <= operator < len(bypass):
            bypass[operator] = on
            self.bypass = bypass
