"""Batches of a title as the dashboard shows them: found on disk, read tolerantly.

A batch writes ``OUT/progress.json`` (schema ``workbench.batch.progress/1``, see
:mod:`workbench.batch.progress`), rewritten atomically while it runs. The dashboard looks in
``TITLE_DIR/batches/*/`` and in any folder it was given, and re-reads the files on a timer.
A file that is missing, not yet written, or unreadable becomes a line saying so; it never
breaks the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.batch.progress import PROGRESS_FILE, STATUSES, read_progress
from workbench.errors import WorkbenchError

__all__ = ["BATCHES_DIR", "BatchState", "batch_folders", "read_batches"]

BATCHES_DIR = "batches"


@dataclass(frozen=True)
class BatchState:
    """One batch: its folder, its progress document (``None`` when unreadable) and why."""

    folder: Path
    progress: dict[str, Any] | None
    problem: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def done_fraction(self) -> float:
        """Finished items (done, failed or skipped) over all items; 0 for an empty batch."""
        if not self.progress or not self.progress.get("total"):
            return 0.0
        finished = sum(self.counts.get(s, 0) for s in ("done", "failed", "skipped"))
        return finished / int(self.progress["total"])

    @property
    def state(self) -> str:
        """``running``, ``finished``, ``finished with failures`` or ``unreadable``."""
        if self.progress is None:
            return "unreadable"
        if self.progress.get("finished") is None:
            return "running"
        return "finished with failures" if self.counts.get("failed") else "finished"


def batch_folders(root: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """``root/batches/*`` holding a progress file, then ``extra`` folders, without repeats."""
    found: list[Path] = []
    base = Path(root) / BATCHES_DIR
    if base.is_dir():
        found = sorted(p for p in base.iterdir() if (p / PROGRESS_FILE).is_file())
    for folder in extra:
        folder = Path(folder)
        if folder.resolve() not in {f.resolve() for f in found}:
            found.append(folder)
    return found


def read_batches(folders: Iterable[Path]) -> list[BatchState]:
    """The state of each batch folder; a problem is recorded, never raised."""
    out = []
    for folder in folders:
        try:
            progress = read_progress(folder)
        except WorkbenchError as exc:
            out.append(BatchState(Path(folder), None, str(exc)))
            continue
        counts = {s: sum(1 for i in progress["items"] if i["status"] == s) for s in STATUSES}
        out.append(BatchState(Path(folder), progress, "", counts))
    return out
