"""A title's settings: ``title.json`` at the root of the title directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.color.config import CONFIG_URI
from workbench.errors import TitleError
from workbench.io.atomic import atomic_write_text
from workbench.schema import upgrade

__all__ = ["SETTINGS_FILE", "SETTINGS_SCHEMA", "TitleSettings", "now_iso"]

SETTINGS_FILE = "title.json"
SETTINGS_SCHEMA = "TitleSettings.1"
"""What :meth:`TitleSettings.save` writes; older ``title.json`` upgrade through
:mod:`workbench.schema`, newer ones are refused."""


def now_iso() -> str:
    """Current UTC time, ISO 8601 with seconds: what every record in a title carries."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class TitleSettings:
    """What a production fixes once: its name, colour pipeline and creative limits."""

    name: str
    working_space: str = "ACEScg"
    delivery_space: str = "Rec.709"
    ocio_config: str = CONFIG_URI
    strength_cap: float = 1.0
    created_at: str = field(default_factory=now_iso)
    metadata: dict[str, Any] = field(default_factory=dict)
    schema: str = SETTINGS_SCHEMA

    def __post_init__(self) -> None:
        if not (isinstance(self.strength_cap, int | float) and 0.0 < self.strength_cap <= 1.0):
            raise TitleError(f"strength_cap must be in (0, 1], got {self.strength_cap!r}")
        if self.working_space != "ACEScg":
            raise TitleError(f"working_space must be ACEScg (the only working space this "
                             f"version grades in), got {self.working_space!r}")
        if self.ocio_config != CONFIG_URI:
            raise TitleError(f"ocio_config must be {CONFIG_URI} (the config this version is "
                             f"checked against), got {self.ocio_config!r}")
        from workbench.color import resolve_space

        resolve_space(self.delivery_space)

    def save(self, title_dir: Path) -> None:
        """Write ``title.json`` atomically."""
        atomic_write_text(title_dir / SETTINGS_FILE, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, title_dir: Path) -> TitleSettings:
        """Read ``title.json``, upgraded to :data:`SETTINGS_SCHEMA`.

        A missing or malformed file, or one written by a newer workbench, raises
        :class:`TitleError` naming it (a newer one is not read: saving it back would drop what
        this version does not know).
        """
        path = title_dir / SETTINGS_FILE
        if not path.is_file():
            raise TitleError(f"{title_dir}: not a title directory (no {SETTINGS_FILE}); "
                             f"create one with `workbench init {title_dir}`")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise TitleError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
        data = upgrade(data, SETTINGS_SCHEMA, str(path), TitleError)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
