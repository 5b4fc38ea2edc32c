"""Proposals, the append-only decision journal, and the record of renders.

The machine proposes (:func:`add_proposal`); an artist decides (:func:`decide`): accept the
proposal as it is, adjust its strength, or reject it. Every decision is a new journal entry with
who, when, the operator chain, its strength and the model version; entries are never changed
or deleted (SQLite triggers refuse it). The latest entry for a shot is the one that counts.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import DecisionError, ParameterError
from workbench.title.catalog import Title
from workbench.title.records import Shot
from workbench.title.settings import now_iso

if TYPE_CHECKING:
    from workbench.ops import Pipeline

__all__ = [
    "VERDICTS",
    "Decision",
    "Proposal",
    "accepted_decisions",
    "add_proposal",
    "current_user",
    "decide",
    "get_proposal",
    "journal",
    "latest_decision",
    "latest_proposal",
    "latest_renders",
    "record_render",
    "shot_status",
]

VERDICTS = ("accept", "adjust", "reject")


@dataclass(frozen=True)
class Proposal:
    """What the model proposes for a shot: an operator chain, a strength and a confidence."""

    id: int
    shot: str
    anchor_shot: str | None
    model_version: str
    pipeline_json: str
    strength: float
    confidence: float
    summary: str
    created_at: str
    active_area: dict[str, int] | None = None
    details: dict[str, Any] | None = None
    """What made the proposal, for tracing it: the model and the classical fit compared on
    this shot (``"model"``, ``"classical"``), the artist preference applied
    (``"preference"``); ``None`` for proposals stored before catalog version 3."""

    @functools.cached_property
    def pipeline(self) -> Pipeline:
        """The operator chain, read from :attr:`pipeline_json` when first asked for."""
        return _pipeline(self.pipeline_json)


@dataclass(frozen=True)
class Decision:
    """One journal entry: an artist's verdict on a proposal."""

    id: str
    seq: int
    shot: str
    proposal_id: int | None
    verdict: str
    strength: float | None  # None for a reject: nothing is applied, at no strength
    pipeline_json: str
    model_version: str
    decided_by: str
    decided_at: str
    note: str
    active_area: dict[str, int] | None = None

    @functools.cached_property
    def pipeline(self) -> Pipeline:
        """The operator chain, read from :attr:`pipeline_json` when first asked for."""
        return _pipeline(self.pipeline_json)

    @property
    def applied_strength(self) -> float:
        """The strength a render applies the chain at; a reject applies nothing and refuses."""
        if self.strength is None:
            raise DecisionError(f"shot {self.shot}: decision {self.id} is a {self.verdict}, "
                                f"which applies nothing at any strength")
        return self.strength

    def applied_pipeline(self) -> Pipeline:
        """The operator chain at the strength the artist chose: what every render applies.

        Render, export (grades, timeline), the title model's training pairs and the report all
        take the decided grade from here. A reject raises :class:`DecisionError`.
        """
        return self.pipeline.at_strength(self.applied_strength)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as ``workbench log --json`` prints it (a reject's strength: null)."""
        return {
            "id": self.id, "seq": self.seq, "shot": self.shot, "proposal_id": self.proposal_id,
            "verdict": self.verdict, "strength": self.strength,
            "pipeline": self.pipeline.to_dict(), "model_version": self.model_version,
            "decided_by": self.decided_by, "decided_at": self.decided_at, "note": self.note,
            "active_area": self.active_area,
        }


def _pipeline(text: str) -> Pipeline:
    # Operators are torch code: parsed only when a chain is used, so status and log stay light.
    import workbench.interchange.lut_files  # noqa: F401  (reads the .cube a LUT3D.1 grade names)
    from workbench.ops import Pipeline

    return Pipeline.from_json(text)


def current_user() -> str:
    """Who is deciding: ``$WORKBENCH_USER``, else the login name."""
    return os.environ.get("WORKBENCH_USER") or getpass.getuser()


def add_proposal(title: Title, shot: Shot, pipeline: Pipeline, *, model_version: str,
                 strength: float, confidence: float, summary: str,
                 anchor: Shot | None = None,
                 active_area: dict[str, int] | None = None,
                 details: dict[str, Any] | None = None) -> Proposal:
    """Store a proposal for ``shot``; its strength is capped by the title's ``strength_cap``.

    ``active_area`` is the picture area (full-resolution rows and columns); the grade applies
    inside it and letterbox bars outside it are kept as shot. ``details`` (JSON-ready) records
    what made it (see :attr:`Proposal.details`).
    """
    strength = min(strength, title.settings.strength_cap)
    cur = title.db.execute(
        "INSERT INTO proposals(shot_id, anchor_shot_id, model_version, pipeline, strength,"
        " confidence, summary, active_area, details, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (shot.id, anchor.id if anchor else None, model_version, pipeline.to_json(), strength,
         confidence, summary, json.dumps(active_area) if active_area else None,
         json.dumps(details, sort_keys=True) if details else None, now_iso()))
    return get_proposal(title, int(cur.lastrowid or 0))


def latest_proposal(title: Title, shot: Shot) -> Proposal | None:
    """The newest proposal for ``shot``, or ``None``."""
    row = title.db.execute("SELECT id FROM proposals WHERE shot_id=? ORDER BY id DESC LIMIT 1",
                           (shot.id,)).fetchone()
    return get_proposal(title, int(row[0])) if row else None


