"""The viewer's playback and the grade panel's colour wheels, in notebook 03 in chromium.

One JupyterLab and one page for every check (each step starts where the last one left off).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from labserver import (
    LabServer,
    notebook_app,
    notebook_errors,
)

from workbench.title import Title, latest_proposal
from workbench.ui import ShotPreview

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(480)]

SHOT = "bikes_001"

# The frame the player drew last, its number and its pixels, read in one task (no draw between).
PLAYED = """() => {
  const c = document.querySelector('[data-testid=wb-play-after]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  return {frame: Number(c.dataset.frame), seq: Number(c.dataset.playSeq), w: c.width,
          h: c.height, t: performance.now(), pixels: Array.from(d)};
}"""
PLAY_STATE = """() => {
  const r = document.querySelector('[data-testid=wb-compare]');
  const c = document.querySelector('[data-testid=wb-play-after]');
  return {play: r.dataset.play, fps: Number(r.dataset.playFps || 0),
          dropped: Number(r.dataset.playDropped || 0), seq: Number(c.dataset.playSeq),
          frame: Number(c.dataset.frame), t: performance.now(),
          status: document.querySelector('[data-testid=wb-play-status]').textContent,
          info: document.querySelector('[data-testid=wb-frame-info]').textContent};
}"""
BEFORE_PLAYED = """() => {
  const c = document.querySelector('[data-testid=wb-play-before]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i] * (1 + (i % 7));
  return {visible: getComputedStyle(c).display !== 'none', sum};
}"""
# Mean R, G, B of the kernel's preview as the page shows it.
PREVIEW_MEAN = """() => {
  const img = document.querySelector('[data-testid=wb-preview]');
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
  return sum.map(v => v / (d.length / 4));
}"""


@pytest.fixture(scope="module")
def app_page(lab: tuple[LabServer, Path]) -> Iterator[tuple[Any, Path]]:
    """Notebook 03 run in chromium, its app painted; yields the page and the notebooks' OUT."""
    server, out = lab
    with notebook_app(server, "[data-testid=wb-wheel-gain-puck]") as page:
        yield page, out


def _seq(page: Any) -> int:
    return int(page.get_attribute("[data-testid=wb-preview]", "data-frame-seq"))


def _wait_play(page: Any, state: str, timeout: int = 120_000) -> None:
    page.wait_for_function("s => document.querySelector('[data-testid=wb-compare]')"
                           ".dataset.play === s", arg=state, timeout=timeout)


def test_play_runs_at_the_shots_rate_through_the_grade_and_stops(app_page, artifacts):
    page, out = app_page
    with Title.open(out / "title") as title:
        shot = title.shot(SHOT)
        proposal = latest_proposal(title, shot)
        assert proposal is not None
        fps = float(shot.clip.fps)
    page.click("[data-testid=wb-play]")
    _wait_play(page, "playing")  # rendered and decoded first (its progress is shown)
    page.wait_for_timeout(1500)
    a = page.evaluate(PLAY_STATE)
    page.wait_for_timeout(2000)
    b = page.evaluate(PLAY_STATE)
    drawn_rate = (b["seq"] - a["seq"]) / ((b["t"] - a["t"]) / 1000)
    # Loaded machine: some frames may drop, but never more shown than the shot's rate, and the
    # rate the viewer reports is the one it draws.
    assert 0.5 * fps <= drawn_rate <= 1.1 * fps, (drawn_rate, fps)
    assert b["fps"] == pytest.approx(drawn_rate, rel=0.15), (b, drawn_rate)
    assert f"/{round(fps, 3):g} fps" in b["status"] and "playing" in b["info"]
    assert b["frame"] != a["frame"]
    page.screenshot(path=str(artifacts / "browser_viewer_playing.png"))
    (artifacts / "browser_viewer_play.json").write_text(json.dumps(
        {"fps": fps, "drawn_per_s": drawn_rate, "shown": b["status"], "dropped": b["dropped"]}))

    # The pixels drawn are the kernel's render of that frame through the proposal's grade.
    played = page.evaluate(PLAYED)
    rgba = np.array(played["pixels"], np.uint8).reshape(played["h"], played["w"], 4)
    preview = ShotPreview(shot, frame=played["frame"] - shot.clip.first_frame)
    jpeg = preview.render(proposal.pipeline, proposal.strength, proxy=True).jpeg
    expected = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    source = cv2.imdecode(np.frombuffer(preview.before(), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    assert rgba.shape[:2] == expected.shape[:2]
    err = np.abs(rgba[..., :3].astype(float) - expected).mean()
    assert err < 1.5, err
    assert np.abs(rgba[..., :3].astype(float) - source).mean() > 3 * err + 1  # graded, not source

    # Side by side plays both sides (the untouched frames were sent too); a mode is no edit.
    page.click("[data-testid=wb-compare] [data-mode=side-by-side]")
    sides = [page.evaluate(BEFORE_PLAYED)]
    page.wait_for_timeout(400)
    sides.append(page.evaluate(BEFORE_PLAYED))
    assert page.evaluate(PLAY_STATE)["play"] == "playing"
    assert sides[0]["visible"] and sides[0]["sum"] != sides[1]["sum"]  # the before side moves
    page.screenshot(path=str(artifacts / "browser_viewer_playing_side_by_side.png"))
    page.click("[data-testid=wb-compare] [data-mode=wipe]")

    # Pause with Space (focus in the app), then play again: the same grade needs no render.
    page.click("[data-testid=wb-keymap]")
    page.keyboard.press(" ")
    _wait_play(page, "stopped", 10_000)
    stopped = page.evaluate(PLAY_STATE)
    page.wait_for_timeout(600)
    assert page.evaluate(PLAY_STATE)["seq"] == stopped["seq"]  # nothing drawn once paused
    page.wait_for_function("f => document.querySelector('[data-testid=wb-frame-info]')"
                           ".textContent.includes(`frame ${f}`)", arg=stopped["frame"],
                           timeout=30_000)  # the kernel shows the frame paused on
    page.keyboard.press(" ")
    _wait_play(page, "playing", 5_000)

    # An edit stops playback.
    slider = page.locator("[data-testid=wb-strength]")
    start = float(slider.input_value())
    slider.fill(str(round(start / 2, 3)))
    _wait_play(page, "stopped", 10_000)
    page.click("[data-testid=wb-undo]")
    page.wait_for_function("v => Math.abs(Number(document.querySelector("
                           "'[data-testid=wb-strength]').value) - v) < 1e-3", arg=start,
                           timeout=30_000)


def _puck(page: Any, wheel: str) -> tuple[float, float]:
    box = page.locator(f"[data-testid=wb-wheel-{wheel}-puck]").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _gain_r(page: Any) -> float:
    """LiftGammaGain's gain_r as its number field holds it (4 decimals)."""
    return float(page.evaluate("() => document.querySelector('[data-operator=LiftGammaGain]"
                               " [data-param=gain_r] .wb-value').value"))


def _readout(page: Any, wheel: str) -> str:
    return page.text_content(f"[data-testid=wb-wheel-{wheel}-rgb]")


def test_a_gain_wheel_drag_toward_red_warms_the_preview_in_one_undo_step(app_page, artifacts):
    page, _ = app_page
    _wait_play(page, "stopped", 10_000)
    page.wait_for_timeout(800)
    neutral = _readout(page, "gain")
    mean0 = np.array(page.evaluate(PREVIEW_MEAN))
    seq = _seq(page)
    # Red sits where the vectorscope draws it: 103 degrees counter-clockwise from +Cb.
    x, y = _puck(page, "gain")
    angle = math.radians(103)
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 7):
        page.mouse.move(x + 5 * k * math.cos(angle), y - 5 * k * math.sin(angle))
        page.wait_for_timeout(40)
    page.mouse.up()
    page.wait_for_function("s => Number(document.querySelector('[data-testid=wb-preview]')"
                           ".dataset.frameSeq) > s", arg=seq, timeout=30_000)
    page.wait_for_timeout(1000)  # the release's full-resolution frame
    r, g, b = (float(v) for v in _readout(page, "gain").split())
    assert r > 1.05 and g < 1.0 and b < 1.0, (r, g, b)
    coarse = _gain_r(page)
    mean1 = np.array(page.evaluate(PREVIEW_MEAN))
    assert (mean1[0] - mean1[1]) - (mean0[0] - mean0[1]) > 2, (mean0, mean1)  # redder
    assert mean1[0] > mean0[0]
    page.screenshot(path=str(artifacts / "browser_viewer_wheels.png"))
    pushed = _readout(page, "gain")
    page.click("[data-testid=wb-undo]")  # the whole drag is one step
    page.wait_for_function("t => document.querySelector('[data-testid=wb-wheel-gain-rgb]')"
                           ".textContent === t", arg=neutral, timeout=30_000)
    page.click("[data-testid=wb-redo]")
    page.wait_for_function("t => document.querySelector('[data-testid=wb-wheel-gain-rgb]')"
                           ".textContent === t", arg=pushed, timeout=30_000)
    page.dblclick("[data-testid=wb-wheel-gain-disc]")  # double click: back to the proposal
    page.wait_for_function("t => document.querySelector('[data-testid=wb-wheel-gain-rgb]')"
                           ".textContent === t", arg=neutral, timeout=30_000)
    # Shift: the same drag moves the balance a tenth as far.
    x, y = _puck(page, "gain")
    page.keyboard.down("Shift")
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 7):
        page.mouse.move(x + 5 * k * math.cos(angle), y - 5 * k * math.sin(angle))
        page.wait_for_timeout(40)
    page.mouse.up()
    page.keyboard.up("Shift")
    page.wait_for_function("t => document.querySelector('[data-testid=wb-wheel-gain-rgb]')"
                           ".textContent !== t", arg=neutral, timeout=30_000)
    fine = _gain_r(page)
    assert fine - 1 == pytest.approx((coarse - 1) / 10, rel=0.3), (fine, coarse)
    page.dblclick("[data-testid=wb-wheel-gain-disc]")
    page.wait_for_function("t => document.querySelector('[data-testid=wb-wheel-gain-rgb]')"
                           ".textContent === t", arg=neutral, timeout=30_000)
    offset = page.evaluate("""() => {
      const d = document.querySelector('[data-testid=wb-wheel-gain-disc]').getBoundingClientRect();
      const p = document.querySelector('[data-testid=wb-wheel-gain-puck]').getBoundingClientRect();
      return [p.x + p.width / 2 - d.x - d.width / 2, p.y + p.height / 2 - d.y - d.height / 2];
    }""")
    assert offset == pytest.approx([0, 0], abs=1.0), (offset, _gain_r(page))  # at the centre
    assert notebook_errors(page) == []
