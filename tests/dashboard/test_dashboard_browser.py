"""The dashboard served by `workbench dashboard` and driven in Debian's chromium."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from dashkit import chromium_page, dashboard_server

from workbench.title import Title, journal

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SHOTS = 24


def _table_shots(page) -> list[str]:
    return page.eval_on_selector_all(
        ".tabulator-row .tabulator-cell[tabulator-field='shot']",
        "cells => cells.map(c => c.textContent.trim())")


def _picture_bytes(page, selector: str) -> bytes:
    src = page.get_attribute(selector, "src")
    return page.request.get(page.url.split("?")[0].rstrip("/") + src).body()


def test_read_only_dashboard_lists_shots_and_shows_before_after(sample_title, tmp_path):
    with Title.open(sample_title, "ro") as title:
        names = [s.name for s in title.shots()]
    with dashboard_server(sample_title, log=tmp_path / "dash.log") as server, \
            chromium_page(1400, 1000) as page:
        page.goto(server.url + "/?tab=1")
        page.wait_for_selector(f"text={names[-1]}", timeout=60_000)
        assert _table_shots(page) == names  # one page of 25 holds the 24 shots
        assert page.locator("button", has_text="Accept").count() == 0  # read-only
        page.locator(".tabulator-cell[tabulator-field='shot']", has_text="bikes_003").click()
        for picture in ("#wb-before", "#wb-after"):  # Playwright's CSS pierces shadow roots
            page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=page.locator(picture).element_handle(timeout=60_000),
                                   timeout=60_000)
        page.wait_for_selector("text=Decision history")
        before = _picture_bytes(page, "#wb-before")
        after = _picture_bytes(page, "#wb-after")
        assert before[:2] == after[:2] == b"\xff\xd8" and before != after
        # the wipe: the same two pictures stacked, the after one cut where the slider says
        assert _picture_bytes(page, "#wb-wipe-before") == before
        assert _picture_bytes(page, "#wb-wipe-after") == after
        clip = page.locator("#wb-wipe-after")
        assert clip.evaluate("e => getComputedStyle(e).clipPath") == "inset(0px 0px 0px 50%)"
        page.locator("#wb-wipe").fill("20")
        assert clip.evaluate("e => getComputedStyle(e).clipPath") == "inset(0px 0px 0px 20%)"
        assert page.locator("button", has_text="Accept").count() == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard_shots.png"), full_page=True)
        page.locator(".bk-tab", has_text="Continuity").click()
        page.wait_for_selector("text=do not match their scene", timeout=60_000)
        page.locator(".bk-tab", has_text="Profiles").click()
        page.wait_for_selector("canvas", state="attached", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "dashboard_profiles.png"), full_page=True)


def test_a_decision_on_the_dashboard_lands_in_the_journal(title_copy, tmp_path):
    from workbench.batch.progress import BatchProgress

    with dashboard_server(title_copy, "--allow-decisions", "--reviewer", "Pat Producer",
                          log=tmp_path / "dash.log") as server, chromium_page() as page:
        page.goto(server.url + "/?tab=1&shot=bikes_002")
        page.wait_for_selector("text=Decision history", timeout=60_000)
        page.locator("button", has_text="Accept").click()
        page.wait_for_selector("text=journaled", timeout=30_000)
        with Title.open(title_copy, "ro") as title:
            entries = journal(title)
        assert [(d.shot, d.verdict, d.decided_by) for d in entries] == [
            ("bikes_002", "accept", "Pat Producer")]
        page.wait_for_selector(".wb-table td >> text=Pat Producer")  # the history
        # Live batch progress: a batch appears and advances while the page is open.
        page.locator(".bk-tab", has_text="Batches").click()
        page.wait_for_selector("text=No batch yet")
        out = title_copy / "batches" / "render"
        out.mkdir(parents=True)
        progress = BatchProgress(out, "render_accepted", title_copy, ["bikes_002", "bikes_003"])
        page.wait_for_selector("text=2 pending of 2", timeout=15_000)
        progress.update("bikes_002", "done", seconds=1.5)
        page.wait_for_selector("text=1 done", timeout=15_000)


def test_static_export_opens_from_a_file_without_network(sample_title, tmp_path):
    report = tmp_path / "report.html"
    subprocess.run([sys.executable, "-m", "workbench.cli", "-q", "dashboard", str(sample_title),
                    "--export", str(report)], check=True, capture_output=True)
    requested: list[str] = []

    def only_local(route):
        requested.append(route.request.url)
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    with chromium_page() as page:
        page.route("**/*", only_local)
        page.goto(report.as_uri())
        page.wait_for_selector("canvas", state="attached", timeout=30_000)
        rows = page.locator("#shots tr[id^='shot-']")
        assert rows.count() == SHOTS
        decoded = page.evaluate("[...document.querySelectorAll('#shots img')]"
                                ".filter(i => i.complete && i.naturalWidth > 0).length")
        assert decoded == 2 * SHOTS
    # nothing but the report itself and its data URIs: no server, no network, no file beside it
    assert [u for u in requested if not u.startswith("data:")] == [report.as_uri()]
