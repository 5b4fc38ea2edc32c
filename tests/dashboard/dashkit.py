"""A real ``workbench dashboard`` server in a subprocess on a free 127.0.0.1 port, for the
dashboard tests and ``benchmarks/bench_dashboard.py``; and the sample title they look at."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))  # labserver.py

from labserver import chromium_page, free_port, serving

__all__ = ["DashServer", "chromium_page", "dashboard_server", "make_sample_title"]


@dataclass
class DashServer:
    """A running dashboard: its URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextmanager
def dashboard_server(title: Path, *args: str, log: Path,
                     timeout: float = 120.0) -> Iterator[DashServer]:
    """Run ``workbench dashboard TITLE --port P ARGS`` until the context ends (then stop it)."""
    port = free_port()
    cmd = [sys.executable, "-m", "workbench.cli", "-q", "dashboard", str(title),
           "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    server = DashServer(f"http://127.0.0.1:{port}", process, log)
    # "/liveness", not "/": the page itself would build a whole session
    with serving(process, lambda: _ready(server.url + "/liveness"), log, "the dashboard", timeout):
        yield server


def make_sample_title(base: Path, train: bool = True) -> Path:
    """The bundled sample title at ``base/title`` (24 shots, 3 scenes), proposed by the
    classical method; with ``train`` also a small title model, so it has profiles."""
    from workbench.model import propose
    from workbench.title import Title, ingest
    from workbench.title.sample import SAMPLE_ALE, copy_sample_dailies

    dailies = base / "dailies"
    clips = copy_sample_dailies(dailies)
    with Title.create(base / "title", name="Sample Title") as title:
        ingest(title, clips, ale=dailies / SAMPLE_ALE, progress=False)
        propose(title, progress=False)
        if train:
            from workbench.model.train import train_title

            train_title(title, frames=24, steps=1, max_width=64, progress=False)
    return base / "title"
