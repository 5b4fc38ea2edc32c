"""The tags that let the browser keep frames: everything that determines the picture is in them."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.model import propose
from workbench.title import Title, ingest
from workbench.ui import Workbench


@pytest.fixture(scope="module")
def title_path(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ui-client-frames") / "title"
    with Title.create(root, name="Tiny") as title:
        ingest(title, [tiny_dailies / "street.mov"], progress=False)
        propose(title, progress=False)
    return root


def test_shown_frames_carry_the_grade_and_a_new_frame_or_shot_a_new_epoch(title_path: Path):
    wb = Workbench(title_path, threaded=False, select="street_002")
    try:
        tag = dict(wb.compare.after_tag)
        assert tag["epoch"] == wb.compare.cache_epoch >= 1
        assert tag["values"] == wb.grade.values and tag["bypass"] == wb.grade.bypass
        assert tag["strength"] == round(wb.grade.strength, 6) and tag["proxy"] is True
        assert tag["mode"] == wb.compare.mode
        assert wb.compare.grade_model == wb.grade.model_id

        wb.grade.strength = 0.25
        assert wb.compare.after_tag["strength"] == 0.25
        assert wb.compare.after_tag["epoch"] == tag["epoch"]  # same frame, same proposal

        name = wb.grade.spec[0]["params"][0]["name"]
        wb.grade.set_value(0, name, 1.2)  # a new grade: the values say so
        assert wb.compare.after_tag["values"][0][name] == 1.2 != tag["values"][0][name]

        wb.step_frame(1)  # another frame of the shot: a new epoch
        assert wb.compare.after_tag["epoch"] == wb.compare.cache_epoch == tag["epoch"] + 1
        other = next(s.name for s in wb.title.shots() if s.name != "street_002")
        wb.select(other)  # another shot: a new epoch again
        assert wb.compare.cache_epoch == tag["epoch"] + 2
    finally:
        wb.close()


def test_frames_rendered_ahead_are_sent_to_the_browser(title_path: Path):
    wb = Workbench(title_path, threaded=True, select="street_002")
    try:
        assert wb.wait(60)
        pushed = wb.client_frames.pushed
        wb.grade.strength = 0.5
        assert wb.wait(60)
        assert {(0.499, True), (0.501, True)} <= set(wb.ahead.frames)
        assert wb.client_frames.pushed >= pushed + 2  # each neighbour, as it was rendered
    finally:
        wb.close()


def test_a_pipeline_the_panel_no_longer_holds_gets_no_tag(title_path: Path):
    wb = Workbench(title_path, threaded=False, select="street_002")
    try:
        assert wb.preview is not None
        built = wb.grade.pipeline()
        name = wb.grade.spec[0]["params"][0]["name"]
        wb.grade.set_value(0, name, 1.3)  # the panel moved on after ``built`` was made
        wb.client_frames.note(wb.preview, wb._base, built)
        assert wb.client_frames.tag(built, 0.5, True) == {}  # shown, never kept
        newer = wb.grade.pipeline()
        wb.client_frames.note(wb.preview, wb._base, newer)
        assert wb.client_frames.tag(newer, 0.5, True)["values"][0][name] == 1.3
    finally:
        wb.close()
