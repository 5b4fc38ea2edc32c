"""One papermill run of a template, and its results read back from the executed notebook.

A template's work cell ends with :func:`publish`, which shows the per-item results as a table
and as ``application/vnd.workbench.batch+json``; :func:`run_template` lifts that output into the
executed notebook's metadata (``metadata.workbench.batch``) with the run's own status, failing
cell and error, so everything about a run is read from one place (:func:`read_results`).
"""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

__all__ = [
    "BATCH_MIME",
    "KERNEL",
    "provenance",
    "publish",
    "read_results",
    "run_template",
    "title_model_version",
]

BATCH_MIME = "application/vnd.workbench.batch+json"
KERNEL = "workbench"


def title_model_version(title_dir: str | Path) -> str | None:
    """The current title model's version id (``models/current``), or ``None`` without one."""
    current = Path(title_dir) / "models" / "current"
    return current.read_text().strip() if current.is_file() else None


def provenance(title_dir: str | Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """What a result was made with: the package version, the title model version, parameters."""
    from importlib.metadata import version

    # The installed distribution's version (the package's own module sits above this layer).
    return {"package_version": version("workbench"), "title_model_version":
            title_model_version(title_dir), "parameters": dict(parameters)}


def publish(template: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Show a template's results as a table and as :data:`BATCH_MIME`; return the summary.

    Called in a template's work cell, which is then the cell a failed item is reported in.
    """
    from IPython.display import display

    summary = {"template": template, "results": results,
               "done": sum(r["status"] == "done" for r in results),
               "failed": sum(r["status"] == "failed" for r in results)}
    rows = "".join(
        f"<tr><td><code>{html.escape(r['key'])}</code></td><td>{r['status']}</td>"
        f"<td>{r['seconds']:.2f}</td><td>{len(r.get('outputs', []))}</td>"
        f"<td>{html.escape(r.get('error_name', ''))} {html.escape(r.get('error_value', ''))}"
        f"</td></tr>" for r in results)
    display({BATCH_MIME: summary,
             "text/html": "<table><tr><th>item</th><th>status</th><th>seconds</th>"
                          f"<th>outputs</th><th>error</th></tr>{rows}</table>",
             "text/plain": f"{summary['done']} done, {summary['failed']} failed"}, raw=True)
    return summary


def _published(nb: Any) -> tuple[int | None, dict[str, Any] | None]:
    """The index of the cell that published results, and the results (``None`` if none)."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if BATCH_MIME in out.get("data", {}):
                return index, dict(out["data"][BATCH_MIME])
    return None, None


def run_template(template: Path, executed: Path, parameters: dict[str, Any],
                 cwd: Path | None = None, kernel: str = KERNEL, warm: bool = False
                 ) -> dict[str, Any]:
    """Execute ``template`` with ``parameters`` into ``executed``; return the run's record.

    The executed notebook is written under a temporary name and renamed onto ``executed`` when
    the run is over, failed or not: a run killed midway leaves no ``executed`` behind. The
    record (also in its ``metadata.workbench.batch``) has ``status`` (``"done"`` when every
    item is done), ``seconds``, ``cell`` (the failing cell's index), ``error_name``,
    ``error_value``, ``results`` (per item, as the template published them) and ``notebook``.
    """
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from workbench.io.atomic import atomic_path

    executed = Path(executed).absolute()
    executed.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    error: dict[str, Any] = {}
    engine: dict[str, Any] = {}
    if warm:
        from workbench.batch.kernel import ENGINE, worker_kernel

        engine = {"engine_name": ENGINE, "warm": worker_kernel(kernel), "warm_cwd": cwd}
    with atomic_path(executed) as tmp:
        try:
            pm.execute_notebook(str(template), str(tmp), parameters=parameters,
                                kernel_name=kernel, progress_bar=False,
                                cwd=str(cwd) if cwd else None, **engine)
        except PapermillExecutionError as exc:
            error = {"cell": exc.cell_index, "error_name": exc.ename, "error_value": exc.evalue}
        except Exception as exc:  # the kernel died, a timeout: still a record, not a crash
            error = {"cell": None, "error_name": type(exc).__name__, "error_value": str(exc)}
        if not tmp.exists():  # papermill failed before writing anything
            nbformat.write(nbformat.read(str(template), as_version=4), str(tmp))
        nb = nbformat.read(str(tmp), as_version=4)
        cell, published = _published(nb)
        results = (published or {}).get("results", [])
        failed = [r for r in results if r["status"] != "done"]
        if not error and failed:
            first = failed[0]
            error = {"cell": cell, "error_name": first.get("error_name"),
                     "error_value": first.get("error_value")}
        if not error and published is None:
            error = {"cell": None, "error_name": "BatchError",
                     "error_value": f"{Path(template).name} published no results"}
        record = {"status": "failed" if error else "done",
                  "seconds": round(time.perf_counter() - start, 3),
                  "cell": error.get("cell"), "error_name": error.get("error_name"),
                  "error_value": error.get("error_value"), "results": results,
                  "notebook": str(executed)}
        nb.metadata.setdefault("workbench", {})["batch"] = record
        nbformat.write(nb, str(tmp))
    return record


def read_results(executed: Path) -> dict[str, Any]:
    """The record :func:`run_template` stored in an executed notebook's metadata."""
    import nbformat

    from workbench.errors import WorkbenchError

    nb = nbformat.read(str(executed), as_version=4)
    try:
        return dict(nb.metadata["workbench"]["batch"])
    except KeyError:
        raise WorkbenchError(f"{executed}: no batch results in its metadata "
                             f"(not a notebook run by workbench.batch)") from None
