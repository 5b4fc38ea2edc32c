"""A real JupyterLab on 127.0.0.1 and Debian's chromium via Playwright, for tests and benchmarks.

Used by ``tests/browser`` (fixtures in its conftest) and by ``benchmarks/ui_latency.py``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# User settings for the lab under test: no news toast over the page, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


@dataclass
class LabServer:
    """A running JupyterLab: its URL, token, root dir and process."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    def lab_url(self, notebook: str) -> str:
        """The URL that opens ``notebook`` (relative to the root) in a fresh workspace."""
        return f"{self.url}/lab/tree/{notebook}?token={self.token}&reset"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str, token: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextmanager
def lab_server(root: Path, state: Path, env: dict[str, str] | None = None,
               timeout: float = 60.0) -> Iterator[LabServer]:
    """Run JupyterLab on ``root`` with its config, settings and runtime files in ``state``.

    The server's kernels inherit ``env`` (on top of this process's environment); the server is
    stopped (terminate, then kill) when the context ends.
    """
    for rel, values in LAB_SETTINGS.items():
        path = state / "lab-settings" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    full_env = {**os.environ, **(env or {}),
                "JUPYTER_CONFIG_DIR": str(state / "config"),
                "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
                "JUPYTERLAB_SETTINGS_DIR": str(state / "lab-settings"),
                "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces")}
    log = state / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, process, log)
    with serving(process, lambda: _ready(server.url, token), log, "JupyterLab", timeout):
        yield server


@contextmanager
def serving(process: subprocess.Popen, ready: Callable[[], bool], log: Path, what: str,
            timeout: float) -> Iterator[None]:
    """Wait until ``ready()`` answers (or fail with the tail of ``log``); stop ``process`` after."""
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in Debian's chromium (headless); the browser closes afterwards."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed: `apt-get install chromium` (see .ci/run)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def open_notebook(page: Any, server: LabServer, notebook: str, timeout_ms: int = 60_000) -> None:
    """Open ``notebook`` and wait until its kernel is idle."""
    page.goto(server.lab_url(notebook))
    page.wait_for_function(
        """(name) => {
             const app = window.jupyterapp;
             const w = app && app.shell && app.shell.currentWidget;
             const kernel = w && w.sessionContext && w.sessionContext.session
                            && w.sessionContext.session.kernel;
             return w && w.context && w.context.path.endsWith(name) && kernel
                    && kernel.status === 'idle';
           }""", arg=notebook, timeout=timeout_ms)


def run_all_cells(page: Any) -> None:
    """Run every cell of the current notebook (returns once they are queued)."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def wait_kernel_idle(page: Any, timeout_ms: int = 120_000) -> None:
    """Wait until the current notebook's kernel has finished everything queued."""
    page.wait_for_function(
        """() => {
             const w = window.jupyterapp.shell.currentWidget;
             const k = w.sessionContext.session.kernel;
             const cells = w.content.widgets;
             const pending = cells.some(c => c.model.type === 'code' && c.promptNode
                                             && c.promptNode.textContent.includes('*'));
             return k.status === 'idle' && !pending;
           }""", timeout=timeout_ms)


def notebook_errors(page: Any) -> list[str]:
    """The text of every error output (a traceback) in the current notebook."""
    return page.eval_on_selector_all(
        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
        "els => els.map(e => e.textContent)")


PREVIEW_PAINTED = ("() => { const i = document.querySelector('[data-testid=wb-preview]');"
                   " return i && Number(i.dataset.frameSeq) > 0 && i.complete; }")


@contextmanager
def notebook_app(server: LabServer, ready_selector: str,
                 notebook: str = "03_grade_and_decide.ipynb") -> Iterator[Any]:
    """A fresh chromium page with ``notebook`` run: its app painted and ``ready_selector`` shown."""
    with chromium_page() as page:
        open_notebook(page, server, notebook)
        run_all_cells(page)
        page.wait_for_function(PREVIEW_PAINTED, timeout=400_000)
        page.wait_for_selector(ready_selector, timeout=30_000)
        yield page
