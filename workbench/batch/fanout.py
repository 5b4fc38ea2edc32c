"""``workbench batch``: one papermill run per item, fanned out with ``dask.distributed``.

Layout of a batch's output folder ``OUT`` (default ``TITLE/batches/<template>/``)::

    progress.json          live state, for the dashboard (workbench.batch.progress)
    results/<key>.json     each finished item's record, written when its notebook is complete
    notebooks/<key>.ipynb  the executed notebooks, results in metadata.workbench.batch
    <output>/              what the template makes (renders/, review/, continuity/, ...)
    summary.json, summary.csv

Resumable: an item with a ``done`` record is skipped; every other one runs (with
``retry_failed``, only the ones that failed). Every file appears under its final name only when
complete, so a batch killed outright (client or worker) leaves temporaries, which the next run
sweeps, and never a partial output.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from workbench.batch.progress import BatchProgress, now_iso, write_json_atomic
from workbench.batch.templates import Template, find_template, template_parameters
from workbench.errors import ParameterError, TitleError

__all__ = ["SUMMARY_FIELDS", "BatchRun", "WarmWorker", "coerce_parameter", "run_batch",
           "run_item"]

STARTED = "workbench-batch-started"  # the Dask event topic of items starting on a worker
SUMMARY_FIELDS = ("key", "status", "seconds", "cell", "error_name", "error_value", "outputs",
                  "decision", "notebook", "package_version", "title_model_version",
                  "parameters")


@dataclass
class BatchRun:
    """What :func:`run_batch` did: where, the records of every item, and Dask's dashboard."""

    out: Path
    records: list[dict[str, Any]]
    ran: list[str]
    dashboard: str | None

    @property
    def failed(self) -> list[str]:
        """Keys of the items whose latest record is a failure."""
        return [r["key"] for r in self.records if r["status"] == "failed"]


def _safe(key: str) -> str:
    """A file name for item ``key`` (shot and scene names are already plain)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key)


def run_item(template: str, executed: str, parameters: dict[str, Any], key: str,
             title_dir: str, result_path: str) -> dict[str, Any]:
    """One item: run the template, then write its record to ``result_path`` (atomically).

    Runs on a Dask worker; returns the record.
    """
    from distributed import get_worker

    from workbench.batch.runner import provenance, run_template

    with contextlib.suppress(ValueError):  # ValueError: not on a Dask worker
        # Tell the client this item is running now, not merely queued on a worker.
        get_worker().log_event(STARTED, {"key": key})
    started = now_iso()
    record = run_template(Path(template), Path(executed), parameters, cwd=Path(executed).parent,
                          warm=True)
    outputs = [o for r in record["results"] for o in r.get("outputs", [])]
    decisions = sorted({r["decision"] for r in record["results"] if r.get("decision")})
    record = {"key": key, **record, "outputs": outputs,
              "decision": ",".join(decisions) or None, "started": started,
              "finished": now_iso(), **provenance(title_dir, parameters)}
    write_json_atomic(Path(result_path), record)
    return record


class WarmWorker(WorkerPlugin):
    """A Dask worker plugin: one thread for torch and OpenMP, and a warm kernel.

    The worker's kernel (:mod:`~workbench.batch.kernel`) is started and loaded with torch and
    the workbench as the worker joins, so no task pays for it. Kernels inherit the
    environment, so they run single-threaded: one process a core, not all fighting for all.
    """

    name = "workbench-warm"

    def setup(self, worker: Any) -> None:
        """Set the thread limits and pay the imports before the first task."""
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = "1"
        import workbench.batch.runner  # noqa: F401
        from workbench.batch.kernel import worker_kernel
        from workbench.batch.runner import KERNEL

        # Started beside the worker's event loop: the first task waits for it if it must.
        warm = worker_kernel(KERNEL)
        threading.Thread(target=_start, args=(warm,), daemon=True).start()


def _start(warm: Any) -> None:
    with warm.lock:
        try:
            warm.ensure()
        except Exception as exc:  # the first run starts it again and reports what fails
            print(f"batch worker: warm kernel did not start ({exc})", file=sys.stderr)


def coerce_parameter(name: str, raw: str, spec: dict[str, Any]) -> Any:
    """``-p NAME VALUE`` as the template's parameter type says (JSON or plain text)."""
    kind = spec["type"]
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    if kind == "str":
        return raw
    if kind.startswith("list"):
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        if not isinstance(value, list):
            raise ParameterError(f"-p {name} {raw!r}: expected a list (JSON, or comma separated)")
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind in ("float", "int", "bool"):
        raise ParameterError(f"-p {name} {raw!r}: expected {kind}")
    return value


