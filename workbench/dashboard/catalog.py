"""What the dashboard reads from a title's catalog: one row per shot, counts, and the journal.

Everything here is a few SQL queries over the whole title (not a query per shot), so a title of
thousands of shots is read in a fraction of a second. Statuses are those of
:func:`workbench.title.shot_status`: ``new``, ``proposed``, ``accepted``, ``adjusted``,
``rejected``, ``rendered``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from workbench.title import Title

__all__ = [
    "LEFT_TO_DO",
    "STATUSES",
    "ShotRow",
    "decision_history",
    "left_to_do",
    "scene_day_counts",
    "settled",
    "shot_rows",
    "status_counts",
]

STATUSES = ("new", "proposed", "accepted", "adjusted", "rejected", "rendered")
# What each status leaves to do, in the words a producer uses.
LEFT_TO_DO = {
    "new": "awaiting a proposal",
    "proposed": "awaiting a decision",
    "accepted": "accepted, to render",
    "adjusted": "adjusted, to render",
    "rejected": "rejected (nothing to render)",
    "rendered": "rendered",
}

_ROWS_SQL = """
WITH lp AS (SELECT shot_id, MAX(id) AS pid FROM proposals GROUP BY shot_id),
     ld AS (SELECT shot_id, MAX(seq) AS seq FROM decisions GROUP BY shot_id)
SELECT s.name, sc.name AS scene, d.label AS day, c.name AS clip, s.start_frame, s.end_frame,
       p.id AS proposal_id, p.summary, p.strength AS proposed_strength, p.confidence,
       p.model_version AS proposal_model,
       dc.id AS decision_id, dc.proposal_id AS decided_proposal, dc.verdict,
       dc.strength AS decided_strength, dc.decided_by, dc.decided_at,
       EXISTS (SELECT 1 FROM renders r WHERE r.decision_id = dc.id) AS rendered
FROM shots s
JOIN scenes sc ON sc.id = s.scene_id
JOIN clips c ON c.id = s.clip_id
LEFT JOIN days d ON d.id = c.day_id
LEFT JOIN lp ON lp.shot_id = s.id LEFT JOIN proposals p ON p.id = lp.pid
LEFT JOIN ld ON ld.shot_id = s.id LEFT JOIN decisions dc ON dc.seq = ld.seq
ORDER BY s.id
"""


@dataclass(frozen=True)
class ShotRow:
    """A shot as the dashboard lists it: where it is, its status, its proposal and decision."""

    name: str
    scene: str
    day: str
    clip: str
    start: int
    end: int
    status: str
    proposal_id: int | None
    summary: str
    strength: float | None  # the decided strength once decided, else the proposed one
    confidence: float | None
    decision_id: str | None
    decided_by: str
    decided_at: str

    @property
    def frames(self) -> int:
        """Number of frames in the shot."""
        return self.end - self.start

    @property
    def picture_key(self) -> str:
        """Changes whenever the graded picture would: a new proposal or a new decision."""
        return f"{self.proposal_id or 0}-{self.decision_id or 'none'}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with ``frames``."""
        return {**asdict(self), "frames": self.frames}


def _status(verdict: str | None, has_proposal: bool, rendered: bool) -> str:
    if verdict is None:
        return "proposed" if has_proposal else "new"
    if verdict != "reject" and rendered:
        return "rendered"
    return {"accept": "accepted", "adjust": "adjusted", "reject": "rejected"}[verdict]


def shot_rows(title: Title) -> list[ShotRow]:
    """Every shot of ``title`` in catalogue order, with its status (one query)."""
    rows = []
    for r in title.db.execute(_ROWS_SQL):
        verdict = r["verdict"]
        strength = r["proposed_strength"]
        if verdict is not None:
            strength = None if verdict == "reject" else r["decided_strength"]
        rows.append(ShotRow(
            name=r["name"], scene=r["scene"], day=r["day"] or "", clip=r["clip"],
            start=r["start_frame"], end=r["end_frame"],
            status=_status(verdict, r["proposal_id"] is not None, bool(r["rendered"])),
            proposal_id=r["proposal_id"], summary=r["summary"] or "",
            strength=strength, confidence=r["confidence"], decision_id=r["decision_id"],
            decided_by=r["decided_by"] or "", decided_at=r["decided_at"] or ""))
    return rows


def status_counts(rows: list[ShotRow]) -> dict[str, int]:
    """How many shots are in each status (every status present, zero included)."""
    counts = Counter(r.status for r in rows)
    return {s: counts.get(s, 0) for s in STATUSES}


def settled(counts: dict[str, int]) -> tuple[int, int, float]:
    """``(settled, total, percent)``: shots rendered or rejected, of all, from status counts."""
    total = sum(counts.values())
    done = counts["rendered"] + counts["rejected"]
    return done, total, 100 * done / total if total else 0.0


def left_to_do(counts: dict[str, int]) -> list[tuple[int, str]]:
    """``(shots, what is left)`` for each unsettled status that has shots, in status order."""
    return [(counts[s], LEFT_TO_DO[s]) for s in STATUSES
            if counts[s] and s not in ("rendered", "rejected")]


def scene_day_counts(rows: list[ShotRow]) -> list[dict[str, Any]]:
    """Per scene and shooting day: shots, and how many are in each status."""
    groups: dict[tuple[str, str], Counter[str]] = {}
    for r in rows:
        groups.setdefault((r.scene, r.day), Counter())[r.status] += 1
    return [{"scene": scene, "day": day or "-", "shots": sum(c.values()),
             **{s: c.get(s, 0) for s in STATUSES}}
            for (scene, day), c in sorted(groups.items())]


def decision_history(title: Title, shot: str) -> list[dict[str, Any]]:
    """Every journal entry of ``shot``, oldest first: who, when, verdict, strength, model."""
    rows = title.db.execute(
        "SELECT d.seq, d.decided_at, d.decided_by, d.verdict, d.strength, d.model_version,"
        " d.proposal_id, d.note, d.id FROM decisions d JOIN shots s ON s.id = d.shot_id"
        " WHERE s.name = ? ORDER BY d.seq", (shot,))
    return [{"when": r["decided_at"], "who": r["decided_by"], "verdict": r["verdict"],
             # a reject applies nothing (older journals stored a strength with it)
             "strength": None if r["verdict"] == "reject" else r["strength"],
             "model version": r["model_version"], "proposal": r["proposal_id"],
             "note": r["note"], "decision": r["id"]} for r in rows]
