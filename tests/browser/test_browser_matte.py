"""MatteView in a real JupyterLab and chromium: modes repaint, a key slider re-keys the plate."""

from __future__ import annotations

import nbformat
import pytest
from labserver import notebook_errors, open_notebook, run_all_cells
from testkit import shared_path

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]

NOTEBOOK = "matte_view.ipynb"
CELL = f"""
import cv2, numpy as np, torch
from workbench.color import convert_array
from workbench.matte.keyer import Keyer
from workbench.ui import MatteView
bgr = cv2.resize(cv2.imread({str(shared_path("keying", "greenremover_greenscreen_input.png"))!r}),
                 (240, 359), interpolation=cv2.INTER_AREA)
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
plate = torch.from_numpy(convert_array(rgb, "sRGB", "ACEScg")).permute(2, 0, 1)[None].contiguous()
view = MatteView(plate, Keyer(screen="green"), proxy_width=120)
view
"""

# The painted preview's mean grey level and a hash of its pixels.
PIXELS = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261 >>> 0, sum = 0;
  for (let i = 0; i < d.length; i += 1) { h = Math.imul(h ^ d[i], 16777619) >>> 0; sum += d[i]; }
  return {w: c.width, hash: h, mean: sum / d.length};
}"""


def _seq(page) -> int:
    return int(page.get_attribute("[data-testid=wb-matte-preview]", "data-frame-seq") or 0)


def _wait_newer(page, seq: int) -> None:
    page.wait_for_function(
        "s => { const i = document.querySelector('[data-testid=wb-matte-preview]');"
        " return Number(i.dataset.frameSeq) > s && i.complete && i.naturalWidth > 0; }",
        arg=seq, timeout=30_000)


def test_modes_and_a_slider_repaint_the_key(lab, page, artifacts):
    server, out = lab
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)], metadata={
        "kernelspec": {"display_name": "workbench", "language": "python", "name": "workbench"}})
    nbformat.write(nb, out.parent / "notebooks" / NOTEBOOK)
    open_notebook(page, server, NOTEBOOK)
    run_all_cells(page)
    page.wait_for_selector("[data-testid=wb-matte-view]", timeout=90_000)
    _wait_newer(page, 0)
    assert notebook_errors(page) == []
    assert page.locator("[data-testid=wb-key-clip_white]").count() == 1
    assert page.locator("[data-testid=wb-key-screen]").input_value() == "green"
    assert not page.locator("[data-testid=wb-matte-use-model]").is_visible()  # no model given

    seq = _seq(page)
    page.click("[data-testid=wb-matte-mode-matte]")
    _wait_newer(page, seq)
    matte = page.eval_on_selector("[data-testid=wb-matte-preview]", PIXELS)
    assert matte["w"] == 240

    # A lower clip white makes more of the raw key solid: the matte gets brighter.
    seq = _seq(page)
    page.locator("[data-testid=wb-key-clip_white]").fill("0.6")
    _wait_newer(page, seq)
    page.wait_for_function("() => !document.querySelector('[data-testid=wb-matte-info]')"
                           ".textContent.includes('proxy')", timeout=30_000)
    brighter = page.eval_on_selector("[data-testid=wb-matte-preview]", PIXELS)
    assert brighter["w"] == 240 and brighter["mean"] > matte["mean"]

    seq = _seq(page)
    page.click("[data-testid=wb-matte-mode-overlay]")
    _wait_newer(page, seq)
    overlay = page.eval_on_selector("[data-testid=wb-matte-preview]", PIXELS)
    assert overlay["hash"] != brighter["hash"]
    page.screenshot(path=str(artifacts / "matte_view.png"))
    assert notebook_errors(page) == []
