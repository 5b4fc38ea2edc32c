"""The app in notebook 03 as an artist drives it: keys, clicks, edits and undo, in chromium.

One JupyterLab and one page for every check (each step starts where the last one left off).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labserver import LabServer, notebook_app, notebook_errors

from workbench.title import Title, journal

# The first test's time includes making the sample title (~10 s quiet, minutes on a busy machine).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(480)]

CELLS = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.map(c => c.model.type);
}"""


@pytest.fixture(scope="module")
def app_page(lab: tuple[LabServer, Path]) -> Iterator[tuple[Any, Path]]:
    """Notebook 03 run in chromium, its app painted; yields the page and the notebooks' OUT."""
    server, out = lab
    with notebook_app(server, "[data-testid=wb-keymap] kbd") as page:
        yield page, out


def _journal(out: Path) -> list:
    with Title.open(out / "title") as title:
        return journal(title)


def _settle(page: Any, ms: int = 600) -> None:
    """Let the kernel answer (widget messages round-trip) and the page repaint."""
    page.wait_for_timeout(ms)


def _selected(page: Any) -> str:
    return page.get_attribute("[data-testid=wb-shot-card][aria-selected=true]", "data-shot")


def test_keys_after_clicking_app_buttons_never_reach_the_notebook(app_page):
    page, _ = app_page
    cells = page.evaluate(CELLS)
    for target in ("[data-testid=wb-fit]", "[data-testid=wb-one-to-one]",
                   "[data-testid=wb-compare] [data-mode=split]",
                   "[data-testid=wb-compare] [data-mode=wipe]",
                   "[data-testid=wb-scopes] button >> nth=0",
                   "[data-testid=wb-undo]", "[data-testid=wb-keymap]"):
        page.locator(target).first.click(force=True)
        for key in ("d", "d", "m", "x", "a", "b"):
            page.keyboard.press(key)
        _settle(page, 150)
        assert page.evaluate(CELLS) == cells, f"a notebook shortcut fired after clicking {target}"
    assert page.is_visible("[data-testid=wb-compare]")


def test_a_double_click_on_accept_is_one_entry_and_the_note_is_cleared(app_page):
    page, out = app_page
    count = len(_journal(out))
    page.fill("[data-testid=wb-note]", "warm it up")
    page.dispatch_event("[data-testid=wb-note]", "change")
    page.dblclick("[data-testid=wb-accept]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=wb-last-decision]').textContent.trim()",
        timeout=30_000)
    _settle(page, 1500)  # a second entry, if one were coming, would be written by now
    entries = _journal(out)
    assert len(entries) == count + 1
    assert entries[-1].note == "warm it up" and entries[-1].verdict == "accept"
    assert page.input_value("[data-testid=wb-note]") == ""
    assert not page.is_disabled("[data-testid=wb-accept]")  # back once the kernel answered
    assert page.is_disabled("[data-testid=wb-adjust]")  # nothing changed: nothing to adjust


def test_an_edit_survives_a_shot_switch_and_undo_restores(app_page, artifacts):
    page, _ = app_page
    slider = page.locator("[data-testid=wb-strength]")
    start = float(slider.input_value())
    target = round(0.35 if start > 0.5 else 0.9, 3)
    slider.fill(str(target))
    page.wait_for_function("() => document.querySelector('[data-testid=wb-edited]')"
                           ".textContent.includes('edited')", timeout=30_000)
    page.wait_for_function("() => document.querySelector('[data-testid=wb-accept]')"
                           ".textContent === 'accept as adjust'", timeout=30_000)
    here = _selected(page)
    other = page.locator(f"[data-testid=wb-shot-card]:not([data-shot={here}])").first
    other_name = other.get_attribute("data-shot")
    other.click()
    page.wait_for_function("n => document.querySelector('[data-testid=wb-grade-panel]')"
                           ".textContent.includes(n)", arg=other_name, timeout=30_000)
    assert page.is_visible(f"[data-shot={here}] [data-testid=wb-shot-edited]")
    page.click(f"[data-testid=wb-shot-card][data-shot={here}]")
    page.wait_for_function("n => document.querySelector('[data-testid=wb-grade-panel]')"
                           ".textContent.includes(n)", arg=here, timeout=30_000)
    _settle(page)
    assert float(slider.input_value()) == pytest.approx(target, abs=1e-3)
    page.screenshot(path=str(artifacts / "browser_app_edited.png"))
    page.click("[data-testid=wb-undo]")
    page.wait_for_function("v => Math.abs(Number(document.querySelector("
                           "'[data-testid=wb-strength]').value) - v) < 1e-3", arg=start,
                           timeout=30_000)
    page.wait_for_function("() => document.querySelector('[data-testid=wb-accept]')"
                           ".textContent === 'accept'", timeout=30_000)
    page.click("[data-testid=wb-redo]")
    page.wait_for_function("v => Math.abs(Number(document.querySelector("
                           "'[data-testid=wb-strength]').value) - v) < 1e-3", arg=target,
                           timeout=30_000)


