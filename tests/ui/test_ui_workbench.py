"""The composed Workbench on a real (tiny) title: browse, grade, preview, scopes and decide."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

from workbench.model import propose
from workbench.title import Title, ingest, journal, latest_proposal, shot_status
from workbench.ui import DecisionBar, ShotBrowser, Workbench


@pytest.fixture(scope="module")
def title_path(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """street.mov (two shots, scene STREET) and face.mov (one shot), ingested and proposed."""
    root = tmp_path_factory.mktemp("ui") / "title"
    with Title.create(root, name="Tiny") as title:
        ingest(title, [tiny_dailies / "street.mov", tiny_dailies / "face.mov"], progress=False)
        propose(title, progress=False)
    return root


@pytest.fixture
def app(title_path: Path, tmp_path: Path) -> Workbench:
    import shutil

    copy = tmp_path / "title"
    shutil.copytree(title_path, copy)  # decisions of one test never leak into another
    wb = Workbench(copy, threaded=False)
    yield wb
    wb.close()


def _jpeg(data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return img


def test_opens_on_the_first_shot_with_its_proposal(app: Workbench):
    names = [r["name"] for r in app.browser.shots]
    assert names == ["street_001", "street_002", "face_001"]
    assert app.browser.selected == "street_001" == app.grade.shot == app.compare.shot
    proposal = latest_proposal(app.title, app.title.shot("street_001"))
    assert app.grade.strength == proposal.strength
    assert [s["operator"] for s in app.grade.spec] == [  # and the wheels' LiftGammaGain
        type(op).__name__ for op in proposal.pipeline] + ["LiftGammaGain"]
    assert app.compare.seq == 1 and app.scopes.seq == 1
    before, after = _jpeg(app.compare.before), _jpeg(app.compare.after)
    assert before.shape == after.shape == (68, 160, 3)
    assert (app.compare.source_width, app.compare.source_height) == (160, 68)
    assert app.compare.frame == app.title.shot("street_001").start_frame + 7


def test_strength_recomputes_the_preview(app: Workbench):
    app.select("street_002")
    seq, first = app.compare.seq, app.compare.after
    app.grade.strength = 0.0
    assert app.compare.seq == seq + 1 and app.compare.after != first
    # At strength 0 the preview is the source, pixel for pixel up to JPEG.
    diff = np.abs(_jpeg(app.compare.after).astype(int) - _jpeg(app.compare.before)).mean()
    assert diff < 1.0
    app.grade.strength = 1.0
    assert app.compare.seq == seq + 2
    assert np.abs(_jpeg(app.compare.after).astype(int) - _jpeg(app.compare.before)).mean() > 2
    assert {"pipeline", "display", "jpeg"} <= app.timings[-1].keys()
    assert app.scopes.seq == len(app.scope_timings) == app.compare.seq  # scopes followed
    state, paths, _ = _remove_buffers(app.compare.get_state())
    assert ["after"] in paths and ["before"] in paths and "after" not in state


def test_an_identical_request_renders_once(app: Workbench):
    """A key press on a slider sends `input` then `change`: the second must not render again."""
    app.select("street_002")
    app.grade.strength = 0.5
    seq = app.compare.seq
    app.grade.request_seq += 1  # the front end asks again with nothing changed
    assert app.compare.seq == seq
    app.grade.strength = 0.6
    assert app.compare.seq == seq + 1


def test_threaded_previews_follow_the_newest_strength(title_path: Path):
    wb = Workbench(title_path, threaded=True)
    try:
        assert wb.wait(60)
        for s in np.linspace(0.1, 0.9, 9):
            wb.grade.strength = float(s)
        assert wb.wait(60) and not wb._worker.errors
        shown = wb.compare.after
        wb._worker.submit(wb._seq + 1, (wb.preview, wb.grade.pipeline(), 0.9, wb._last_request[3]))
        assert wb.wait(60) and wb.compare.after == shown  # the last shown is strength 0.9
        assert wb.compare.seq <= 1 + 9 + 1
    finally:
        wb.close()


def test_decisions_are_journaled_with_the_strength(app: Workbench):
    app.select("street_002")
    proposal = latest_proposal(app.title, app.title.shot("street_002"))
    app.decision.note = "warmer"
    assert app.decision.decide("accept").verdict == "accept"
    app.grade.strength = round(proposal.strength / 2, 3)
    assert app.decision.plan["verdict"] == "adjust"
    app.decision._handle_custom_msg({"type": "decide", "verdict": "accept", "note": "half"}, [])
    entries = journal(app.title, app.title.shot("street_002"))
    half = round(proposal.strength / 2, 3)
    assert [(e.verdict, e.strength, e.note) for e in entries] == [
        ("accept", proposal.strength, "warmer"), ("adjust", half, "half")]
    assert app.decision.last["id"] == entries[-1].id
    assert shot_status(app.title, app.title.shot("street_002")) == "adjusted"
    assert app.browser.shots[1]["status"] == "adjusted"  # the browser followed

    app.select("face_001")
    app.decision.decide("reject", note="leave it")
    assert journal(app.title)[-1].verdict == "reject"


def test_edited_parameters_are_journaled_as_a_new_proposal(app: Workbench):
    app.select("street_002")
    op = app.grade.spec[0]["params"][0]["name"]
    app.grade.set_value(0, op, app.grade.values[0][op] + 0.05)
    decision = app.decision.decide("accept")
    assert decision.verdict == "adjust"
    assert decision.pipeline.to_dict()["operators"][0]["params"][op] == app.grade.values[0][op]
    assert latest_proposal(app.title, app.title.shot("street_002")).id == decision.proposal_id


def test_journal_errors_are_shown_not_raised(app: Workbench):
    assert app.decision.decide("maybe") is None
    assert app.decision.error.startswith("DecisionError: verdict must be one of")
    app.decision.strength = 7.0  # beyond the title's strength cap
    assert app.decision.decide("adjust") is None and "ParameterError" in app.decision.error
    assert journal(app.title) == []
    bar = DecisionBar(app.title)
    assert bar.decide("accept") is None and bar.error == "select a shot first"


def test_browser_statuses_flags_filters_and_thumbnails(app: Workbench):
    rows = [{"item": "street_002", "group": "STREET", "flag": True, "score": 7.5,
             "reasons": ["warmer than the anchor (ΔE 7.5)"]},
            {"item": "street_001", "group": "STREET", "flag": False, "score": 0.4,
             "reasons": []}]
    browser = ShotBrowser(app.title, continuity=rows)
    assert {r["status"] for r in browser.shots} == {"proposed"}
    assert [r["scene"] for r in browser.shots] == [app.title.shot(n).scene for n in (
        "street_001", "street_002", "face_001")]
    flagged = [r for r in browser.shots if r["flag"]]
    assert [(r["name"], r["reasons"], r["score"]) for r in flagged] == [
        ("street_002", ["warmer than the anchor (ΔE 7.5)"], 7.5)]
    browser.flagged_only = True
    assert [r["name"] for r in browser.visible()] == ["street_002"]
    browser.flagged_only = False
    browser.filter_scene = app.title.shot("face_001").scene
    assert [r["name"] for r in browser.visible()] == ["face_001"]
    browser.filter_status = "accepted"
    assert browser.visible() == []
    assert set(browser.thumbnails) == {"street_001", "street_002", "face_001"}
    assert _jpeg(browser.thumbnails["face_001"]).shape[1] == 160
    _, paths, _ = _remove_buffers(browser.get_state())
    assert ["thumbnails", "face_001"] in paths  # binary buffers, not base64
    browser.selected = "face_001"
    with pytest.raises(Exception, match="no shot"):
        browser.selected = "nope"

    app.browser.selected = "face_001"  # selecting in the browser drives the app
    assert app.grade.shot == "face_001" == app.decision.shot == app.compare.shot


def test_messages_on_another_thread_still_reach_the_journal(app: Workbench):
    # ipykernel may deliver a widget's message off the cell's thread; SQLite objects are
    # bound to their thread, so this failed in JupyterLab before titles were per thread.
    import threading

    app.select("street_001")
    worker = threading.Thread(target=lambda: app.decision._handle_custom_msg(
        {"type": "decide", "verdict": "reject", "note": "elsewhere"}, []))
    worker.start()
    worker.join(30)
    assert app.decision.error == ""
    assert [(e.shot, e.verdict, e.note) for e in journal(app.title)] == [
        ("street_001", "reject", "elsewhere")]
