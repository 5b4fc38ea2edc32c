"""Frames rendered ahead of the next slider move, and renders no larger than the viewer shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.model import propose
from workbench.title import Title, ingest
from workbench.ui import Workbench


@pytest.fixture(scope="module")
def title_path(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ui-ahead") / "title"
    with Title.create(root, name="Tiny") as title:
        ingest(title, [tiny_dailies / "street.mov"], progress=False)
        propose(title, progress=False)
    return root


def test_the_next_arrow_key_finds_its_frame_rendered(title_path: Path):
    wb = Workbench(title_path, threaded=True, select="street_002")
    try:
        wb.grade.strength = 0.5
        assert wb.wait(60)
        assert {(0.499, True), (0.501, True)} <= set(wb.ahead.frames)
        hits, renders = wb.ahead.hits, len(wb.timings)
        wb.grade.strength = 0.501  # one key press right
        assert wb.wait(60)
        assert wb.ahead.hits == hits + 1  # shown from the frame made ahead
        ahead = wb.compare.after
        fresh = wb.preview.render(wb.grade.pipeline(), 0.501, proxy=True).jpeg
        assert ahead == fresh  # the same pixels a render on request gives
        assert len(wb.timings) >= renders  # only frames ahead were rendered meanwhile
        assert (0.502, True) in wb.ahead.frames  # and the next one, on in that direction
        assert (0.503, True) in wb.ahead.frames  # and one more: a slow render has time in hand
        wb.grade.set_value(0, wb.grade.spec[0]["params"][0]["name"], 1.2)
        assert wb.wait(60)
        assert all(s != 0.501 for s, _ in wb.ahead.frames)  # another grade: none kept
    finally:
        wb.close()


def test_full_resolution_only_when_the_viewer_shows_more_than_the_proxy(title_path: Path):
    wb = Workbench(title_path, threaded=False, proxy_width=64, select="street_002")
    try:
        assert wb.compare.proxy  # fit in a viewer no wider than the proxy: the proxy
        wb.compare.display_width = 160  # zoomed to 1:1 on the 160 px source
        assert not wb.compare.proxy and wb._last_request[3] is False
        wb.compare.display_width = 60
        assert wb.compare.proxy
    finally:
        wb.close()


def test_nothing_is_rendered_ahead_during_a_drag(title_path: Path):
    wb = Workbench(title_path, threaded=True, select="street_002")
    try:
        assert wb.wait(60)
        wb.ahead.frames.clear()
        wb.grade.dragging = True
        wb.grade.strength = 0.37
        assert wb.wait(60) and wb.ahead.frames == {}
        wb.grade.dragging = False  # released: the frame at rest, and its neighbours ahead
        assert wb.wait(60) and (0.371, True) in wb.ahead.frames
    finally:
        wb.close()
