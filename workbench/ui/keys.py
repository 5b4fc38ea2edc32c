"""AppKeys: the app's own shortcuts and their visible key map; JupyterLab's keys stay outside.

The front end marks the whole app (``.wb-app``) so that JupyterLab's command-mode shortcuts
(``d d`` deletes a cell, ``m`` makes it Markdown) never fire while focus is inside it, and
turns the app's keys into ``{"type": "key", "action": ...}`` messages. None of the keys is a
JupyterLab command-mode key, so a press that misses the app does nothing to the notebook
(Space plays the shot: an editor's J and K are JupyterLab's "select cell below/above" when a
press misses the app). ``toggle`` and ``play`` are handled in the page, never sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

__all__ = ["KEYMAP", "AppKeys"]

STATIC = Path(__file__).with_name("static")

# (key as KeyboardEvent.key, with "Ctrl+" for Ctrl or Cmd), action, what the key map says.
KEYMAP: tuple[tuple[str, str, str], ...] = (
    ("n", "next", "next shot"),
    ("p", "previous", "previous shot"),
    ("g", "accept", "accept"),
    ("f", "reject", "reject"),
    ("t", "toggle", "before/after"),
    (" ", "play", "play/pause"),
    (",", "frame-back", "frame back"),
    (".", "frame-forward", "frame forward"),
    ("Ctrl+z", "undo", "undo"),
    ("Ctrl+Shift+z", "redo", "redo"),
)
ACTIONS = tuple(action for _key, action, _label in KEYMAP)


class AppKeys(anywidget.AnyWidget):
    """The key map shown under the viewer; a key press inside the app calls ``on_action``.

    ``keymap`` rows are ``{"key", "action", "label"}``; ``pressed`` counts the actions
    received (for tests and scripts).
    """

    _esm = STATIC / "keys.js"
    _css = STATIC / "workbench.css"

    keymap = t.List(t.Dict(), [{"key": k, "action": a, "label": lbl}
                               for k, a, lbl in KEYMAP]).tag(sync=True)
    pressed = t.Int(0).tag(sync=True)

    def __init__(self, on_action: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_action = on_action
        self.on_msg(self._on_front_end)

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        action = str(content.get("action", ""))
        if content.get("type") != "key" or action not in ACTIONS:
            return
        self.pressed += 1
        if self.on_action is not None:
            self.on_action(action)
