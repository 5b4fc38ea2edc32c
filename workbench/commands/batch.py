"""``workbench batch``: run a papermill template once per shot (or scene), fanned out on Dask.

The work is :func:`workbench.batch.fanout.run_batch`; this module only parses the command line,
checks that the ``batch`` extra is installed and prints where things went.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from pathlib import Path

from workbench.commands import AddCommand

__all__ = ["cmd_batch", "register"]

NEEDS = ("papermill", "distributed", "nbclient")


def cmd_batch(a: argparse.Namespace) -> int:
    """Run the batch; exit 1 when any item failed, 0 when all are done."""
    from workbench.errors import WorkbenchError

    for name in NEEDS:
        try:
            import_module(name)
        except ImportError as exc:
            raise WorkbenchError(f"workbench batch needs {name}, which is not installed "
                                 f"({exc}): install the batch extra, "
                                 f"pip install 'workbench[batch]'") from None
    from workbench.batch.fanout import run_batch

    def say(msg: str) -> None:
        print(msg, file=sys.stderr)

    run = run_batch(a.template, a.title_dir, shots=a.shots, scene=a.scene,
                    parameters=a.param or (), workers=a.workers, scheduler=a.scheduler,
                    out=a.out, retry_failed=a.retry_failed, progress=not a.quiet, say=say)
    for r in run.records:
        detail = (f"{r.get('error_name')}: {r.get('error_value')}" if r["status"] == "failed"
                  else f"{len(r.get('outputs') or [])} output(s)")
        seconds = f"{r['seconds']:7.2f} s" if r.get("seconds") is not None else " " * 9
        print(f"{r['key']:24s} {r['status']:8s} {seconds}  {detail}")
    print(f"summary: {run.out / 'summary.json'} and {run.out / 'summary.csv'}; "
          f"notebooks in {run.out / 'notebooks'}")
    return 1 if run.failed else 0


def register(add: AddCommand) -> None:
    """Add ``workbench batch``."""
    sp = add("batch", cmd_batch,
             "run a papermill template once per shot (or scene) of a title, fanned out on Dask "
             "(resumable; summary.json/csv and the executed notebooks in OUT)")
    sp.add_argument("template", help="render_accepted, review_copies, propose, "
                                     "train_title_model, continuity_report, or a .ipynb path")
    sp.add_argument("title_dir", type=Path, help="the title; workers must see it at this path")
    which = sp.add_mutually_exclusive_group()
    which.add_argument("--shots", nargs="+", metavar="S", help="these shots only")
    which.add_argument("--scene", metavar="S", help="this scene only (its shots, or itself)")
    sp.add_argument("-p", "--param", nargs=2, action="append", metavar=("KEY", "VALUE"),
                    help="a template parameter (JSON, or text; lists comma separated)")
    where = sp.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2,
                       help="local Dask worker processes on 127.0.0.1 (default 2)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="an existing Dask scheduler instead of a local cluster")
    sp.add_argument("--out", type=Path, help="output folder (default TITLE_DIR/batches/TEMPLATE)")
    sp.add_argument("--retry-failed", action="store_true",
                    help="run only the items that failed last time")
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
