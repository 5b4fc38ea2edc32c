"""What each batch template does, as library functions: the notebooks only call these.

Every job takes plain parameters (as papermill passes them) and returns one result dict per
item (shot, scene or the title): ``key``, ``status`` (``"done"`` or ``"failed"``), ``seconds``,
``outputs`` (paths written) and, on failure, ``error_name``, ``error_value`` and ``traceback``.
A failing item is data: the job goes on with the next one.
"""

from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ParameterError

if TYPE_CHECKING:
    import numpy as np

    from workbench.title import Proposal, Shot, Title

__all__ = [
    "REVIEW_WIDTH",
    "attempt",
    "burn_in",
    "check_choice",
    "check_title_dir",
    "continuity_scenes",
    "propose_shots",
    "render_accepted_shots",
    "review_copies",
    "train_model",
]

REVIEW_WIDTH = 960  # review stills are this wide at most


def check_title_dir(title_dir: str) -> Path:
    """The title folder, absolute; :class:`ParameterError` when it is not a title."""
    root = Path(title_dir).absolute()
    if not (root / "title.json").is_file():
        raise ParameterError(f"title_dir={title_dir!r}: not a workbench title (no title.json "
                             f"in {root}); make one with `workbench init` and `workbench ingest`")
    return root


def check_choice(name: str, value: object, choices: Sequence[object]) -> None:
    """Refuse a parameter value outside ``choices``, naming the parameter and the choices."""
    if value not in choices:
        raise ParameterError(f"{name}={value!r}: must be one of "
                             f"{', '.join(repr(c) for c in choices)}")


