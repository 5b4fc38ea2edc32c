"""GradePanel: sliders generated from the operators' declared parameters, reset and requests."""

from __future__ import annotations

import param
import pytest

from workbench.ops import CDL, Exposure, Pipeline, Saturation, WhiteBalance
from workbench.ui import GradePanel, operator_spec


@pytest.mark.parametrize("op", [CDL(slope_r=1.2), Exposure(), Saturation(), WhiteBalance()])
def test_spec_follows_declared_parameters(op):
    spec = operator_spec(op)
    assert spec["operator"] == type(op).__name__ and spec["space"] == op.space
    names = [p["name"] for p in spec["params"]]
    assert names == [n for n in op.parameter_names() if n != "strength"]
    for p in spec["params"]:
        declared = op.param[p["name"]]
        assert p["label"] == declared.label and p["doc"] == declared.doc  # doc -> tooltip
        if not isinstance(declared, param.Number):
            continue
        lo, hi = declared.bounds or (None, None)
        slo, shi = getattr(declared, "softbounds", None) or (None, None)
        assert p["hard_min"] == lo and p["hard_max"] == hi
        # The declared useful range, widened only to give the value room: never past hard.
        assert p["min"] <= (slo if slo is not None else lo) and p["min"] < p["value"]
        assert p["max"] >= (shi if shi is not None else hi) and p["max"] > p["value"]
        assert lo is None or p["min"] >= lo
        assert hi is None or p["max"] <= hi
        assert p["step"] == (declared.step or p["step"]) and p["step"] > 0
    assert spec["params"][0]["value"] == getattr(op, names[0])


def test_changes_bump_the_request_and_reset_restores_the_proposal():
    proposal = Pipeline([CDL(slope_r=1.3, offset_b=-0.05), Saturation(saturation=1.2)])
    panel = GradePanel(proposal, strength=0.8)
    assert panel.strength == 0.8 and panel.proposed_strength == 0.8 and not panel.edited
    seq = panel.request_seq
    panel.strength = 0.4
    assert panel.request_seq > seq
    panel.set_value(0, "slope_r", 1.5)
    panel.set_value(1, "saturation", 0.5)
    assert panel.edited and panel.values[0]["slope_r"] == 1.5
    graded = panel.graded()
    assert [op.strength for op in graded] == [0.4, 0.4]  # a decision's strength, as render
    assert graded.operators[0].slope_r == 1.5

    panel.reset(0, "slope_r")  # one slider
    assert panel.values[0]["slope_r"] == 1.3 and panel.values[1]["saturation"] == 0.5
    panel.set_value(0, "offset_b", 0.1)
    panel._handle_custom_msg({"type": "reset", "operator": 1, "name": None}, [])  # front end
    assert panel.values[1]["saturation"] == 1.2 and panel.values[0]["offset_b"] == 0.1
    assert panel.strength == 0.4  # resetting an operator leaves the strength alone
    panel.reset()
    assert not panel.edited and panel.strength == 0.8


def test_strength_and_values_are_held_to_bounds():
    panel = GradePanel(Pipeline([CDL()]), strength=0.5, strength_max=0.9)
    panel.strength = 3.0
    assert panel.strength == 0.9
    panel.set_value(0, "power_r", -5.0)  # hard lower bound 0.01
    assert panel.values[0]["power_r"] == CDL.param["power_r"].bounds[0]
    panel.pipeline()  # still a valid operator chain


def test_dragging_asks_for_a_new_render_on_release():
    panel = GradePanel(Pipeline([Exposure(stops=1.0)]))
    panel.dragging = True
    seq = panel.request_seq
    panel.dragging = False
    assert panel.request_seq == seq + 1


def test_slider_ranges_leave_room_around_the_proposed_value():
    """A proposed Offset R of -0.34 sat at the very end of its slider (soft range +-0.2)."""
    op = CDL(offset_r=-0.34, slope_g=3.9, power_b=0.02)
    for name, value in (("offset_r", -0.34), ("slope_g", 3.9)):
        p = operator_spec(op)["params"][[q["name"] for q in operator_spec(op)["params"]].index(
            name)]
        room = 0.25 * (p["max"] - p["min"]) - 1e-9
        assert p["min"] <= value - room * 0.99 and p["max"] >= value + room * 0.99, p
    power = next(q for q in operator_spec(op)["params"] if q["name"] == "power_b")
    assert power["min"] == CDL.param["power_b"].bounds[0]  # held to the hard bound


def test_bypass_leaves_an_operator_out_and_undo_brings_it_back():
    panel = GradePanel(Pipeline([CDL(slope_r=1.3), Saturation(saturation=1.2)]), strength=0.8)
    panel._handle_custom_msg({"type": "bypass", "operator": 0, "on": True}, [])  # the button
    assert [type(op).__name__ for op in panel.pipeline()] == ["Saturation"] and panel.edited
    assert [type(op).__name__ for op in panel.graded()] == ["Saturation"]
    panel.undo()  # (the third operator is the colour wheels' identity LiftGammaGain)
    assert panel.bypass == [False, False, False] and not panel.edited
    panel.redo()
    assert panel.bypass == [True, False, False]
    panel.reset()
    assert panel.bypass == [False, False, False] and not panel.edited