def _items(template: Template, title_dir: Path, shots: Sequence[str] | None,
           scene: str | None) -> list[str]:
    """The keys a batch runs on: named shots, a scene's shots, or the template's default."""
    from workbench.title import Title, accepted_decisions, latest_proposal

    with Title.open(title_dir, "ro") as title:
        if template.level == "title":
            return ["title"]
        if template.level == "scene":
            known = [s.name for s in title.scenes()]
            if shots:
                raise ParameterError(f"{template.name} runs per scene: name one with --scene")
            if scene is not None and scene not in known:
                raise ParameterError(f"--scene {scene!r}: not a scene of {title_dir.name}; "
                                     f"scenes: {', '.join(known)}")
            return [scene] if scene is not None else known
        if shots:
            return [title.shot(name).name for name in shots]
        if scene is not None:
            members = [s.name for s in title.shots(scene)]
            if not members:
                names = ", ".join(s.name for s in title.scenes())
                raise ParameterError(f"--scene {scene!r}: no shots; scenes: {names}")
            return members
        if template.items == "accepted":
            return [s.name for s, _ in accepted_decisions(title)]
        if template.items == "proposed":
            return [s.name for s in title.shots() if latest_proposal(title, s) is not None]
        return [s.name for s in title.shots()]


def _parameters(template: Template, path: Path, title_dir: Path, out: Path,
                given: Sequence[tuple[str, str]], shots: Sequence[str] | None
                ) -> dict[str, Any]:
    """The parameters every run shares: the title, the output folder and ``-p`` values."""
    specs = template_parameters(path)
    params: dict[str, Any] = {"title_dir": str(title_dir), "out_dir": str(out / template.output)}
    for name, raw in given:
        if name not in specs:
            raise ParameterError(f"-p {name}: {path.name} has no such parameter; it takes "
                                 f"{', '.join(specs)}")
        if name in ("title_dir", "out_dir", template.key_parameter):
            raise ParameterError(f"-p {name}: set by `workbench batch` itself (TITLE_DIR, "
                                 f"--out, --shots/--scene)")
        params[name] = coerce_parameter(name, raw, specs[name])
    if template.level == "title" and shots and "shots" in specs:
        params["shots"] = list(shots)
    return {k: v for k, v in params.items() if k in specs}