def get_proposal(title: Title, pid: int) -> Proposal:
    """The proposal with id ``pid``."""
    r = title.db.execute(
        "SELECT p.*, s.name AS shot, a.name AS anchor FROM proposals p JOIN shots s ON "
        "s.id=p.shot_id LEFT JOIN shots a ON a.id=p.anchor_shot_id WHERE p.id=?", (pid,)).fetchone()
    if r is None:
        raise DecisionError(f"{title.root.name}: no proposal {pid}")
    return Proposal(r["id"], r["shot"], r["anchor"], r["model_version"],
                    r["pipeline"], r["strength"], r["confidence"],
                    r["summary"], r["created_at"], _area(r["active_area"]),
                    json.loads(r["details"]) if r["details"] else None)


def _area(text: str | None) -> dict[str, int] | None:
    return json.loads(text) if text else None


def decide(title: Title, shot: Shot, verdict: str, *, strength: float | None = None,
           note: str = "", by: str | None = None, proposal_id: int | None = None) -> Decision:
    """Journal an artist's verdict on a proposal for ``shot`` (by default its latest).

    ``accept`` takes the proposal at its proposed strength; ``adjust`` needs ``strength``;
    ``reject`` records that nothing is to be rendered for the shot, and has no strength.
    Naming ``proposal_id`` makes sure the verdict is on the proposal the artist looked at, even
    if a newer one exists.
    """
    if verdict not in VERDICTS:
        raise DecisionError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    if proposal_id is not None:
        proposal: Proposal | None = get_proposal(title, proposal_id)
        if proposal is not None and proposal.shot != shot.name:
            raise DecisionError(f"proposal {proposal_id} is for shot {proposal.shot}, "
                                f"not {shot.name}")
    else:
        proposal = latest_proposal(title, shot)
    if proposal is None:
        raise DecisionError(f"shot {shot.name}: nothing to decide, no proposal yet "
                            f"(run `workbench propose {title.root}`)")
    if verdict == "adjust" and strength is None:
        raise DecisionError(f"shot {shot.name}: adjust needs --strength")
    if verdict != "adjust" and strength is not None:
        raise DecisionError(f"shot {shot.name}: --strength is for adjust, not {verdict}")
    if strength is not None:
        cap = title.settings.strength_cap
        if not 0.0 <= strength <= cap:
            raise ParameterError(f"shot {shot.name}: strength must be in [0, {cap:g}] "
                                 f"(the title's cap), got {strength:g}")
    chosen: float | None = proposal.strength if strength is None else strength
    if verdict == "reject":
        chosen = None
    did = str(uuid.uuid4())
    area = json.dumps(proposal.active_area) if proposal.active_area else None
    with title.transaction():  # the next seq and the insert, atomically
        next_seq = "SELECT COALESCE(MAX(seq), 0) + 1 FROM decisions"
        seq = int(title.db.execute(next_seq).fetchone()[0])
        title.db.execute(
            "INSERT INTO decisions(id, seq, shot_id, proposal_id, verdict, strength, pipeline,"
            " model_version, active_area, decided_by, decided_at, note)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (did, seq, shot.id, proposal.id, verdict, chosen, proposal.pipeline.to_json(),
             proposal.model_version, area, by or current_user(), now_iso(), note))
    return _decisions(title, "WHERE d.id=?", (did,))[0]


def journal(title: Title, shot: Shot | None = None) -> list[Decision]:
    """Every decision in journal order (of ``shot`` if given)."""
    if shot is None:
        return _decisions(title, "", ())
    return _decisions(title, "WHERE d.shot_id=?", (shot.id,))


def latest_decision(title: Title, shot: Shot) -> Decision | None:
    """The decision that counts for ``shot``: its newest, or ``None``."""
    found = _decisions(title, "WHERE d.shot_id=?", (shot.id,))
    return found[-1] if found else None


def accepted_decisions(title: Title) -> list[tuple[Shot, Decision]]:
    """Shots whose latest decision is accept or adjust, in catalogue order."""
    out = []
    for shot in title.shots():
        d = latest_decision(title, shot)
        if d is not None and d.verdict in ("accept", "adjust"):
            out.append((shot, d))
    return out


def _decisions(title: Title, where: str, args: tuple[Any, ...]) -> list[Decision]:
    rows = title.db.execute(
        "SELECT d.*, s.name AS shot FROM decisions d JOIN shots s ON s.id=d.shot_id "
        f"{where} ORDER BY d.seq", args)
    # Older journals stored the proposal's strength with a reject: it never meant anything.
    return [Decision(r["id"], r["seq"], r["shot"], r["proposal_id"], r["verdict"],
                     None if r["verdict"] == "reject" else r["strength"],
                     r["pipeline"], r["model_version"], r["decided_by"],
                     r["decided_at"], r["note"], _area(r["active_area"])) for r in rows]


def record_render(title: Title, decision: Decision, fmt: str, path: str, frames: int) -> None:
    """Note that ``decision`` was rendered to ``path``."""
    title.db.execute(
        "INSERT INTO renders(decision_id, format, path, frames, rendered_at) VALUES (?,?,?,?,?)",
        (decision.id, fmt, path, frames, now_iso()))


def latest_renders(title: Title) -> dict[str, tuple[str, Path, int]]:
    """Decision id → (format, path, frames) of that decision's newest render."""
    rows = title.db.execute("SELECT decision_id, format, path, frames FROM renders ORDER BY id")
    return {r[0]: (r[1], Path(r[2]), int(r[3])) for r in rows}


def shot_status(title: Title, shot: Shot) -> str:
    """``new``, ``proposed``, ``accepted``, ``adjusted``, ``rejected`` or ``rendered``."""
    d = latest_decision(title, shot)
    if d is None:
        return "proposed" if latest_proposal(title, shot) else "new"
    if d.verdict != "reject" and title.db.execute(
            "SELECT 1 FROM renders WHERE decision_id=?", (d.id,)).fetchone():
        return "rendered"
    return {"accept": "accepted", "adjust": "adjusted", "reject": "rejected"}[d.verdict]


