"""A warm Jupyter kernel per Dask worker, so a papermill run does not pay for starting Python.

Starting a kernel and importing torch and the workbench costs seconds, more than rendering a
short shot. A batch worker keeps one kernel, started and loaded once (:data:`PRELOAD`), and runs
every notebook it is given in it through the ``workbench-warm`` papermill engine. Between runs
the kernel's namespace is cleared (``%reset -f``) and its working folder set, so each notebook
starts from its parameters alone; what stays is what was imported. A kernel that died is
replaced on the next run.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

__all__ = ["ENGINE", "PRELOAD", "WarmEngine", "WarmKernel", "worker_kernel"]

ENGINE = "workbench-warm"
PRELOAD = """
import torch
torch.set_num_threads(1)
import IPython.display
import workbench.batch.jobs, workbench.batch.runner, workbench.render, workbench.model
import workbench.title.media
"""


class WarmKernel:
    """One kernel, started on first use and reused; one run at a time."""

    def __init__(self, kernel_name: str) -> None:
        self.kernel_name = kernel_name
        self.km: Any = None
        self.lock = threading.Lock()

    def ensure(self) -> Any:
        """The kernel manager of a live kernel with :data:`PRELOAD` imported."""
        from jupyter_client.manager import KernelManager

        if self.km is None or not self.km.is_alive():
            self.km = KernelManager(kernel_name=self.kernel_name)
            self.km.start_kernel()
            self.execute(PRELOAD)
        return self.km

    def execute(self, code: str, timeout: float = 300) -> None:
        """Run ``code`` in the kernel and wait for it; raise if it failed."""
        kc = self.km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
        finally:
            kc.stop_channels()
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"warm kernel: {reply['content'].get('ename')}: "
                               f"{reply['content'].get('evalue')}")

    def prepare(self, cwd: Path | None) -> Any:
        """A clean namespace in ``cwd`` for the next notebook; returns the kernel manager."""
        km = self.ensure()
        chdir = f"import os\nos.chdir({str(cwd)!r})\n" if cwd else ""
        self.execute(f"%reset -f\n{chdir}get_ipython().execution_count = 1")
        return km

    def shutdown(self) -> None:
        """Stop the kernel (a worker's exit does it too: the kernel follows its parent)."""
        if self.km is not None and self.km.is_alive():
            self.km.shutdown_kernel(now=True)
        self.km = None


_kernels: dict[str, WarmKernel] = {}


def worker_kernel(kernel_name: str) -> WarmKernel:
    """The warm kernel of ``kernel_name`` in this process (made on first call)."""
    return _kernels.setdefault(kernel_name, WarmKernel(kernel_name))


class WarmEngine(NBClientEngine):
    """Papermill's nbclient engine in the :class:`WarmKernel` ``warm``, in folder ``warm_cwd``."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: int = 60, execution_timeout: Any = None,
                                 **kwargs: Any) -> Any:
        """Execute ``nb_man``'s notebook in the warm kernel; leave the kernel running."""
        warm: WarmKernel = kwargs.pop("warm")
        with warm.lock:
            km = warm.prepare(kwargs.pop("warm_cwd", None))
            client = PapermillNotebookClient(
                nb_man, km=km, kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
                startup_timeout=start_timeout, timeout=execution_timeout)
            try:
                return client.execute()
            finally:  # the client does not own the kernel: close only its channels
                if client.kc is not None:
                    client.kc.stop_channels()
                atexit.unregister(client._cleanup_kernel)


papermill_engines.register(ENGINE, WarmEngine)
