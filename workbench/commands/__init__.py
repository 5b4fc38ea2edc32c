"""Every sub-command of ``workbench``, one module per command group.

Each module has ``register(add)``, where ``add(name, fn, help)`` makes a sub-parser whose
``fn(args) -> int`` runs the command. Modules import only the standard library at the top, so
``workbench --help`` stays instant; heavy imports go inside the command functions.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib import import_module

__all__ = ["COMMAND_MODULES", "AddCommand", "register_all"]

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]

# Order here is the order in `workbench --help`: the title's workflow, then the tools.
COMMAND_MODULES: tuple[str, ...] = ("title", "delivery", "apply", "demo", "train", "continuity",
                                    "look", "match", "key", "composite", "batch", "dashboard")


def register_all(add: AddCommand) -> None:
    """Add every command group's sub-commands through ``add``."""
    for name in COMMAND_MODULES:
        import_module(f"workbench.commands.{name}").register(add)
