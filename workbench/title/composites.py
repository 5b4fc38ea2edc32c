"""Composites and integrations as proposals: journaled, decided, and rendered only when accepted.

A grade proposal is an operator chain on a shot; a composite is made of files (a plate, a
matte, a background or an element), so its proposal records each source's path and SHA-256,
where the matte came from, and the fitted parameters a render repeats exactly. Decisions are
the journal's: accept, adjust (another strength) or reject, by whom and when, append-only
(SQLite triggers refuse changes); the latest decision on a proposal is the one that counts.
Only a proposal whose latest decision is accept or adjust may be rendered
(:func:`check_renderable`), and a render is refused when a source's bytes changed since.

This module only stores and reads; the pixels are :mod:`workbench.matte.proposals`'.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import DecisionError, MediaError, ParameterError
from workbench.io.hashing import sha256_file
from workbench.title.catalog import Title
from workbench.title.journal import VERDICTS, current_user
from workbench.title.settings import now_iso

__all__ = [
    "COMP_KINDS",
    "CompDecision",
    "CompProposal",
    "accepted_comps",
    "add_comp_proposal",
    "check_renderable",
    "check_sources",
    "comp_journal",
    "comp_proposals",
    "comp_records",
    "comp_renders",
    "comp_status",
    "decide_comp",
    "get_comp_proposal",
    "hashed_source",
    "latest_comp_decision",
    "record_comp_render",
]

COMP_KINDS = ("composite", "integrate")


def hashed_source(path: str | Path) -> dict[str, str]:
    """``{"path": absolute path, "sha256": digest}`` of a source file, as proposals record it."""
    p = Path(path).absolute()
    try:
        digest = sha256_file(p)
    except OSError as exc:
        raise MediaError(f"{p.name}: cannot be read ({exc.strerror or exc})") from exc
    return {"path": str(p), "sha256": digest}


@dataclass(frozen=True)
class CompProposal:
    """A proposed composite or integration.

    ``sources`` maps a role (``plate``, ``matte``, ``background``, ``element``) to its path
    and SHA-256; ``matte_model`` says where the matte came from; ``params`` is the fit and the
    settings (JSON-ready); ``output`` the file an accepted render writes; ``report`` the
    element-vs-plate statistics of an integration.
    """

    id: int
    kind: str
    sources: dict[str, dict[str, str]]
    matte_model: str
    params: dict[str, Any]
    output: str
    strength: float
    summary: str
    report: dict[str, Any] | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``--json`` listings and the export's records."""
        return {"id": self.id, "kind": self.kind, "sources": self.sources,
                "matte_model": self.matte_model, "params": self.params, "output": self.output,
                "strength": self.strength, "summary": self.summary, "report": self.report,
                "created_at": self.created_at}


@dataclass(frozen=True)
class CompDecision:
    """One journal entry on a composite proposal."""

    id: str
    seq: int
    proposal_id: int
    verdict: str
    strength: float | None  # None for a reject
    decided_by: str
    decided_at: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "seq": self.seq, "proposal_id": self.proposal_id,
                "verdict": self.verdict, "strength": self.strength,
                "decided_by": self.decided_by, "decided_at": self.decided_at, "note": self.note}


def add_comp_proposal(title: Title, kind: str, sources: dict[str, dict[str, str]], *,
                      matte_model: str, params: dict[str, Any], output: str | Path,
                      strength: float, summary: str,
                      report: dict[str, Any] | None = None) -> CompProposal:
    """Journal a composite (``kind="composite"``) or integration proposal.

    ``strength`` is capped by the title's ``strength_cap`` like a grade's; ``sources`` come
    from :func:`hashed_source`.
    """
    if kind not in COMP_KINDS:
        raise ParameterError(f"kind must be one of {', '.join(COMP_KINDS)}, got {kind!r}")
    if not 0.0 <= strength <= 1.0:
        raise ParameterError(f"{kind} strength must be in [0, 1], got {strength:g}")
    strength = min(strength, title.settings.strength_cap)
    with title.transaction():
        cur = title.db.execute(
            "INSERT INTO comp_proposals(kind, sources, matte_model, params, output, strength,"
            " summary, report, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (kind, json.dumps(sources, sort_keys=True), matte_model,
             json.dumps(params, sort_keys=True), str(Path(output).absolute()), strength,
             summary, json.dumps(report, sort_keys=True) if report is not None else None,
             now_iso()))
    return get_comp_proposal(title, int(cur.lastrowid or 0))


def get_comp_proposal(title: Title, pid: int) -> CompProposal:
    """The composite proposal with id ``pid``."""
    r = title.db.execute("SELECT * FROM comp_proposals WHERE id=?", (pid,)).fetchone()
    if r is None:
        raise DecisionError(f"{title.root.name}: no composite proposal {pid}")
    return _proposal(r)


def comp_proposals(title: Title) -> list[CompProposal]:
    """Every composite and integration proposal, oldest first."""
    return [_proposal(r) for r in title.db.execute("SELECT * FROM comp_proposals ORDER BY id")]


def _proposal(r: Any) -> CompProposal:
    return CompProposal(r["id"], r["kind"], json.loads(r["sources"]), r["matte_model"],
                        json.loads(r["params"]), r["output"], r["strength"], r["summary"],
                        json.loads(r["report"]) if r["report"] else None, r["created_at"])


