"""The live progress file of a batch, ``OUT/progress.json``: written by the batch, read by anyone.

The file is rewritten whole, atomically (a temporary file renamed over it), on every change of
state, so a reader never sees half of it. Its shape (schema ``workbench.batch.progress/1``)::

    {"schema": "workbench.batch.progress/1", "template": "render_accepted",
     "title": "/abs/title", "out": "/abs/out", "started": ISO8601, "updated": ISO8601,
     "finished": ISO8601 | null, "total": N,
     "counts": {"pending": n, "running": n, "done": n, "failed": n, "skipped": n},
     "dask_dashboard": "http://..." | null,
     "items": [{"key": "shot or scene", "status": "pending|running|done|failed|skipped",
                "seconds": float | null, "error": "Name: value" | null}]}

Standard library only: the dashboard imports this module without paying for papermill or Dask.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.io.atomic import atomic_write_text

__all__ = [
    "PROGRESS_FILE",
    "PROGRESS_SCHEMA",
    "STATUSES",
    "BatchProgress",
    "now_iso",
    "read_progress",
    "write_json_atomic",
]

PROGRESS_SCHEMA = "workbench.batch.progress/1"
PROGRESS_FILE = "progress.json"
STATUSES = ("pending", "running", "done", "failed", "skipped")


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second (``2026-12-02T10:15:00+00:00``)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path``: a temporary file in the same folder, then a rename."""
    atomic_write_text(path, json.dumps(data, indent=1) + "\n")


class BatchProgress:
    """The state of every item of one batch, mirrored into ``out/progress.json`` on each change.

    Parameters
    ----------
    out
        The batch's output folder (must exist).
    template, title
        The template's name and the title folder, as the file names them.
    keys
        The items (shots or scenes), in order; all start ``pending``.
    """

    def __init__(self, out: Path, template: str, title: Path, keys: list[str]) -> None:
        self.path = Path(out).absolute() / PROGRESS_FILE
        self.data: dict[str, Any] = {
            "schema": PROGRESS_SCHEMA, "template": template,
            "title": str(Path(title).absolute()), "out": str(Path(out).absolute()),
            "started": now_iso(), "updated": now_iso(), "finished": None, "total": len(keys),
            "counts": {}, "dask_dashboard": None,
            "items": [{"key": k, "status": "pending", "seconds": None, "error": None}
                      for k in keys],
        }
        self._items = {item["key"]: item for item in self.data["items"]}
        self._write()

    def set_dashboard(self, url: str | None) -> None:
        """Record where Dask's own dashboard is (``None`` when it has none)."""
        self.data["dask_dashboard"] = url
        self._write()

    def update(self, key: str, status: str, seconds: float | None = None,
               error: str | None = None) -> None:
        """Set item ``key`` to ``status`` (one of :data:`STATUSES`) and rewrite the file."""
        if status not in STATUSES:
            raise ValueError(f"unknown batch status {status!r}; known: {', '.join(STATUSES)}")
        item = self._items[key]
        item.update(status=status, seconds=None if seconds is None else round(seconds, 3),
                    error=error)
        self._write()

    def finish(self) -> None:
        """Mark the batch finished (no item is running any more)."""
        self.data["finished"] = now_iso()
        self._write()

    @property
    def counts(self) -> dict[str, int]:
        """How many items are in each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for item in self.data["items"]:
            counts[item["status"]] += 1
        return counts

    def _write(self) -> None:
        self.data["counts"] = self.counts
        self.data["updated"] = now_iso()
        write_json_atomic(self.path, self.data)


def read_progress(path: Path | str) -> dict[str, Any]:
    """Read and check a batch's ``progress.json`` (or the folder holding it).

    Raises
    ------
    WorkbenchError
        Naming the file, when it is missing, not JSON, of another schema or inconsistent.
    """
    path = Path(path)
    if path.is_dir():
        path = path / PROGRESS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbenchError(f"{path}: no batch progress file here") from None
    except (OSError, ValueError) as exc:
        raise WorkbenchError(f"{path}: unreadable batch progress file ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != PROGRESS_SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise WorkbenchError(f"{path}: expected schema {PROGRESS_SCHEMA!r}, found {found!r}")
    missing = [k for k in ("template", "title", "out", "started", "updated", "finished",
                           "total", "counts", "dask_dashboard", "items") if k not in data]
    if missing:
        raise WorkbenchError(f"{path}: batch progress lacks {', '.join(missing)}")
    items = data["items"]
    if not isinstance(items, list) or len(items) != data["total"]:
        raise WorkbenchError(f"{path}: total is {data['total']} but the file lists "
                             f"{len(items) if isinstance(items, list) else 'no'} items")
    for item in items:
        if not isinstance(item, dict) or item.get("status") not in STATUSES or "key" not in item:
            raise WorkbenchError(f"{path}: bad item {item!r}; each needs a key and a status "
                                 f"among {', '.join(STATUSES)}")
    return data
