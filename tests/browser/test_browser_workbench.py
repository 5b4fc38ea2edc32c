"""Notebook 03 in a real JupyterLab and chromium: the slider repaints, Accept is journaled."""

from __future__ import annotations

import time

import pytest
from labserver import notebook_errors, open_notebook, run_all_cells

from workbench.title import Title, journal

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]

# Pixels of the preview as painted: drawn onto a canvas, summed per channel and hashed.
PREVIEW_PIXELS = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261 >>> 0, sum = 0;
  for (let i = 0; i < d.length; i += 1) { h = Math.imul(h ^ d[i], 16777619) >>> 0; sum += d[i]; }
  return {w: c.width, h: c.height, hash: h, mean: sum / d.length};
}"""


def _seq(page) -> int:
    return int(page.get_attribute("[data-testid=wb-preview]", "data-frame-seq") or 0)


def _journal(out) -> list:
    with Title.open(out / "title") as title:
        return journal(title)


def test_slider_repaints_the_preview_and_accept_is_journaled(lab, page, artifacts):
    server, out = lab
    open_notebook(page, server, "03_grade_and_decide.ipynb")
    run_all_cells(page)
    # The sample title is made on first run (~10 s on 2 cores), then the app paints a frame.
    page.wait_for_selector("[data-testid=wb-compare]", timeout=120_000)
    for testid in ("wb-grade-panel", "wb-scopes", "wb-shot-browser", "wb-decision-bar"):
        page.wait_for_selector(f"[data-testid={testid}]", timeout=30_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=wb-preview]');"
        " return i && Number(i.dataset.frameSeq) > 0 && i.complete && i.naturalWidth > 0; }",
        timeout=60_000)
    assert notebook_errors(page) == []
    decided_before = len(_journal(out))

    slider = page.locator("[data-testid=wb-strength]")
    start_value = float(slider.input_value())
    seq = _seq(page)
    pixels = page.eval_on_selector("[data-testid=wb-preview]", PREVIEW_PIXELS)
    # Far from where it is for a visible change, but not off: the screenshot shows a blend.
    target = 0.35 if start_value > 0.5 else 1.0
    slider.fill(str(target))
    page.wait_for_function(
        "s => Number(document.querySelector('[data-testid=wb-preview]').dataset.frameSeq) > s",
        arg=seq, timeout=30_000)
    # A drag paints the proxy, the release the full frame: wait until the painting settles.
    settled, last = time.monotonic(), _seq(page)
    while time.monotonic() - settled < 1.5:
        page.wait_for_timeout(250)
        if _seq(page) != last:
            settled, last = time.monotonic(), _seq(page)
    moved = page.eval_on_selector("[data-testid=wb-preview]", PREVIEW_PIXELS)
    assert _seq(page) > seq
    assert moved["hash"] != pixels["hash"], "the preview's pixels did not change"
    assert abs(moved["mean"] - pixels["mean"]) > 0.5, (pixels, moved)
    strength = float(slider.input_value())

    page.locator("[data-testid=wb-accept]").click()
    # The bar reports the journaled decision (or an error) once the kernel has written it.
    page.wait_for_function(
        "() => ['wb-last-decision', 'wb-decision-error'].some(id =>"
        " document.querySelector(`[data-testid=${id}]`).textContent.trim())", timeout=30_000)
    page.locator("[data-testid=wb-compare]").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "browser_workbench_03.png"), full_page=False)
    assert page.text_content("[data-testid=wb-decision-error]").strip() == ""
    assert "Journaled" in page.text_content("[data-testid=wb-last-decision]")
    decisions = _journal(out)
    assert len(decisions) == decided_before + 1, "Accept did not reach the journal"
    latest = decisions[-1]
    assert latest.shot == "bikes_001"
    # Accept at a strength other than the proposal's is journaled as an adjust at that strength.
    assert latest.verdict == "adjust"
    assert latest.strength == pytest.approx(strength, abs=1e-3)
    assert notebook_errors(page) == []
