"""Ingest dailies into a title: hash, probe, split into shots, and catalogue.

Sources are only ever opened for reading. Multi-shot movies are split by cut detection unless
an EDL gives the shots; an ALE gives scene, take, camera and shooting day per clip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.checks import check_finite
from workbench.color import resolve_space
from workbench.errors import MediaError, ParameterError, TitleError
from workbench.io.formats import IMAGE_SUFFIXES, MOVIE_SUFFIXES, format_of
from workbench.io.hashing import sha256_of
from workbench.io.timecode import timecode_to_frames
from workbench.title.catalog import Title
from workbench.title.records import Clip, Shot

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "IMAGE_SUFFIXES",
    "MOVIE_SUFFIXES",
    "ClipNotes",
    "default_input_space",
    "ingest",
    "read_ale",
    "read_edl",
    "sha256_of",
]

MIN_SHOT_SECONDS = 0.5
PROXY_WIDTH = 960         # movies wider than this get a cached H.264 proxy for analysis
_FRAME_NUMBER = re.compile(r"^(.*?)[._]?(\d+)$")
_PATTERN = re.compile(r"[._]?(#+|%0?\d*d)$")


@dataclass
class ClipNotes:
    """What an ALE or EDL says about a clip, keyed by clip name."""

    scene: str | None = None
    day: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # (start, end, name) from an EDL
    shots: list[tuple[int, int, str]] = field(default_factory=list)


def default_input_space(path: Path) -> str:
    """The encoding a source most likely has when nobody says: video is Rec.709, EXR ACEScg.

    The one rule every command uses, :func:`workbench.io.default_encoding` (a folder or a
    pattern by its frames).
    """
    from workbench.io import default_encoding  # media readers load when media is read

    return default_encoding(path)


def clip_name_for(path: Path) -> str:
    """A clip's name: the file stem, without the frame number or pattern of a sequence."""
    if "#" in path.name or "%" in path.name:
        return _PATTERN.sub("", path.stem) or path.parent.name
    stem = path.stem if path.is_file() else path.name
    m = _FRAME_NUMBER.match(stem)
    return m.group(1) if (m and path.suffix.lower() in IMAGE_SUFFIXES and m.group(1)) else stem


def read_ale(path: Path) -> dict[str, ClipNotes]:
    """Per-clip notes from an Avid Log Exchange file, keyed by source file stem / clip name."""
    from dataclasses import asdict

    from workbench.interchange.ale import read_ale_clips

    try:
        clips = read_ale_clips(path)
    except ParameterError as exc:
        raise TitleError(str(exc)) from None
    notes: dict[str, ClipNotes] = {}
    for c in clips:
        meta: dict[str, Any] = {"ale": {**c.columns, "Start": c.start, "End": c.end,
                                        "Tape": c.tape}}
        if c.cdl is not None:
            meta["on_set_cdl"] = asdict(c.cdl)
        notes[c.key] = ClipNotes(scene=c.scene, day=c.day, metadata=meta)
    return notes


def read_edl(path: Path, fps: Fraction | None = None) -> dict[str, list[tuple[int, int, str]]]:
    """Shots per source clip from a CMX 3600 EDL: ``{clip: [(start, end, event name)]}``.

    Source timecodes are taken as frame counts from the start of the clip's own timecode.
    """
    import opentimelineio as otio

    rate = float(fps) if fps else 24.0
    try:
        timeline = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=rate)
    except Exception as exc:
        raise TitleError(f"{path}: not a readable CMX 3600 EDL ({exc})") from None
    shots: dict[str, list[tuple[int, int, str]]] = {}
    for clip in timeline.find_clips():
        ref = clip.media_reference
        source = Path(getattr(ref, "target_url", "") or clip.name).stem
        reel = clip.metadata.get("cmx_3600", {}).get("reel")
        start = clip.source_range.start_time.to_frames()
        end = start + clip.source_range.duration.to_frames()
        for key in filter(None, {source, reel, clip.name}):
            shots.setdefault(str(key), []).append((start, end, clip.name))
    return shots


def _source_files(path: Path) -> tuple[str, list[Path], int]:
    """Kind, the files that hold the frames, and the first frame number."""
    from workbench.io import list_sequence

    if path.is_dir() or "#" in path.name or "%" in path.name:
        if not path.exists() and not path.parent.is_dir():
            raise MediaError(f"{path}: does not exist")
        frames = list_sequence(path)
        return "sequence", [p for _, p in frames], frames[0][0]
    if not path.exists():
        raise MediaError(f"{path}: does not exist")
    suffix = path.suffix.lower()
    fmt = format_of(path)
    if fmt is not None and fmt.kind == "movie":
        return "movie", [path], 0
    if fmt is not None and fmt.sequence_frame:
        if _FRAME_NUMBER.match(path.stem) and path.stem[-1:].isdigit():
            try:
                frames = list_sequence(path)
            except MediaError:
                if _numbered_siblings(path) > 1:
                    raise  # a broken sequence (a gap, a duplicate), not a still
                frames = []
            if len(frames) > 1:
                return "sequence", [p for _, p in frames], frames[0][0]
        return "image", [path], 0
    raise MediaError(f"{path}: unsupported file type {suffix or '(none)'}; movies "
                     f"{', '.join(sorted(MOVIE_SUFFIXES))}, "
                     f"images {', '.join(sorted(IMAGE_SUFFIXES))}")


