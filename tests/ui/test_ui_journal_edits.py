"""What the app journals and keeps: one request one entry, edits across shot switches, undo."""

from __future__ import annotations

from workbench.title import journal, latest_proposal
from workbench.ui import Workbench


def _click(app: Workbench, verdict: str, note: str = "") -> None:
    """What the front end sends for one click, at the decision count it shows."""
    app.decision._handle_custom_msg(
        {"type": "decide", "verdict": verdict, "note": note, "seen": app.decision.journaled}, [])


def test_a_double_click_is_one_entry(app: Workbench):
    seen = app.decision.journaled
    message = {"type": "decide", "verdict": "accept", "note": "", "seen": seen}
    answered = app.decision.answered
    app.decision._handle_custom_msg(message, [])
    app.decision._handle_custom_msg(dict(message), [])  # the second click of a double click
    assert len(journal(app.title)) == 1
    assert app.decision.answered == answered + 2  # both answered: the buttons come back
    _click(app, "reject")  # a new click, made after the first was shown, counts
    assert [d.verdict for d in journal(app.title)] == ["accept", "reject"]


def test_reject_has_no_strength_and_the_note_is_cleared(app: Workbench):
    _click(app, "reject", note="too warm")
    (entry,) = journal(app.title)
    assert entry.verdict == "reject" and entry.strength is None and entry.note == "too warm"
    assert app.decision.note == "" and app.decision.last["strength"] is None
    _click(app, "accept")
    assert journal(app.title)[-1].note == ""  # the earlier note is not attached again


def test_adjust_with_nothing_changed_is_refused(app: Workbench):
    _click(app, "adjust")
    assert journal(app.title) == []
    assert app.decision.error.startswith("nothing to adjust")


def test_the_accept_button_says_what_the_journal_says_after_a_parameter_edit(app: Workbench):
    app.select("street_002")  # street_001 is the scene's anchor: nothing to change on it
    assert app.decision.plan["verdict"] == "accept"
    op, name = 0, app.grade.spec[0]["params"][0]["name"]
    before = app.grade.values[op][name]
    app.grade.set_value(op, name, before + 0.1)
    assert app.decision.plan["verdict"] == "adjust"  # the front end shows "accept as adjust"
    operator = app.grade.spec[0]["operator"]
    change = f"{operator}.{name} {before:.3f} → {before + 0.1:.3f}"
    assert app.decision.plan["changes"] == [change]
    _click(app, "accept")
    entry = journal(app.title)[-1]
    assert entry.verdict == "adjust"
    # The adjust records what changed: in the edited proposal it points at, and in `last`.
    edited = latest_proposal(app.title, app.title.shot(entry.shot))
    assert entry.proposal_id == edited.id and change in edited.summary
    assert app.decision.last["changes"] == [change]


def test_a_strength_adjust_records_the_change(app: Workbench):
    app.select("street_002")
    proposed = app.grade.proposed_strength
    app.grade.strength = round(proposed / 2, 3)
    _click(app, "adjust")
    entry = journal(app.title)[-1]
    assert (entry.verdict, entry.strength) == ("adjust", round(proposed / 2, 3))
    assert app.decision.last["changes"] == [f"strength {proposed:.3f} → {proposed / 2:.3f}"]


def test_edits_survive_a_shot_switch_until_decided(app: Workbench):
    app.select("street_002")
    app.grade.strength = 0.25
    sat = next(i for i, s in enumerate(app.grade.spec)
               if any(p["name"] == "saturation" for p in s["params"]))
    app.grade.set_value(sat, "saturation", 1.7)
    app.select("face_001")
    assert app.browser.edited == ["street_002"]
    assert app.grade.shot == "face_001" and not app.grade.edited
    app.select("street_002")
    assert app.grade.strength == 0.25 and app.grade.values[sat]["saturation"] == 1.7
    assert app.decision.plan["verdict"] == "adjust" and app.decision.strength == 0.25
    app.grade.undo()  # the history came back too
    assert app.grade.values[sat]["saturation"] != 1.7 and app.grade.strength == 0.25
    app.grade.redo()
    _click(app, "accept")
    assert journal(app.title)[-1].strength == 0.25
    app.select("face_001")
    assert app.browser.edited == []  # decided: no edits pending
    app.select("street_002")
    assert app.grade.strength == 0.25  # still shows what was decided
    app.grade.strength = 0.3
    app.select("face_001")
    assert app.browser.edited == ["street_002"]  # a change after the decision is pending


def test_undo_and_redo_walk_the_changes_a_drag_is_one_step(app: Workbench):
    app.select("street_002")
    proposed = app.grade.strength
    app.grade.dragging = True
    for s in (0.3, 0.2, 0.1):
        app.grade.strength = s
    app.grade.dragging = False
    app.grade.strength = 0.6
    assert app.grade.undo_depth == 2
    seq = app.compare.seq
    app.grade._handle_custom_msg({"type": "undo"}, [])  # the undo button
    assert app.grade.strength == 0.1 and app.compare.seq == seq + 1  # re-rendered
    app.key("undo")  # Ctrl+Z
    assert app.grade.strength == proposed and not app.grade.edited
    assert not app.grade.undo()
    app.key("redo")
    assert app.grade.strength == 0.1 and app.grade.redo_depth == 1


def test_keys_step_shots_frames_and_decide(app: Workbench):
    assert app.browser.selected == "street_001"
    app.key("next")
    assert app.browser.selected == "street_002" == app.grade.shot
    app.key("previous")
    app.key("previous")  # stays on the first
    assert app.browser.selected == "street_001"
    frame = app.compare.frame
    app.key("frame-forward")
    assert app.compare.frame == frame + 1
    app.key("frame-back")
    app.key("frame-back")
    assert app.compare.frame == frame - 1
    app.key("accept")
    app.key("accept")  # pressed twice at once: one decision
    assert [(d.shot, d.verdict) for d in journal(app.title)] == [("street_001", "accept")]
    app.shortcuts._handle_custom_msg({"type": "key", "action": "next"}, [])  # from the page
    app.key("reject")
    assert journal(app.title)[-1].verdict == "reject"
    assert app.shortcuts.pressed == 1


def test_a_bypassed_operator_is_journaled_as_such(app: Workbench):
    app.select("street_002")
    first = app.grade.spec[0]["operator"]
    app.grade.set_bypass(0, True)
    assert f"{first} bypassed" in app.decision.plan["changes"]
    _click(app, "accept")
    entry = journal(app.title)[-1]
    assert entry.verdict == "adjust"
    assert first not in [type(op).__name__ for op in entry.pipeline]


def test_the_scrubber_shows_any_frame_of_the_shot(app: Workbench):
    app.select("street_002")
    first, last = app.compare.frame_range
    assert last > first
    seq = app.compare.seq
    app.compare._handle_custom_msg({"type": "seek", "frame": last}, [])  # released there
    assert app.compare.frame == last and app.compare.seq == seq + 1
    app.compare._handle_custom_msg({"type": "seek", "frame": last + 50}, [])
    assert app.compare.frame == last  # held to the shot
