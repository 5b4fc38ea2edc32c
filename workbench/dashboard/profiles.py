"""The title's profiles per shot and the continuity flags drawn from them, for the dashboard.

Profiles come from the current title model (``workbench train`` measures them on every shot),
so the dashboard decodes no video for them. Continuity compares those profiles within each
scene, against the scene's anchor or its consensus (:func:`workbench.model.continuity
.check_continuity` in its profile mode: no frames, so no paired measurement and no fix).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import TitleError
from workbench.model.continuity import ContinuityItem, check_continuity
from workbench.model.profiles import ShotProfile
from workbench.model.title_model import TitleModel
from workbench.title import Title

__all__ = ["PLOTTED", "ProfileSource", "TitleProfiles", "metric_table", "title_profiles"]

# The profile metrics the plots show: name -> (label, unit).
PLOTTED = {
    "exposure": ("Exposure", "stops"),
    "cct": ("Colour temperature", "K"),
    "saturation": ("Saturation", ""),
}


@dataclass
class TitleProfiles:
    """Per-shot metrics and continuity findings of a title, or why there are none.

    ``rows`` holds one dict per profiled shot: ``shot``, ``scene``, every metric of
    :meth:`ShotProfile.metrics`, ``flag``, ``score`` and ``reasons`` (a list of sentences).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""
    missing: str = ""  # why there are no profiles (no trained model), shown to the reader

    @property
    def flagged(self) -> list[dict[str, Any]]:
        """The rows continuity flags, worst first."""
        return sorted((r for r in self.rows if r["flag"]), key=lambda r: -r["score"])


def _anchors(title: Title) -> dict[str, str]:
    rows = title.db.execute(
        "SELECT sc.name, s.name FROM scenes sc JOIN shots s ON s.id = sc.anchor_shot_id")
    return {r[0]: r[1] for r in rows}


def title_profiles(root: Path, scenes: Mapping[str, str] | None = None) -> TitleProfiles:
    """Profiles and continuity of title ``root``'s shots, from its current model.

    ``scenes`` maps shot name to scene (default: read from the catalog); shots the model
    did not profile (ingested after training) are left out.
    """
    try:
        model = TitleModel.load(root)
    except TitleError as exc:
        return TitleProfiles(missing=str(exc))
    with Title.open(root, "ro") as title:
        if scenes is None:
            scenes = {s.name: s.scene for s in title.shots()}
        anchors = _anchors(title)
    profiles = dict(model.profiles.get("shots", {}))
    items = [ContinuityItem(name, scenes[name], ShotProfile.from_dict(doc))
             for name, doc in profiles.items() if name in scenes]
    if not items:
        return TitleProfiles(model_version=model.model_version,
                             missing=f"{root}: the title model profiled none of its shots; "
                                     f"retrain with `workbench train {root}`")
    names = {it.name for it in items}
    anchors = {g: a for g, a in anchors.items() if a in names}
    findings = {f.item: f for f in check_continuity(items, anchors, fix=False)}
    rows = []
    for it in items:
        f = findings[it.name]
        rows.append({"shot": it.name, "scene": it.group, **it.profile.metrics(),
                     "flag": f.flag, "score": round(f.score, 3), "reasons": list(f.reasons),
                     "reference": f.reference})
    return TitleProfiles(rows, model.model_version)


def metric_table(rows: Sequence[Mapping[str, Any]], metric: str) -> list[dict[str, Any]]:
    """``shot``, ``scene``, ``value``, ``flag`` for one metric, ready for a plot."""
    return [{"shot": r["shot"], "scene": r["scene"], "value": float(r[metric]),
             "flag": "flagged" if r["flag"] else "ok"} for r in rows if metric in r]


class ProfileSource:
    """The title's profiles, computed once in the background and shared by every session.

    :meth:`get` waits for them; :meth:`peek` answers at once (``None`` while computing), so
    a page never waits for profiles it does not show.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._done = threading.Event()
        self._value: TitleProfiles | None = None
        self._thread = threading.Thread(target=self._run, name="dashboard-profiles",
                                        daemon=True)

    def start(self) -> ProfileSource:
        """Begin computing (once); returns ``self``."""
        if not self._thread.is_alive() and not self._done.is_set():
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._value = title_profiles(self.root)
        except Exception as exc:  # shown on the page, never kills the server
            self._value = TitleProfiles(missing=f"{self.root}: profiles failed ({exc})")
        finally:
            self._done.set()

    def get(self) -> TitleProfiles:
        """The profiles, waiting for them if needed."""
        self.start()
        self._done.wait()
        assert self._value is not None
        return self._value

    def peek(self) -> TitleProfiles | None:
        """The profiles if already computed, else ``None``."""
        return self._value if self._done.is_set() else None