def _numbered_siblings(path: Path) -> int:
    """How many files beside ``path`` share its name but for the frame number."""
    m = _FRAME_NUMBER.match(path.stem)
    if m is None:
        return 0
    prefix = m.group(1)
    pattern = re.compile(rf"^{re.escape(prefix)}[._]?\d+{re.escape(path.suffix)}$")
    return sum(1 for p in path.parent.iterdir() if pattern.match(p.name))


def snap_fps(fps: Fraction) -> Fraction:
    """A frame rate as the exact rational post uses: 23.976 → 24000/1001, 29.97 → 30000/1001."""
    if fps <= 0:
        raise TitleError(f"frame rate must be positive, got {fps}")
    for nominal in (24, 30, 48, 60, 120):
        ntsc = Fraction(nominal * 1000, 1001)
        if abs(fps - ntsc) < Fraction(1, 500) and fps != nominal:
            return ntsc
    return fps


def _histograms(kind: str, files: list[Path], first: int, label: str) -> np.ndarray:
    """Per-frame histograms for cut detection; every frame is decoded, so damage shows here."""
    import cv2
    import numpy as np

    from workbench.io import read_image, read_movie_frames
    from workbench.title.cuts import frame_histogram

    hists = []
    if kind == "movie":
        for _, rgb8 in read_movie_frames(files[0], max_width=96):
            hists.append(frame_histogram(rgb8))
    else:
        size = None
        for number, f in enumerate(files, start=first):
            rgb, _ = read_image(f)
            check_finite(rgb, f"{f.name} frame {number}")
            if size is not None and rgb.shape != size:
                raise MediaError(f"{f.name} frame {number}: size {rgb.shape[1]}x{rgb.shape[0]} "
                                 f"does not match {files[0].name} ({size[1]}x{size[0]})")
            size = rgb.shape
            small = cv2.resize(rgb, (96, max(1, round(96 * rgb.shape[0] / rgb.shape[1]))),
                               interpolation=cv2.INTER_AREA)
            # Linear EXR is roughly display-encoded so histogram bins spread as on video.
            linear = (fmt := format_of(f)) is not None and fmt.scene_linear
            disp = np.clip(small, 0, 1) ** (1 / 2.2) if linear else small
            hists.append(frame_histogram((np.clip(disp, 0, 1) * 255).astype(np.uint8)))
    if not hists:
        raise MediaError(f"{label}: no frames could be decoded")
    return np.stack(hists)


@dataclass
class _Source:
    """A source checked and measured, ready to be catalogued."""

    path: Path
    name: str
    kind: str
    files: list[Path]
    first_frame: int
    input_space: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    fps: Fraction
    timecode: str | None
    tags: dict[str, Any]
    histograms: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)


def _examine(path: Path, input_space: str | None, fps: Fraction | None) -> _Source:
    """Open, hash and fully decode one source; raise on anything a render would trip on."""
    from workbench.io import probe_movie, read_image

    kind, files, first = _source_files(path)
    space = input_space or default_input_space(files[0])
    resolve_space(space)
    sha, size = sha256_of(files)
    hists = _histograms(kind, files, first, path.name)
    if kind == "movie":
        info = probe_movie(path)
        if len(hists) < info.frame_count:
            raise info.ends_early(len(hists))
        if len(hists) > info.frame_count:
            raise MediaError(f"{path.name} frame {info.frame_count}: more frames than its "
                             f"header says ({info.frame_count})")
        tags = {k: v for k, v in {"codec": info.codec, "pix_fmt": info.pix_fmt,
                                  "bits_per_component": info.bits_per_component,
                                  "color_primaries": info.color_primaries,
                                  "color_trc": info.color_trc, "colorspace": info.colorspace,
                                  "color_range": info.color_range}.items() if v}
        return _Source(path, clip_name_for(path), kind, files, first, space, sha, size,
                       info.width, info.height, info.fps, info.timecode, tags, hists)
    _, image = read_image(files[0])
    rate = snap_fps(fps or _image_fps(image.metadata) or Fraction(24))
    timecode = image.metadata.get("smpte:TimeCode") or None  # scanners and Nuke write it
    return _Source(path, clip_name_for(path), kind, files, first, space, sha, size,
                   image.width, image.height, rate, timecode,
                   {"file_format": image.file_format, "format": image.format}, hists)


def _image_fps(metadata: dict[str, str]) -> Fraction | None:
    """The frame rate an EXR or DPX header states, if any."""
    for key in ("FramesPerSecond", "dpx:FrameRate", "smpte:FrameRate"):
        try:
            return Fraction(metadata[key].replace(" ", "")).limit_denominator(1001)
        except (KeyError, ValueError, ZeroDivisionError):
            continue
    return None


