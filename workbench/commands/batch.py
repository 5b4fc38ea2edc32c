"""`workbench batch`: being built (see the issue tracker); registers nothing yet."""

from __future__ import annotations

from workbench.commands import AddCommand


def register(add: AddCommand) -> None:
    """Add this group's sub-commands through ``add``."""