def decide_comp(title: Title, pid: int, verdict: str, *, strength: float | None = None,
                note: str = "", by: str | None = None) -> CompDecision:
    """Journal a verdict on composite proposal ``pid``, as :func:`~workbench.title.decide` does.

    ``accept`` takes the proposed strength; ``adjust`` needs ``strength`` (within the title's
    cap); ``reject`` has none.
    """
    if verdict not in VERDICTS:
        raise DecisionError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    proposal = get_comp_proposal(title, pid)
    if verdict == "adjust" and strength is None:
        raise DecisionError(f"composite {pid}: adjust needs --strength")
    if verdict != "adjust" and strength is not None:
        raise DecisionError(f"composite {pid}: --strength is for adjust, not {verdict}")
    if strength is not None:
        cap = title.settings.strength_cap
        if not 0.0 <= strength <= cap:
            raise ParameterError(f"composite {pid}: strength must be in [0, {cap:g}] (the "
                                 f"title's cap), got {strength:g}")
    chosen = None if verdict == "reject" else (proposal.strength if strength is None
                                               else strength)
    did = str(uuid.uuid4())
    with title.transaction():
        seq = int(title.db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM comp_decisions").fetchone()[0])
        title.db.execute(
            "INSERT INTO comp_decisions(id, seq, proposal_id, verdict, strength, decided_by,"
            " decided_at, note) VALUES (?,?,?,?,?,?,?,?)",
            (did, seq, pid, verdict, chosen, by or current_user(), now_iso(), note))
    return _decisions(title, "WHERE id=?", (did,))[0]


def comp_journal(title: Title, pid: int | None = None) -> list[CompDecision]:
    """Every composite decision in journal order (on proposal ``pid`` if given)."""
    if pid is None:
        return _decisions(title, "", ())
    return _decisions(title, "WHERE proposal_id=?", (pid,))


def latest_comp_decision(title: Title, pid: int) -> CompDecision | None:
    """The decision that counts for proposal ``pid``: its newest, or ``None``."""
    found = comp_journal(title, pid)
    return found[-1] if found else None


def accepted_comps(title: Title) -> list[tuple[CompProposal, CompDecision]]:
    """Proposals whose latest decision is accept or adjust, oldest first."""
    out = []
    for p in comp_proposals(title):
        d = latest_comp_decision(title, p.id)
        if d is not None and d.verdict in ("accept", "adjust"):
            out.append((p, d))
    return out


def _decisions(title: Title, where: str, args: tuple[Any, ...]) -> list[CompDecision]:
    rows = title.db.execute(f"SELECT * FROM comp_decisions {where} ORDER BY seq", args)
    return [CompDecision(r["id"], r["seq"], r["proposal_id"], r["verdict"], r["strength"],
                         r["decided_by"], r["decided_at"], r["note"]) for r in rows]


def check_renderable(title: Title, pid: int) -> tuple[CompProposal, CompDecision]:
    """The proposal and its accepting decision; :class:`DecisionError` unless accepted."""
    proposal = get_comp_proposal(title, pid)
    d = latest_comp_decision(title, pid)
    if d is None or d.verdict == "reject":
        state = "rejected" if d is not None else "not decided yet"
        raise DecisionError(f"{title.root.name}: {proposal.kind} {pid} is {state}; only an "
                            f"accepted one is rendered (`workbench comp decide`)")
    return proposal, d


def check_sources(proposal: CompProposal) -> None:
    """Raise :class:`MediaError` naming a source that is missing or changed since proposed."""
    for role, src in sorted(proposal.sources.items()):
        path = Path(src["path"])
        if not path.is_file():
            raise MediaError(f"{path.name}: the {role} of {proposal.kind} {proposal.id} is "
                             f"missing")
        if sha256_file(path) != src["sha256"]:
            raise MediaError(f"{path.name}: the {role} of {proposal.kind} {proposal.id} "
                             f"changed since it was proposed (SHA-256 differs); propose again")


def record_comp_render(title: Title, decision: CompDecision, path: str | Path,
                       frames: int) -> None:
    """Note that ``decision`` was rendered to ``path``."""
    title.db.execute(
        "INSERT INTO comp_renders(decision_id, path, frames, rendered_at) VALUES (?,?,?,?)",
        (decision.id, str(path), frames, now_iso()))


def comp_renders(title: Title) -> dict[str, tuple[Path, int, str]]:
    """Decision id → (path, frames, rendered_at) of that decision's newest render."""
    rows = title.db.execute("SELECT decision_id, path, frames, rendered_at FROM comp_renders "
                            "ORDER BY id")
    return {r[0]: (Path(r[1]), int(r[2]), r[3]) for r in rows}


def comp_status(title: Title, pid: int) -> str:
    """``proposed``, ``accepted``, ``adjusted``, ``rejected`` or ``rendered``."""
    d = latest_comp_decision(title, pid)
    if d is None:
        return "proposed"
    if d.verdict != "reject" and d.id in comp_renders(title):
        return "rendered"
    return {"accept": "accepted", "adjust": "adjusted", "reject": "rejected"}[d.verdict]


def comp_records(title: Title) -> list[dict[str, Any]]:
    """Each accepted composite or integration with its decision and newest render, for export.

    ``render`` is ``None`` when the accepted decision was not rendered yet (the export says so).
    """
    renders = comp_renders(title)
    out = []
    for proposal, decision in accepted_comps(title):
        found = renders.get(decision.id)
        render = None if found is None else {"path": str(found[0]), "frames": found[1],
                                             "rendered_at": found[2]}
        out.append({"proposal": proposal.to_dict(), "decision": decision.to_dict(),
                    "render": render})
    return out