def _file_day(files: Sequence[Path]) -> str:
    return datetime.fromtimestamp(files[0].stat().st_mtime, UTC).date().isoformat()


def ingest(title: Title, sources: Sequence[Path | str], *, scene: str | None = None,
           day: str | None = None, input_space: str | None = None,
           ale: Path | None = None, edl: Path | None = None, fps: Fraction | None = None,
           proxy_width: int = PROXY_WIDTH, progress: bool = True) -> list[Shot]:
    """Catalogue ``sources`` (movies, image sequences or stills) into ``title``.

    Every source is checked (exists, decodes to the end, finite pixels, one frame size) before
    anything is written, so a bad file leaves the catalog as it was.

    Parameters
    ----------
    scene, day
        Scene and shooting-day labels for every source; an ALE overrides them per clip. With
        neither, each clip is its own scene and the day is the file's modification date.
    input_space
        The sources' colour encoding (a :data:`workbench.color.COLOUR_SPACES` key or OCIO
        name); by default Rec.709 for video, ACEScg for EXR, sRGB for other images.
    ale, edl
        An ALE with per-clip Scene/Shoot Date columns; an EDL whose events give the shots.
    fps
        Frame rate of image sequences (movies state their own); else the header's, else 24.
    proxy_width
        Movies wider than this get a cached proxy at this width in ``title/proxies``.

    Returns
    -------
    list[Shot]
        The shots created, in order.
    """
    from tqdm.auto import tqdm

    from workbench.io import make_proxy, proxy_path

    if input_space is not None:
        resolve_space(input_space)
    notes = read_ale(ale) if ale else {}
    paths = [Path(s).expanduser().absolute() for s in sources]
    if not paths:
        raise TitleError("nothing to ingest: give at least one movie, sequence or image")
    examined: list[_Source] = []
    bar = tqdm(paths, desc="ingest", unit="clip", disable=not progress)
    for path in bar:
        bar.set_postfix_str(path.name)
        source = _examine(path, input_space, fps)
        if title.has_clip(source.name) or source.name in {s.name for s in examined}:
            raise TitleError(f"{path}: a clip named {source.name!r} is already in the title")
        examined.append(source)
    for source in examined:  # a cache: made once everything is known to be good
        if source.kind == "movie" and source.width > proxy_width:
            proxy = make_proxy(source.path, proxy_path(title.proxy_dir, source.sha256,
                                                       proxy_width), proxy_width)
            source.metadata["proxy"] = str(proxy.relative_to(title.root))

    if ale and not any(s.name in notes or s.path.name in notes for s in examined):
        named = ", ".join(sorted(notes)) or "none"
        raise TitleError(f"{ale}: no clip in it matches a source ({named} vs "
                         f"{', '.join(s.name for s in examined)})")
    edl_shots = read_edl(edl, examined[0].fps) if edl else {}
    if edl and not any(s.name in edl_shots for s in examined):
        raise TitleError(f"{edl}: no event's source matches a clip being ingested "
                         f"({', '.join(s.name for s in examined)})")
    created: list[Shot] = []
    with title.transaction():
        for src in examined:
            note = notes.get(src.name) or notes.get(src.path.name) or ClipNotes()
            clip = title.add_clip(
                name=src.name, path=src.path, sha256=src.sha256, size_bytes=src.size_bytes,
                kind=src.kind, width=src.width, height=src.height, fps=src.fps,
                frame_count=len(src.histograms), first_frame=src.first_frame,
                timecode=src.timecode, input_space=src.input_space,
                scene=note.scene or scene or src.name, day=note.day or day or _file_day(src.files),
                metadata={**note.metadata, "source_tags": src.tags, **src.metadata})
            created.extend(_add_shots(title, clip, src.histograms, edl_shots.get(src.name)))
    return created


def _add_shots(title: Title, clip: Clip, hists: np.ndarray,
               edl_events: list[tuple[int, int, str]] | None) -> list[Shot]:
    from workbench.title.cuts import detect_cuts, shots_from_cuts

    if edl_events:
        # EDL source timecodes count from the clip's own start timecode, when it has one.
        origin = timecode_to_frames(clip.timecode, clip.fps) if clip.timecode else 0
        ranges = [(max(s - origin, 0), min(e - origin, clip.frame_count))
                  for s, e, _ in edl_events if e - origin > 0 and s - origin < clip.frame_count]
        if not ranges:
            raise TitleError(f"{clip.path.name}: no EDL event falls inside the clip's "
                             f"{clip.frame_count} frames")
        source = "edl"
    elif clip.frame_count > 1:
        min_len = max(2, round(float(clip.fps) * MIN_SHOT_SECONDS))
        ranges = shots_from_cuts(detect_cuts(hists), clip.frame_count, min_len)
        source = "cut-detection" if len(ranges) > 1 else "whole-clip"
    else:
        ranges, source = [(0, 1)], "whole-clip"
    return [title.add_shot(clip, f"{clip.name}_{i:03d}", start, end, source)
            for i, (start, end) in enumerate(ranges, start=1)]