def _previous(results: Path, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The records earlier runs left for ``keys`` (an unreadable one counts as absent)."""
    found = {}
    for key in keys:
        try:
            found[key] = json.loads((results / f"{_safe(key)}.json").read_text())
        except (OSError, ValueError):
            continue
    return found


def _sweep(out: Path) -> None:
    """Remove the temporaries a killed batch left, in OUT and one level below."""
    from workbench.io.atomic import sweep_stale_temporaries

    removed = []
    for folder in [out, *(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))]:
        removed += sweep_stale_temporaries(folder)
    if removed:
        print(f"batch: removed {len(removed)} temporaries an interrupted run left: "
              f"{', '.join(str(r.path) for r in removed)}", file=sys.stderr)


def write_summary(out: Path, records: list[dict[str, Any]]) -> tuple[Path, Path]:
    """``OUT/summary.json`` (the records) and ``OUT/summary.csv`` (one row per item)."""
    from workbench.io.atomic import atomic_write_text

    write_json_atomic(out / "summary.json", {"items": records,
                                             "written": now_iso()})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, SUMMARY_FIELDS)
    writer.writeheader()
    for r in records:
        row = {f: r.get(f) for f in SUMMARY_FIELDS}
        row["outputs"] = ";".join(r.get("outputs") or [])
        row["parameters"] = json.dumps(r.get("parameters"), sort_keys=True)
        writer.writerow(row)
    atomic_write_text(out / "summary.csv", buffer.getvalue())
    return out / "summary.json", out / "summary.csv"


def _client(workers: int, scheduler: str | None) -> tuple[Any, Any]:
    """A Dask client on ``scheduler``, or on a new LocalCluster of ``workers`` on 127.0.0.1."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="20s"), None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           silence_logs=40)
    return Client(cluster), cluster


def run_batch(template: str | Path, title_dir: str | Path, *, shots: Sequence[str] | None = None,
              scene: str | None = None, parameters: Sequence[tuple[str, str]] = (),
              workers: int = 2, scheduler: str | None = None, out: str | Path | None = None,
              retry_failed: bool = False, progress: bool = True,
              say: Callable[[str], None] = print) -> BatchRun:
    """Run ``template`` once per item of ``title_dir`` on Dask; see the module docstring.

    Parameters
    ----------
    template
        A name in :data:`~workbench.batch.templates.TEMPLATES` or a path to a notebook.
    shots, scene
        The items: named shots, or a scene (its shots, or itself for a per-scene template);
        default: the template's own choice (accepted shots for ``render_accepted``, ...).
    parameters
        ``(name, value)`` pairs, as ``-p NAME VALUE`` gives them.
    workers, scheduler
        A LocalCluster of ``workers`` processes, or the Dask scheduler at ``scheduler``
        (``tcp://host:port``), whose workers must see the title at the same path.
    retry_failed
        Run only the items that failed last time.
    """
    from tqdm.auto import tqdm

    spec, path = find_template(template)
    root = Path(title_dir).absolute()
    if not (root / "title.json").is_file():
        raise TitleError(f"{root}: not a workbench title (no title.json)")
    if shots and scene:
        raise ParameterError("give --shots or --scene, not both")
    if workers < 1:
        raise ParameterError(f"--workers {workers}: must be at least 1")
    keys = _items(spec, root, shots, scene)
    if not keys:
        raise ParameterError(f"{spec.name}: nothing to run on in {root.name} (it takes "
                             f"{spec.items} shots by default; name some with --shots)")
    out = Path(out).absolute() if out else root / "batches" / path.stem
    for folder in (out, out / "notebooks", out / "results"):
        folder.mkdir(parents=True, exist_ok=True)
    _sweep(out)
    shared = _parameters(spec, path, root, out, parameters, shots)
    before = _previous(out / "results", keys)
    if retry_failed:
        todo = [k for k in keys if before.get(k, {}).get("status") == "failed"]
    else:
        todo = [k for k in keys if before.get(k, {}).get("status") != "done"]
    board = BatchProgress(out, spec.name, root, keys)
    for key in keys:
        if key not in todo:
            board.update(key, "skipped", before.get(key, {}).get("seconds"))
    records: dict[str, dict[str, Any]] = dict(before)
    dashboard = None
    if todo:
        client, cluster = _client(workers, scheduler)
        try:
            client.register_plugin(WarmWorker())
            dashboard = client.dashboard_link if "bokeh" in sys.modules or _has_bokeh() else None
            board.set_dashboard(dashboard)
            say(f"batch: {len(todo)} of {len(keys)} {spec.level}(s) to run on "
                f"{'scheduler ' + scheduler if scheduler else f'{workers} local worker(s)'}; "
                f"Dask dashboard: {dashboard or 'not available (install bokeh)'}")
            records.update(_fan_out(client, spec, path, root, out, shared, todo, board,
                                    progress, tqdm))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        say(f"batch: all {len(keys)} {spec.level}(s) already done in {out}")
    board.finish()
    ordered = [records.get(k, {"key": k, "status": "pending"}) for k in keys]
    write_summary(out, ordered)
    return BatchRun(out, ordered, todo, dashboard)


def _has_bokeh() -> bool:
    from importlib.util import find_spec

    return find_spec("bokeh") is not None


def _fan_out(client: Any, spec: Template, path: Path, root: Path, out: Path,
             shared: dict[str, Any], todo: list[str], board: BatchProgress, progress: bool,
             tqdm: Any) -> dict[str, dict[str, Any]]:
    """Submit one task per key; follow them to the end, updating progress as they go."""
    from distributed import wait

    futures = {}
    for key in todo:
        params = dict(shared)
        if spec.key_parameter:
            params[spec.key_parameter] = [key]
        futures[client.submit(run_item, str(path), str(out / "notebooks" / f"{_safe(key)}.ipynb"),
                              params, key, str(root), str(out / "results" / f"{_safe(key)}.json"),
                              key=f"{spec.name}-{_safe(key)}-{time.time_ns()}", pure=False)] = key
    records = {}
    running: set[str] = set()
    started: queue.SimpleQueue[str] = queue.SimpleQueue()
    client.subscribe_topic(STARTED, lambda event: started.put(event[1]["key"]))
    pending = set(futures)
    with tqdm(total=len(todo), desc=f"batch {spec.name}", unit=spec.level,
              disable=not progress, file=sys.stderr) as bar:
        while pending:
            try:
                done, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished in this half second
                done = set()
            for future in done:
                key = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # the task itself died (its worker lost, ...)
                    record = {"key": key, "status": "failed", "seconds": None, "cell": None,
                              "error_name": type(exc).__name__, "error_value": str(exc),
                              "results": [], "outputs": []}
                records[key] = record
                running.discard(key)
                error = (f"{record['error_name']}: {record['error_value']}"
                         if record["status"] == "failed" else None)
                board.update(key, record["status"], record.get("seconds"), error)
                bar.update(1)
            while not started.empty():  # tasks that began since the last look
                key = started.get()
                if key not in records and key not in running:
                    running.add(key)
                    board.update(key, "running")
    return records