def test_typed_values_double_click_reset_and_bypass(app_page, artifacts):
    page, _ = app_page
    slider = page.locator("[data-testid=wb-strength]")
    field = page.locator("[data-testid=wb-strength-value]")
    field.fill("0.42")
    field.press("Enter")
    page.wait_for_function("() => Math.abs(Number(document.querySelector("
                           "'[data-testid=wb-strength]').value) - 0.42) < 1e-6", timeout=30_000)
    page.wait_for_function("() => document.querySelector('[data-testid=wb-accept]')"
                           ".textContent === 'accept as adjust'", timeout=30_000)
    slider.dblclick()  # back to the proposal's strength
    page.wait_for_function("() => document.querySelector('[data-testid=wb-accept]')"
                           ".textContent === 'accept'", timeout=30_000)
    proposed = float(slider.input_value())
    assert proposed != pytest.approx(0.42, abs=1e-3)
    seq = int(page.get_attribute("[data-testid=wb-preview]", "data-frame-seq"))
    page.locator("[data-testid=wb-bypass]").first.click()
    page.wait_for_function("() => document.querySelector('[data-testid=wb-bypass]')"
                           ".getAttribute('aria-pressed') === 'true'", timeout=30_000)
    page.wait_for_function("() => document.querySelector('[data-testid=wb-plan]')"
                           ".textContent.includes('bypassed')", timeout=30_000)
    page.wait_for_function("s => Number(document.querySelector('[data-testid=wb-preview]')"
                           ".dataset.frameSeq) > s", arg=seq, timeout=30_000)
    page.screenshot(path=str(artifacts / "browser_app_bypass.png"))
    page.click("[data-testid=wb-undo]")  # the bypass is one undo step
    page.wait_for_function("() => document.querySelector('[data-testid=wb-bypass]')"
                           ".getAttribute('aria-pressed') === 'false'", timeout=30_000)


def test_the_layout_holds_across_shots_and_the_scrubber_shows_other_frames(app_page, artifacts):
    page, _ = app_page
    here = _selected(page)
    try:
        _check_layout_and_scrubber(page, artifacts)
    finally:  # the next checks start from the shot this one started on
        page.click(f"[data-testid=wb-shot-card][data-shot={here}]")
        page.wait_for_function("n => document.querySelector('[data-testid=wb-frame-info]')"
                               ".textContent.includes(n)", arg=here, timeout=30_000)


def _relative_box(page: Any, selector: str) -> dict[str, float]:
    """``selector``'s box relative to the app's own (the page may scroll)."""
    return page.evaluate("""s => {
      const a = document.querySelector('.wb-app').getBoundingClientRect();
      const b = document.querySelector(s).getBoundingClientRect();
      return {x: b.left - a.left, y: b.top - a.top, width: b.width, height: b.height};
    }""", selector)


def _check_layout_and_scrubber(page: Any, artifacts: Path) -> None:
    page.evaluate("window.jupyterapp.shell.collapseLeft()")  # as the issue measured it
    _settle(page)
    box = _relative_box(page, "[data-testid=wb-compare] .wb-viewport")
    accept = _relative_box(page, "[data-testid=wb-accept]")
    last = page.locator("[data-testid=wb-shot-card]").last  # another clip, another shape
    name = last.get_attribute("data-shot")
    last.click()
    page.wait_for_function("n => document.querySelector('[data-testid=wb-frame-info]')"
                           ".textContent.includes(n)", arg=name, timeout=30_000)
    _settle(page)
    assert _relative_box(page, "[data-testid=wb-compare] .wb-viewport") == box
    assert _relative_box(page, "[data-testid=wb-accept]") == accept
    # 670x285 px before, at 1400x1000 with the file browser closed: now 16:9 at that width.
    assert box["width"] >= 600 and box["height"] >= 0.56 * box["width"] > 330, box
    scrub = page.locator("[data-testid=wb-scrub]")
    end = scrub.get_attribute("max")
    scrub.fill(end)
    page.wait_for_function("f => document.querySelector('[data-testid=wb-frame-info]')"
                           ".textContent.includes(`frame ${f}`)", arg=end, timeout=30_000)
    page.screenshot(path=str(artifacts / "browser_app_other_shot.png"))


