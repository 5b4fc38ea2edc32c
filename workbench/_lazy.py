"""Lazy re-exports for package ``__init__`` modules (PEP 562), so light commands stay light.

A package lists which of its public names live in which heavy submodule; the submodule is
imported the first time one of its names is asked for, and the value is then bound on the
package, so later lookups are plain attributes. ``__all__`` stays the public surface, ``dir()``
lists the lazy names too, and the package imports the same names under ``TYPE_CHECKING`` for
type checkers.

Example
-------
In ``workbench/io/__init__.py``::

    __getattr__, __dir__ = lazy_exports(__name__, {"movie": ("probe_movie", ...)})
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, submodules: Mapping[str, Sequence[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for names of its heavy submodules.

    Parameters
    ----------
    package
        The package's ``__name__``.
    submodules
        Submodule name (relative, e.g. ``"movie"``) → the public names it provides.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign at the package's top level.

    Notes
    -----
    A lazy name must not also be the name of a submodule: importing that submodule binds the
    module on the package under the same name, and the function would be hidden behind it.
    """
    where = {name: sub for sub, names in submodules.items() for name in names}
    children = {m.name for m in pkgutil.iter_modules(sys.modules[package].__path__)}
    clash = sorted(set(where) & children)
    if clash:
        raise ValueError(f"{package}: lazy names {clash} are also submodule names")

    def getattr_(name: str) -> Any:
        sub = where.get(name)
        if sub is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{sub}")
        pkg = sys.modules[package]
        for other in submodules[sub]:  # one import binds all of the submodule's names
            setattr(pkg, other, getattr(module, other))
        return getattr(module, name)

    def dir_() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return getattr_, dir_
