"""Versioned schemas of everything the workbench stores, and the steps that upgrade them.

Every stored document carries ``"schema": "Name.N"``. When a writer changes, ``N`` goes up and
a function turning a ``Name.N`` dict into ``Name.N+1`` is registered with
:func:`register_upgrade`; readers call :func:`upgrade`, which walks the steps from what the file
holds to what this workbench writes, so a model or title made by an older workbench opens in
this one. A document newer than this workbench knows is refused with an error naming the file
(never read half-understood and written back without what it did not understand). This is
OpenTimelineIO's ``upgrade_function_for``.

Example
-------
>>> @register_upgrade("Example", 1)
... def _(doc):
...     doc["gain"] = doc.pop("scale")
...     return doc
>>> upgrade({"schema": "Example.1", "scale": 2.0}, "Example.2", where="example.json")
{'schema': 'Example.2', 'gain': 2.0}
>>> del UPGRADES[("Example", 1)]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.errors import ParameterError, WorkbenchError

__all__ = [
    "UPGRADES",
    "Upgrade",
    "check_readable",
    "parse_schema",
    "register_upgrade",
    "upgrade",
]

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

#: ``{(name, version): fn}``: ``fn`` turns a ``name.version`` dict into ``name.version+1``.
UPGRADES: dict[tuple[str, int], Upgrade] = {}


def register_upgrade(name: str, version: int) -> Callable[[Upgrade], Upgrade]:
    """Decorator: register ``fn(doc)`` upgrading a ``name.version`` dict to ``version + 1``.

    ``fn`` gets a shallow copy it may change and returns the upgraded dict; :func:`upgrade`
    sets its ``"schema"``.
    """
    if not name or "." in name or version < 0:
        raise ValueError(f"register_upgrade: expected a schema name and version >= 0, got "
                         f"{name!r}, {version!r}")

    def decorate(fn: Upgrade) -> Upgrade:
        UPGRADES[(name, version)] = fn
        return fn
    return decorate


def parse_schema(schema: object) -> tuple[str, int] | None:
    """``"CDL.2"`` → ``("CDL", 2)``; ``None`` for anything that is not ``Name.N``."""
    if not isinstance(schema, str):
        return None
    name, _, version = schema.rpartition(".")
    if not name or not version.isdigit():
        return None
    return name, int(version)


def check_readable(doc: object, current: str, where: str,
                   error: type[WorkbenchError] = ParameterError) -> int:
    """The schema version of ``doc``, once it is known to be one this workbench can upgrade.

    Parameters
    ----------
    doc
        The stored document (a dict with ``"schema"``).
    current
        The schema this workbench writes, e.g. ``"Pipeline.1"``.
    where
        The file (or object) named in errors.
    error
        The :class:`~workbench.errors.WorkbenchError` subclass to raise.

    Raises
    ------
    error
        ``doc`` is not a dict of schema ``Name.N`` for ``current``'s name, is newer than
        ``current``, or is older with a step missing.
    """
    want = parse_schema(current)
    assert want is not None, f"not a schema: {current!r}"
    name, latest = want
    got = parse_schema(doc.get("schema") if isinstance(doc, dict) else None)
    if got is None or got[0] != name:
        shown = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise error(f"{where}: expected schema {name}.N, got {shown!r}")
    version = got[1]
    if version > latest:
        raise error(f"{where}: schema {name}.{version} was written by a newer workbench (this "
                    f"one reads up to {current}); upgrade workbench to open it")
    for step in range(version, latest):
        if (name, step) not in UPGRADES:
            raise error(f"{where}: schema {name}.{version} is too old to read (no upgrade from "
                        f"{name}.{step} to {name}.{step + 1})")
    return version


def upgrade(doc: object, current: str, where: str,
            error: type[WorkbenchError] = ParameterError) -> dict[str, Any]:
    """``doc`` brought to schema ``current``, one registered step at a time.

    ``doc`` itself is not changed. See :func:`check_readable` for the arguments and errors; an
    error inside a step is re-raised as ``error`` naming ``where`` and the step.
    """
    version = check_readable(doc, current, where, error)
    assert isinstance(doc, dict)
    name, latest = parse_schema(current) or ("", 0)
    out = dict(doc)
    for step in range(version, latest):
        try:
            out = UPGRADES[(name, step)](dict(out))
        except WorkbenchError as exc:
            raise error(f"{where}: upgrading {name}.{step} to {name}.{step + 1}: {exc}"
                        ) from None
        out["schema"] = f"{name}.{step + 1}"
    return out