BEFORE_MEAN = """() => {
  const img = document.querySelector('[data-testid=wb-compare] img[alt=before]');
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let sum = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
  return {w: c.width, h: c.height, mean: sum.map(v => v / (d.length / 4))};
}"""


def test_the_anchor_wipe_shows_the_anchors_pixels_and_the_handle_moves_it(app_page, artifacts):
    import cv2
    import numpy as np

    from workbench.ui import ShotPreview

    page, out = app_page
    shot = "bikes_001"  # not its scene's anchor
    page.click(f"[data-testid=wb-shot-card][data-shot={shot}]")
    page.wait_for_function("n => document.querySelector('[data-testid=wb-frame-info]')"
                           ".textContent.includes(n)", arg=shot, timeout=30_000)
    with Title.open(out / "title") as title:
        anchor = title.anchor(title.shot(shot).scene)
        assert anchor is not None and anchor.name != shot
        jpeg = ShotPreview(anchor).before(proxy=True)
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    expected = bgr[..., ::-1].reshape(-1, 3).mean(0)
    source = page.evaluate(BEFORE_MEAN)
    page.select_option("[data-testid=wb-reference]", "anchor")
    page.wait_for_function("n => document.querySelector("
                           "'[data-testid=wb-compare] .wb-label-before').textContent.includes(n)",
                           arg=anchor.name, timeout=30_000)
    page.wait_for_function("() => { const i = document.querySelector("
                           "'[data-testid=wb-compare] img[alt=before]'); return i.complete; }")
    _settle(page)
    shown = page.evaluate(BEFORE_MEAN)
    assert (shown["w"], shown["h"]) == (bgr.shape[1], bgr.shape[0])
    assert np.abs(np.array(shown["mean"]) - expected).max() < 1.0  # the anchor's pixels
    assert np.abs(np.array(source["mean"]) - expected).max() > 1.0  # not the source's
    handle = page.locator("[data-testid=wb-wipe-handle]")
    assert handle.is_visible()
    box = handle.bounding_box()
    view = page.locator("[data-testid=wb-compare] .wb-viewport").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(view["x"] + view["width"] * 0.25, y, steps=5)
    page.mouse.up()
    clip = page.eval_on_selector("[data-testid=wb-compare] .wb-pane-after", "e => e.style.clipPath")
    assert clip.startswith("inset(0px 0px 0px 2") or "inset(0 0 0 2" in clip, clip
    page.screenshot(path=str(artifacts / "browser_app_anchor_wipe.png"))
    page.select_option("[data-testid=wb-reference]", "source")


def test_the_key_map_is_shown_and_its_keys_work(app_page, artifacts):
    page, out = app_page
    keymap = page.text_content("[data-testid=wb-keymap]")
    for words in ("next shot", "previous shot", "accept", "reject", "before/after", "undo"):
        assert words in keymap
    cells = page.evaluate(CELLS)
    page.click("[data-testid=wb-keymap]")  # focus inside the app, on no control
    first = _selected(page)
    page.keyboard.press("n")
    page.wait_for_function("s => document.querySelector("
                           "'[data-testid=wb-shot-card][aria-selected=true]').dataset.shot != s",
                           arg=first, timeout=30_000)
    page.keyboard.press("p")
    page.wait_for_function("s => document.querySelector("
                           "'[data-testid=wb-shot-card][aria-selected=true]').dataset.shot == s",
                           arg=first, timeout=30_000)
    page.wait_for_function("n => document.querySelector('[data-testid=wb-grade-panel]')"
                           ".textContent.includes(n)", arg=first, timeout=30_000)
    page.keyboard.press("t")
    assert page.get_attribute("[data-testid=wb-compare]", "data-showing") == "before"
    page.screenshot(path=str(artifacts / "browser_app_before.png"))
    page.keyboard.press("t")
    count = len(_journal(out))
    page.keyboard.press("f")  # reject
    page.wait_for_function("() => document.querySelector('[data-testid=wb-last-decision]')"
                           ".textContent.includes('rejected')", timeout=30_000)
    entries = _journal(out)
    assert len(entries) == count + 1 and entries[-1].verdict == "reject"
    assert entries[-1].strength is None and entries[-1].shot == first
    assert page.evaluate(CELLS) == cells
    assert notebook_errors(page) == []
