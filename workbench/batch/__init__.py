"""Batch jobs for TDs: papermill templates, run one item at a time, fanned out on Dask.

:mod:`~workbench.batch.progress` (the live ``progress.json``) and
:mod:`~workbench.batch.templates` import only the standard library; the rest loads on first
use, so the dashboard can read a batch's progress cheaply.
"""

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports
from workbench.batch.progress import PROGRESS_SCHEMA, BatchProgress, read_progress
from workbench.batch.templates import TEMPLATES, Template, find_template, template_parameters

if TYPE_CHECKING:
    from workbench.batch.fanout import BatchRun, run_batch
    from workbench.batch.jobs import (
        continuity_scenes,
        propose_shots,
        render_accepted_shots,
        review_copies,
        train_model,
    )
    from workbench.batch.runner import BATCH_MIME, publish, read_results, run_template

__getattr__, __dir__ = lazy_exports(__name__, {
    "fanout": ("BatchRun", "run_batch"),
    "jobs": ("continuity_scenes", "propose_shots", "render_accepted_shots", "review_copies",
             "train_model"),
    "runner": ("BATCH_MIME", "publish", "read_results", "run_template"),
})

__all__ = [
    "BATCH_MIME",
    "PROGRESS_SCHEMA",
    "TEMPLATES",
    "BatchProgress",
    "BatchRun",
    "Template",
    "continuity_scenes",
    "find_template",
    "propose_shots",
    "publish",
    "read_progress",
    "read_results",
    "render_accepted_shots",
    "review_copies",
    "run_batch",
    "run_template",
    "template_parameters",
    "train_model",
]