def attempt(key: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` for item ``key``; its result, or the error it raised, as a result dict."""
    start = time.perf_counter()
    try:
        result = {"key": key, "status": "done", "outputs": [], **work()}
    except Exception as error:  # a failed item is data; the job goes on with the next
        result = {"key": key, "status": "failed", "outputs": [],
                  "error_name": type(error).__name__, "error_value": str(error),
                  "traceback": traceback.format_exc()}
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def render_accepted_shots(title_dir: str, shots: Sequence[str], out_dir: str, fmt: str
                          ) -> list[dict[str, Any]]:
    """Render each shot's accepted decision into ``out_dir/<shot>/`` (or ``<shot>.mov``).

    The decision is the one current when the shot's render starts; its id is recorded. A shot
    nobody accepted fails with :class:`~workbench.errors.DecisionError`. ``shots`` empty: every
    shot with an accepted decision.
    """
    from workbench.render import FORMATS, render
    from workbench.title import Title, accepted_decisions

    check_choice("fmt", fmt, FORMATS)
    with Title.open(check_title_dir(title_dir)) as title:
        todo = list(shots) or [shot.name for shot, _ in accepted_decisions(title)]

        def one(name: str) -> dict[str, Any]:
            (done,) = render(title, Path(out_dir), fmt, shots=[name], progress=False)
            return {"shot": name, "frames": done.frames, "path": str(done.path),
                    "outputs": [str(done.path)], "decision": done.decision.id,
                    "strength": done.decision.strength,
                    "model_version": done.decision.model_version}

        return [attempt(name, functools.partial(one, name)) for name in todo]


def propose_shots(title_dir: str, shots: Sequence[str], method: str, out_dir: str
                  ) -> list[dict[str, Any]]:
    """Propose a grade for ``shots`` (empty: every shot) with ``method`` (``""``: the default).

    Every shot is analysed (scenes and anchors need them all); proposals are stored in the
    title for the named ones, and listed in ``out_dir/proposals.json``. One result per shot.
    """
    from workbench.model import propose
    from workbench.model.propose import propose_methods
    from workbench.title import Title

    if method:
        check_choice("method", method, propose_methods())
    out = Path(out_dir).absolute()
    with Title.open(check_title_dir(title_dir)) as title:
        names = list(shots) or [s.name for s in title.shots()]
        made = attempt("title", lambda: {"proposals": propose(
            title, progress=False, method=method or None, only=names)})
        if made["status"] == "failed":
            return [{**made, "key": name} for name in names]
        results = [{"key": p.shot, "status": "done", "proposal": p.id, "strength": p.strength,
                    "confidence": p.confidence, "summary": p.summary,
                    "model_version": p.model_version, "seconds": made["seconds"]}
                   for p in made["proposals"]]
        out.mkdir(parents=True, exist_ok=True)
        path = _write_json(out / "proposals.json", results)
        return [{**r, "outputs": [str(path)]} for r in results]


def _write_json(path: Path, data: Any) -> Path:
    import json

    from workbench.io.atomic import atomic_write_text

    return atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def train_model(title_dir: str, seed: int, frames: int, steps: int, look_steps: int,
                out_dir: str) -> list[dict[str, Any]]:
    """Train the title model (made current); its metrics also go to ``out_dir/metrics.json``.

    ``steps`` and ``look_steps`` 0: the trainers' defaults.
    """
    from workbench.model.train import train_title
    from workbench.title import Title

    for name, value, least in (("frames", frames, 1), ("steps", steps, 0),
                               ("look_steps", look_steps, 0)):
        if not isinstance(value, int) or value < least:
            raise ParameterError(f"{name}={value!r}: must be a whole number >= {least}")
    out = Path(out_dir).absolute()
    with Title.open(check_title_dir(title_dir)) as title:
        def one() -> dict[str, Any]:
            model = train_title(title, seed=seed, frames=frames, steps=steps or None,
                                look_steps=look_steps or None, progress=False)
            info = {"version_id": model.version_id, "model_version": model.model_version,
                    "metrics": model.metadata.get("metrics")}
            out.mkdir(parents=True, exist_ok=True)
            path = _write_json(out / "metrics.json", info)
            return {**info, "outputs": [str(title.root / "models" / model.version_id),
                                        str(path)]}

        return [attempt("title", one)]


def continuity_scenes(title_dir: str, scenes: Sequence[str], out_dir: str
                      ) -> list[dict[str, Any]]:
    """Continuity findings of each scene (empty: every scene), to ``out_dir/<scene>.json``.

    Each shot is compared with its scene's anchor (else the scene's consensus); a flagged shot
    carries its reasons and a proposed CDL fix.
    """
    from workbench.model.continuity import ContinuityItem, check_continuity
    from workbench.model.profiles import shot_profile
    from workbench.title import Title, shot_working_frames

    out = Path(out_dir).absolute()
    with Title.open(check_title_dir(title_dir), "ro") as title:
        known = [s.name for s in title.scenes()]
        for scene in scenes:
            check_choice("scenes", scene, known)

        def one(scene: str) -> dict[str, Any]:
            items = []
            for shot in title.shots(scene):
                indices, frames = shot_working_frames(shot, 8, 256)
                items.append(ContinuityItem(shot.name, scene,
                                            shot_profile(frames, frame_indices=indices), frames))
            anchor = title.anchor(scene)
            findings = [f.to_dict() for f in check_continuity(
                items, {scene: anchor.name} if anchor is not None else {})]
            out.mkdir(parents=True, exist_ok=True)
            path = _write_json(out / f"{scene}.json", {
                "scene": scene, "anchor": anchor.name if anchor else None,
                "findings": findings})
            return {"scene": scene, "shots": len(items),
                    "flagged": [f["item"] for f in findings if f["flag"]],
                    "findings": findings, "outputs": [str(path)]}

        return [attempt(scene, functools.partial(one, scene)) for scene in (scenes or known)]


def burn_in(rgb: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Write ``lines`` over a dark band at the top of ``rgb`` (float ``(H, W, 3)`` in [0, 1]).

    The first line (``PROPOSAL``) is larger; the text is scaled to fit the width.
    """
    import cv2
    import numpy as np

    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    h, w = out.shape[:2]
    font = cv2.FONT_HERSHEY_SIMPLEX
    scales = [w / 640 * 1.2] + [w / 640 * 0.55] * (len(lines) - 1)
    for i, line in enumerate(lines):  # shrink a line that would not fit
        (tw, _), _ = cv2.getTextSize(line, font, scales[i], 1)
        if tw > w - 16:
            scales[i] *= (w - 16) / tw
    heights = [int(28 * s) + 6 for s in scales]
    band = min(h, sum(heights) + 8)
    out[:band] *= 0.25
    ink = np.zeros((h, w), np.uint8)  # OpenCV draws text on 8-bit images only
    y = 4
    for line, scale, step in zip(lines, scales, heights, strict=True):
        y += step
        cv2.putText(ink, line, (8, y - 4), font, scale, 255, max(1, round(2 * scale)),
                    cv2.LINE_AA)
    alpha = ink[..., None].astype(np.float32) / 255
    return out * (1 - alpha) + alpha  # white text, antialiased


def _proposal_frames(title: Title, shot: Shot, proposal: Proposal, strength: float, count: int
                     ) -> tuple[list[int], np.ndarray]:
    """``count`` frames of ``shot`` graded as ``proposal`` says at ``strength``, display-encoded.

    Returns clip frame indices and float32 ``(N, H, W, 3)`` in the title's delivery space.
    """
    from workbench.color import convert_array
    from workbench.ops.framing import ActiveArea, keep_blanking
    from workbench.title import shot_working_frames

    working = title.settings.working_space
    indices, img = shot_working_frames(shot, count, REVIEW_WIDTH)
    graded = proposal.pipeline.at_strength(strength).apply(img, working)
    if proposal.active_area is not None:
        area = ActiveArea.from_dict(proposal.active_area).scaled(
            img.shape[-2], img.shape[-1], shot.clip.height, shot.clip.width)
        graded = keep_blanking(graded, img, area)
    rgb = graded.detach().permute(0, 2, 3, 1).numpy()
    return indices, convert_array(rgb, working, title.settings.delivery_space)


def review_copies(title_dir: str, shots: Sequence[str], out_dir: str, frames: int,
                  strength: float | None) -> list[dict[str, Any]]:
    """Review stills of each shot's latest proposal, burnt in, to ``out_dir/<shot>/``.

    Each still says ``PROPOSAL``, the shot, the model version and the strength: these are for
    review, never for delivery, and ``out_dir`` may not be a folder that holds delivered renders.
    ``strength`` ``None``: the proposal's own. ``shots`` empty: every shot with a proposal.
    """
    from workbench.io import write_png16
    from workbench.io.atomic import atomic_dir
    from workbench.title import Title, latest_proposal, latest_renders

    if strength is not None and not 0.0 <= strength <= 1.0:
        raise ParameterError(f"strength={strength!r}: must be in [0, 1], or None for the "
                             f"proposal's own")
    if not isinstance(frames, int) or frames < 1:
        raise ParameterError(f"frames={frames!r}: must be a whole number >= 1")
    out = Path(out_dir).absolute()
    with Title.open(check_title_dir(title_dir), "ro") as title:
        delivered = {Path(path).parent.resolve() for _, path, _ in latest_renders(title).values()}
        if out.resolve() in delivered:
            raise ParameterError(f"out_dir={out_dir!r}: holds delivered renders; review copies "
                                 f"go to a folder apart from delivery")
        todo = list(shots) or [s.name for s in title.shots()
                               if latest_proposal(title, s) is not None]

        def one(name: str) -> dict[str, Any]:
            shot = title.shot(name)
            proposal = latest_proposal(title, shot)
            if proposal is None:
                raise ParameterError(f"shot {name}: has no proposal to review; run "
                                     f"`workbench propose` first")
            applied = proposal.strength if strength is None else strength
            indices, rgb = _proposal_frames(title, shot, proposal, applied, frames)
            lines = ["PROPOSAL - not for delivery", f"{name}  strength {applied:.2f}",
                     f"model {proposal.model_version}"]
            out.mkdir(parents=True, exist_ok=True)
            with atomic_dir(out / name) as folder:
                files = []
                for index, still in zip(indices, rgb, strict=True):
                    number = shot.clip.first_frame + index
                    path = folder / f"{name}.proposal{proposal.id}.{number:04d}.png"
                    write_png16(path, burn_in(still, lines), title.settings.delivery_space)
                    files.append(out / name / path.name)
            return {"shot": name, "proposal": proposal.id, "strength": applied,
                    "model_version": proposal.model_version, "outputs": [str(f) for f in files]}

        return [attempt(name, functools.partial(one, name)) for name in todo]
