"""Playback of a shot's frames through the grade, and the colour wheels' LiftGammaGain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.ops import CDL, LiftGammaGain, Pipeline, Saturation
from workbench.title import journal, latest_proposal
from workbench.ui import ShotPreview, Workbench
from workbench.ui.decision import pipeline_changes
from workbench.ui.grade import GradePanel
from workbench.ui.playback import play_plan


class Sent:
    """Every custom message the compare view sends (still sent on: a recorder, not a stub)."""

    def __init__(self, app: Workbench, then: Any = None) -> None:
        self.messages: list[tuple[dict[str, Any], list[bytes]]] = []
        send, self.then = app.compare.send, then

        def record(content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
            self.messages.append((content, list(buffers or [])))
            send(content, buffers)
            if self.then is not None:
                self.then(content)

        app.compare.send = record  # type: ignore[method-assign]

    def types(self) -> list[str]:
        return [m["type"] for m, _ in self.messages]


def test_play_streams_every_frame_of_the_shot_as_its_preview_renders_it(app: Workbench):
    app.select("street_002")
    app.grade.strength = 0.6  # not the proposal's: the frames follow the panel
    shot = app.title.shot("street_002")
    sent = Sent(app)
    key = app.play()
    assert key and app.compare.playing
    begin, *frames, ready = sent.messages
    assert begin[0]["type"] == "play-begin" and ready[0] == {"type": "play-ready", "key": key}
    assert begin[0]["count"] == shot.frame_count == len(frames)
    assert begin[0]["fps"] == pytest.approx(shot.clip.fps)
    assert begin[0]["first"] == shot.clip.first_frame + shot.start_frame
    assert begin[0]["before"] is True  # compared against the source: both sides play
    assert [m["index"] for m, _ in frames] == list(range(shot.frame_count))
    pipeline = app.grade.pipeline()
    for i in (0, shot.frame_count - 1):
        preview = ShotPreview(shot, frame=shot.start_frame + i, proxy_width=app.proxy_width)
        after, before = frames[i][1]
        assert after == preview.render(pipeline, 0.6, proxy=True).jpeg  # the graded pixels
        assert before == preview.before(proxy=True)
    assert frames[0][1][0] != frames[-1][1][0]  # the frames move


def test_the_same_grade_plays_again_without_rendering(app: Workbench):
    key = app.play()
    sent = Sent(app)
    assert app.play(have=key) == key
    assert sent.types() == ["play-ready"]
    app.grade.strength = app.grade.strength / 2
    assert app.play(have=key) != key and sent.types()[-1] == "play-ready"
    assert "play-frame" in sent.types()


def test_an_edit_a_frame_step_a_reference_or_a_shot_switch_stops_playback(app: Workbench):
    app.select("street_002")  # not its scene's anchor: it can be compared against it
    for stop in (lambda: setattr(app.grade, "strength", app.grade.strength * 0.5),
                 lambda: app.step_frame(1), lambda: app.set_reference("anchor"),
                 lambda: app.grade.set_values(app.grade.wheels, {"gain_r": 1.2}),
                 lambda: app.select("face_001")):
        app.play()
        assert app.compare.playing
        stop()
        assert not app.compare.playing


def test_an_edit_while_frames_render_cancels_them(app: Workbench):
    app.select("street_002")
    sent = Sent(app, then=lambda m: m["type"] == "play-frame" and m["index"] == 1
                and setattr(app.grade, "strength", 0.3))
    app.play()
    types = sent.types()
    assert types[-1] == "play-cancel" and "play-ready" not in types
    assert types.count("play-frame") == 2 and not app.compare.playing


def test_a_long_shot_plays_a_window_from_the_frame_shown(app: Workbench):
    shot = app.title.shot("street_002")
    plan = play_plan(shot, shot.start_frame + 3, max_frames=4)
    assert (plan.start, plan.count) == (shot.start_frame + 3, 4)
    plan = play_plan(shot, shot.end_frame - 1, max_frames=4)
    assert plan.stop == shot.end_frame and plan.count == 4
    assert len(play_plan(shot).timecodes) == shot.frame_count


def test_a_chain_without_lift_gamma_gain_gets_identity_wheels_left_out_until_used():
    chain = Pipeline([CDL(slope_r=1.3), Saturation(saturation=1.2)])
    panel = GradePanel(chain, strength=0.8)
    assert panel.wheels == 2 and panel.wheels_added
    assert [s["operator"] for s in panel.spec] == ["CDL", "Saturation", "LiftGammaGain"]
    assert panel.pipeline() == chain and not panel.edited and panel.undo_depth == 0
    # A drag of the gain wheel: three channel values at once, one undo step.
    panel.dragging = True
    for r in (1.05, 1.1, 1.15):
        panel.set_values(2, {"gain_r": r, "gain_g": 0.97, "gain_b": 0.96})
    panel.dragging = False
    assert panel.undo_depth == 1 and panel.edited
    wheels = panel.pipeline().operators[2]
    assert isinstance(wheels, LiftGammaGain) and wheels.gain_r == pytest.approx(1.15)
    changes = pipeline_changes(chain, panel.pipeline())
    assert changes[0] == "LiftGammaGain added"
    assert "LiftGammaGain.gain_r 1.000 → 1.150" in changes
    # A double click on the disc resets its three values (one step); the master stays.
    panel.set_value(2, "gain", 1.2)
    panel._handle_custom_msg({"type": "reset", "operator": 2,
                              "names": ["gain_r", "gain_g", "gain_b"]}, [])
    assert panel.values[2]["gain_r"] == 1.0 and panel.values[2]["gain"] == 1.2
    assert panel.undo_depth == 3
    panel.undo()
    assert panel.values[2]["gain_r"] == pytest.approx(1.15)


def test_wheels_on_a_shot_with_nothing_proposed_grade_it_at_once():
    panel = GradePanel(Pipeline(), strength=0.0)  # a shot with no proposal loads at strength 0
    assert panel.wheels_added and panel.graded() == Pipeline()
    panel.set_values(0, {"gain_r": 1.2, "gain_g": 1.0, "gain_b": 0.9})
    # The wheels are the whole grade: the strength rises with them, or the drag would show nothing.
    assert panel.strength == 1.0 and panel.undo_depth == 1
    wheels = panel.graded().operators[0]
    assert isinstance(wheels, LiftGammaGain) and wheels.gain_r == pytest.approx(1.2)
    assert wheels.strength == 1.0
    panel.undo()
    assert panel.strength == 0.0 and panel.values[0]["gain_r"] == 1.0


def test_a_chain_with_lift_gamma_gain_puts_the_wheels_on_it():
    chain = Pipeline([LiftGammaGain(gain_r=1.1, lift_b=0.02), Saturation(saturation=1.2)])
    panel = GradePanel(chain)
    assert panel.wheels == 0 and not panel.wheels_added and len(panel.spec) == 2
    assert panel.values[0]["gain_r"] == 1.1  # the wheels show the proposed values


def test_a_wheel_adjust_is_journaled_with_what_changed(app: Workbench):
    app.select("street_002")
    app.grade.set_values(app.grade.wheels, {"lift_b": 0.02, "lift_r": -0.01})
    assert "LiftGammaGain added" in app.decision.plan["changes"]
    app.decision._handle_custom_msg({"type": "decide", "verdict": "accept", "note": "",
                                     "seen": app.decision.journaled}, [])
    entry = journal(app.title)[-1]
    edited = latest_proposal(app.title, app.title.shot("street_002"))
    assert entry.verdict == "adjust" and entry.proposal_id == edited.id
    assert "LiftGammaGain.lift_b 0.000 → 0.020" in edited.summary
    assert isinstance(edited.pipeline.operators[-1], LiftGammaGain)


def test_a_seek_asked_for_on_a_shot_no_longer_shown_is_ignored(app: Workbench):
    app.select("street_002")
    frame = app.compare.frame
    app.compare._handle_custom_msg({"type": "seek", "frame": frame + 2, "shot": "street_001"}, [])
    assert app.compare.frame == frame
    app.compare._handle_custom_msg({"type": "seek", "frame": frame + 2, "shot": "street_002"}, [])
    assert app.compare.frame == frame + 2


def test_the_apps_keys_are_no_jupyterlab_notebook_shortcuts():
    """Space plays (K and L, an editor's, would be JupyterLab's keys outside the app)."""
    import json
    import sys

    from workbench.ui.keys import KEYMAP

    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas" / "@jupyterlab"
    taken = {" ".join(s["keys"]).upper() for f in schemas.glob("*/*.json")
             for s in json.loads(f.read_text()).get("jupyter.lab.shortcuts", [])
             if "commandMode" in s.get("selector", "") or s.get("selector") == "body"}
    assert taken, f"{schemas}: JupyterLab's shortcut schemas (installed with the dev extras)"
    assert {"K", "J"} <= taken  # the check can fail: an editor's keys are taken
    single = [k for k, _a, _l in KEYMAP if not k.startswith("Ctrl+")]
    assert (" ", "play", "play/pause") in KEYMAP
    names = ["SPACE" if k == " " else k.upper() for k in single]
    assert not [k for k in names if k in taken]
