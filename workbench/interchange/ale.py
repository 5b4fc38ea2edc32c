"""Avid Log Exchange (ALE): the lab's per-clip log, read through OpenTimelineIO's ALE adapter.

An ALE names each clip (and usually its source file), its tape or camera roll, start and end
timecode, and whatever columns the lab or DIT added: Scene, Take, Camera, Shoot Date, and the
on-set grade as ``ASC_SOP``/``ASC_SAT`` (or a ``CDL`` column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ParameterError
from workbench.ops.cdl import CDLValues, check_cdl_values

__all__ = ["AleClip", "read_ale_clips"]


@dataclass(frozen=True)
class AleClip:
    """One row of an ALE."""

    name: str
    source_file: str | None
    tape: str | None
    start: str | None         # timecode of the first frame
    end: str | None           # timecode one past the last frame, as ALEs write it
    fps: float
    scene: str | None
    take: str | None
    camera: str | None
    day: str | None
    cdl: CDLValues | None     # the on-set grade, if the ALE carries one
    columns: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The name a source file is matched by: the source file's stem, else the clip name."""
        return Path(self.source_file).stem if self.source_file else self.name


def _cdl(meta: dict[str, Any], where: str) -> CDLValues | None:
    """The clip's ``ASC_SOP``/``ASC_SAT``, refused (naming ``where``) if the ASC CDL forbids it."""
    sop = meta.get("asc_sop")
    if not sop:
        return None
    try:
        values = CDLValues(tuple(float(v) for v in sop["slope"]),  # type: ignore[arg-type]
                           tuple(float(v) for v in sop["offset"]),  # type: ignore[arg-type]
                           tuple(float(v) for v in sop["power"]),  # type: ignore[arg-type]
                           float(meta.get("asc_sat", 1.0)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ParameterError(f"{where}: unreadable ASC_SOP/ASC_SAT ({exc})") from None
    check_cdl_values(values, where)
    return values


def _timecode_labels(path: Path) -> list[tuple[str | None, str | None]]:
    """Each data row's Start and End exactly as written, in file order.

    OTIO's adapter keeps only a frame count, and writing that back at 29.97 labels a non-drop
    ``01:00:00:00`` as drop frame (``01:00:03;18``): the label the lab wrote is the truth.
    """
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    columns: list[str] = []
    rows: list[tuple[str | None, str | None]] = []
    section = ""
    for line in lines:
        word = line.strip()
        if word in ("Heading", "Column", "Data"):
            section = word
            continue
        if not word:
            continue
        if section == "Column" and not columns:
            columns = line.rstrip("\r\n").split("\t")
        elif section == "Data":
            row = dict(zip(columns, line.rstrip("\r\n").split("\t"), strict=False))
            rows.append((row.get("Start") or None, row.get("End") or None))
    return rows


def read_ale_clips(path: Path) -> list[AleClip]:
    """Every clip of the ALE at ``path``, in file order."""
    import opentimelineio as otio

    try:
        collection = otio.adapters.read_from_file(str(path), adapter_name="ale")
    except Exception as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParameterError(f"{path}: not a readable ALE ({detail})") from None
    labels = _timecode_labels(Path(path))
    clips = []
    for index, clip in enumerate(collection.find_clips()):
        columns = {k: v for k, v in dict(clip.metadata.get("ALE", {})).items() if v != ""}
        ref = clip.media_reference
        source = getattr(ref, "target_url", None) or None
        rng = clip.source_range
        fps = float(rng.start_time.rate) if rng else 24.0
        start, end = labels[index] if index < len(labels) else (None, None)
        if start is None and rng:
            start = otio.opentime.to_timecode(rng.start_time, fps)
        if end is None and rng:
            end = otio.opentime.to_timecode(rng.end_time_exclusive(), fps)
        clips.append(AleClip(
            name=clip.name, source_file=source, tape=columns.get("Tape"), start=start, end=end,
            fps=fps, scene=columns.get("Scene"), take=columns.get("Take"),
            camera=columns.get("Camera"), day=columns.get("Shoot Date") or columns.get("Day"),
            cdl=_cdl(dict(clip.metadata.get("cdl", {})), f"{Path(path).name} clip {clip.name!r}"),
            columns=columns))
    return clips
