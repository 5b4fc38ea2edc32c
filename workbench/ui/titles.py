"""A title handle that is safe on any thread: widget messages may arrive off the cell's thread.

ipykernel delivers some comm messages on a thread other than the one that ran the cell, and a
SQLite connection may only be used on the thread that opened it; so each thread gets its own
:class:`~workbench.title.Title` on the same directory.
"""

from __future__ import annotations

import threading

from workbench.title import Title

__all__ = ["ThreadTitles"]


class ThreadTitles:
    """``get()`` returns ``title`` on its own thread and a fresh ``Title.open`` elsewhere."""

    def __init__(self, title: Title) -> None:
        self.root = title.root
        self._owner = threading.get_ident()
        self._title = title
        self._local = threading.local()

    def get(self) -> Title:
        """The title for the calling thread."""
        if threading.get_ident() == self._owner:
            return self._title
        title = getattr(self._local, "title", None)
        if title is None:
            title = self._local.title = Title.open(self.root)
        return title
