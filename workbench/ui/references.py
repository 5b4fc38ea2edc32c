"""References for the compare view: the source, the scene's anchor, versions, stills.

The "before" side can show the source, the scene's anchor, another proposal of the shot (A/B
between versions, e.g. the classical and the title model's), or a still from the gallery.

Stills are display-referred JPEGs (what the viewer showed when grabbed) in ``stills/`` of the
title, each with a JSON sidecar naming the shot, frame and what was shown; written atomically.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import ParameterError
from workbench.io.atomic import atomic_write_bytes, atomic_write_text
from workbench.title import Shot, Title, get_proposal

__all__ = ["STILLS_DIR", "Reference", "StillGallery", "reference_choices", "shot_proposal_ids"]

STILLS_DIR = "stills"
SOURCE = "source"
ANCHOR = "anchor"


@dataclass(frozen=True)
class Reference:
    """One reference to compare against: its key and the label the viewer shows.

    Keys: ``source``, ``anchor``, ``proposal:ID``, ``still:NAME``.
    """

    key: str
    label: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready (the widget's ``references`` rows)."""
        return {"key": self.key, "label": self.label}


class StillGallery:
    """The title's stored stills: ``stills/NAME.jpg`` and ``stills/NAME.json``."""

    def __init__(self, title_root: Path) -> None:
        self.root = Path(title_root) / STILLS_DIR

    def names(self) -> list[str]:
        """Every still, oldest first."""
        if not self.root.is_dir():
            return []
        found = [p for p in self.root.glob("*.jpg") if p.with_suffix(".json").exists()]
        return [p.stem for p in sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))]

    def save(self, name: str, jpeg: bytes, meta: dict[str, Any]) -> str:
        """Store ``jpeg`` as ``name`` (made unique and file-safe); returns the name used."""
        if jpeg[:2] != b"\xff\xd8":
            raise ParameterError(f"still {name!r}: not a JPEG ({len(jpeg)} bytes)")
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "still"
        used, n = base, 1
        while (self.root / f"{used}.jpg").exists():
            n += 1
            used = f"{base}_{n}"
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.root / f"{used}.jpg", jpeg)
        atomic_write_text(self.root / f"{used}.json", json.dumps(meta, indent=1))
        return used

    def load(self, name: str) -> bytes:
        """The still's JPEG bytes."""
        path = self.root / f"{name}.jpg"
        if not path.is_file():
            raise ParameterError(f"{self.root}: no still {name!r} (have {self.names()})")
        return path.read_bytes()


def shot_proposal_ids(title: Title, shot: Shot) -> list[int]:
    """Ids of every proposal for ``shot``, oldest first."""
    rows = title.db.execute("SELECT id FROM proposals WHERE shot_id=? ORDER BY id", (shot.id,))
    return [int(r[0]) for r in rows]


def reference_choices(title: Title, shot: Shot, shown_proposal: int | None) -> list[Reference]:
    """What ``shot`` can be compared against, the source first."""
    out = [Reference(SOURCE, "source")]
    anchor = title.anchor(shot.scene)
    if anchor is not None and anchor.name != shot.name:
        out.append(Reference(ANCHOR, f"anchor {anchor.name}"))
    for pid in shot_proposal_ids(title, shot):
        if pid != shown_proposal:
            p = get_proposal(title, pid)
            out.append(Reference(f"proposal:{pid}", f"proposal #{pid} · {p.model_version}"))
    out += [Reference(f"still:{n}", f"still {n}") for n in StillGallery(title.root).names()]
    return out
