"""The workbench's error tree.

Every error a user can cause derives from :class:`WorkbenchError`; the CLI prints its message on
one line and exits non-zero. A message says what was expected, what came, and where:
``"A001C003.mov frame 212: NaN in 3 pixels"``.
"""

from __future__ import annotations

__all__ = [
    "ColourSpaceError",
    "DecisionError",
    "MediaError",
    "ParameterError",
    "ShapeError",
    "TitleError",
    "WorkbenchError",
]


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


class MediaError(WorkbenchError):
    """A movie, image or sequence is missing, unreadable, truncated or holds bad pixels."""


class ColourSpaceError(WorkbenchError):
    """A colour-space name is unknown to the title's OpenColorIO config."""


class ShapeError(WorkbenchError):
    """A tensor or image does not have the expected shape."""


class ParameterError(WorkbenchError):
    """An operator or command parameter is outside its declared bounds."""


class TitleError(WorkbenchError):
    """A title directory is missing, malformed, or does not hold what was asked for."""


class DecisionError(WorkbenchError):
    """A decision cannot be taken or acted on (e.g. rendering a shot nobody accepted)."""
