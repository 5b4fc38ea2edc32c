"""The viewer's client-side frame cache in a real JupyterLab and chromium: never a stale picture.

Frames the kernel renders ahead are held by the page, which paints one the moment the strength
slider reaches it. A frame held for one grade must never be painted once the grade has changed:
here a grade parameter is changed and the strength moved, at once, to a strength held under the
old grade; every frame painted from then on must be the new grade's.
"""

from __future__ import annotations

from typing import Any

import cv2
import nbformat
import pytest
from labserver import notebook_errors, open_notebook, run_all_cells, wait_kernel_idle
from testkit import shared_path

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

NOTEBOOK = "frame_cache.ipynb"
CELL = """
from workbench.ops import CDL, Contrast, Pipeline, Saturation
from workbench.title import Title, add_proposal, ingest
from workbench.ui import Workbench

with Title.create(TITLE_DIR, name="frame cache") as title:
    (shot,) = ingest(title, [FRAME], progress=False)
    add_proposal(title, shot, Pipeline([CDL(slope_r=1.15, slope_b=0.9, saturation=1.1),
                                        Contrast(contrast=1.25), Saturation(saturation=1.2)]),
                 model_version="test", strength=0.9, confidence=1.0, summary="fixed grade")
app = Workbench(TITLE_DIR, select=shot.name)
app.wait()
app
"""

# Every frame painted from now on: where it came from and its mean red, green and blue.
RECORD = """() => {
  const img = document.querySelector('[data-testid=wb-preview]');
  const seen = [];
  window.__painted = seen;
  new MutationObserver(() => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) {
      sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2];
    }
    seen.push({from: img.dataset.frameFrom, mean: sum.map(v => v / (d.length / 4))});
  }).observe(img, {attributes: true, attributeFilter: ['data-frame-seq']});
}"""

STRENGTH = "[data-testid=wb-strength]"


def _seq(page: Any) -> int:
    return int(page.get_attribute("[data-testid=wb-preview]", "data-frame-seq") or 0)


def _press(page: Any, key: str) -> dict[str, Any]:
    """Press ``key`` on the strength slider; the frame painted for it (first paint after)."""
    seen = page.evaluate("window.__painted.length")
    page.locator(STRENGTH).press(key)
    page.wait_for_function("n => window.__painted.length > n", arg=seen, timeout=30_000)
    return page.evaluate("n => window.__painted[n]", seen)


def _settle(page: Any) -> None:
    """Until the kernel is idle and has sent the frames it renders ahead."""
    wait_kernel_idle(page)
    page.wait_for_timeout(1500)


def test_a_frame_held_for_an_older_grade_is_never_painted(lab, page, tmp_path, artifacts):
    server, out = lab
    bgr = cv2.imread(str(shared_path("photo", "jxl_flower.png")), cv2.IMREAD_COLOR)
    frame = tmp_path / "daisies.png"
    cv2.imwrite(str(frame), cv2.resize(bgr, (384, 256), interpolation=cv2.INTER_AREA))
    head = f"TITLE_DIR = {str(tmp_path / 'title')!r}\nFRAME = {str(frame)!r}\n"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(head + CELL)], metadata={
        "kernelspec": {"display_name": "workbench", "language": "python", "name": "workbench"}})
    nbformat.write(nb, out.parent / "notebooks" / NOTEBOOK)
    open_notebook(page, server, NOTEBOOK)
    run_all_cells(page)
    page.wait_for_function("() => { const i = document.querySelector('[data-testid=wb-preview]');"
                           " return i && Number(i.dataset.frameSeq) > 0; }", timeout=180_000)
    assert notebook_errors(page) == []
    page.evaluate(RECORD)
    _settle(page)

    # Positive control: back to a strength shown before, the held frame paints, no kernel.
    _press(page, "ArrowRight")
    _settle(page)
    _press(page, "ArrowLeft")
    _settle(page)
    _press(page, "ArrowRight")
    _settle(page)
    back = _press(page, "ArrowLeft")
    assert back["from"] == "cache", back
    old = back["mean"]  # the old grade at this strength, held by the page
    _press(page, "ArrowRight")
    _settle(page)
    assert int(page.get_attribute("[data-testid=wb-compare]", "data-kept-frames")) >= 2

    # A new grade (the CDL's red slope to its slider's top), then at once the strength back to
    # the one held under the old grade.
    painted = page.evaluate("window.__painted.length")
    slope = page.locator("[data-param=slope_r] input.wb-range")
    slope.fill(slope.get_attribute("max"))
    page.locator(STRENGTH).press("ArrowLeft")
    _settle(page)
    after = page.evaluate("n => window.__painted.slice(n)", painted)
    page.screenshot(path=str(artifacts / "browser_cache_new_grade.png"))
    assert after, "nothing was painted after the grade changed"
    new = after[-1]["mean"]  # the kernel's frame of the new grade, at the held strength
    assert new[0] - old[0] > 10, (old, new)  # the red slope rose: a different picture
    for shown in after:  # every frame painted since the change is the new grade's
        assert abs(shown["mean"][0] - new[0]) < abs(shown["mean"][0] - old[0]), (shown, old, new)
    assert float(page.locator(STRENGTH).input_value()) == pytest.approx(0.9, abs=1e-6)
    assert notebook_errors(page) == []
