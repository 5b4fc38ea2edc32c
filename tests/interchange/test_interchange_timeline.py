"""OpenTimelineIO delivery timelines, from a real (tiny) title rendered to EXR.

The export maps shots and decisions onto interchange's clips; OTIO's own reader reads them back.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import opentimelineio as otio
import pytest

from workbench.export import delivery_timeline
from workbench.interchange import write_timeline
from workbench.model import propose
from workbench.ops import CDL
from workbench.render import Delivered, render
from workbench.title import Title, decide, ingest

W, H, FRAMES = 64, 48, 10
STRENGTH = 0.7


def _movie(path: Path, tint: tuple[float, float, float]) -> Path:
    from workbench.io import write_prores

    ramp = np.linspace(0.1, 0.8, W, dtype=np.float32)[None, :, None]
    rows = np.linspace(0.9, 1.1, H, dtype=np.float32)[:, None, None]
    base = np.clip(ramp * rows * np.asarray(tint, np.float32), 0, 1)
    frames = [np.clip(base * (1 + 0.01 * i), 0, 1) for i in range(FRAMES)]
    assert write_prores(path, frames, Fraction(24)) == FRAMES
    return path


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Delivered]]:
    root = tmp_path_factory.mktemp("timeline")
    dailies = root / "dailies"
    dailies.mkdir()
    sources = [_movie(dailies / "A001.mov", (1.0, 0.95, 0.9)),
               _movie(dailies / "A002.mov", (0.7, 0.9, 1.2))]
    with Title.create(root / "title", name="Tiny") as title:
        ingest(title, sources, scene="S1", progress=False)
        for proposal in propose(title, progress=False):
            decide(title, title.shot(proposal.shot), "adjust", strength=STRENGTH, by="tester")
        out = render(title, root / "renders", "exr", progress=False)
    return root, out


def test_timeline_round_trip(delivered: tuple[Path, list[Delivered]]) -> None:
    root, shots = delivered
    assert len(shots) == 2
    path = write_timeline(root / "tiny.otio", delivery_timeline("Tiny", shots))
    tl = otio.adapters.read_from_file(str(path))
    assert tl.name == "Tiny"
    clips = list(tl.find_clips())
    assert [c.name for c in clips] == [d.shot.name for d in shots]
    graded = 0
    for clip, d in zip(clips, shots, strict=True):
        wb = clip.metadata["workbench"]
        assert wb["decision_id"] == d.decision.id
        assert wb["strength"] == pytest.approx(STRENGTH)
        assert wb["decided_by"] == "tester"
        cdls = [op for op in d.decision.applied_pipeline() if isinstance(op, CDL)]
        if cdls:
            graded += 1
            eff = cdls[0].effective_values()
            assert not eff.is_identity()  # a real grade
            sop = clip.metadata["cdl"]["asc_sop"]
            assert list(sop["slope"]) == pytest.approx(list(eff.slope), abs=1e-12)
            assert list(sop["offset"]) == pytest.approx(list(eff.offset), abs=1e-12)
            assert list(sop["power"]) == pytest.approx(list(eff.power), abs=1e-12)
            assert clip.metadata["cdl"]["asc_sat"] == pytest.approx(eff.saturation)
            # The strength really was applied: the full-strength slope differs.
            full = d.decision.pipeline.operators[0].values()
            assert list(sop["slope"]) != pytest.approx(list(full.slope), abs=1e-9)
        else:  # the anchor, left as shot, carries the identity CDL explicitly
            sop = clip.metadata["cdl"]["asc_sop"]
            assert [list(sop[k]) for k in ("slope", "offset", "power")] == [
                [1.0] * 3, [0.0] * 3, [1.0] * 3]
            assert clip.metadata["cdl"]["asc_sat"] == 1.0

        ref = clip.media_reference
        assert isinstance(ref, otio.schema.ImageSequenceReference)
        assert ref.start_frame == d.first_frame
        assert ref.number_of_images_in_sequence() == d.frames == FRAMES
        assert clip.source_range.duration.value == FRAMES
        assert clip.source_range.duration.rate == 24
        for url in (ref.target_url_for_image_number(0),
                    ref.target_url_for_image_number(FRAMES - 1)):
            file = Path(unquote(urlparse(url).path))
            assert file.suffix == ".exr" and file.is_file(), url
            assert file.parent == d.path
        base = Path(unquote(urlparse(ref.abstract_target_url("#")).path))
        assert base.parent == d.path
    assert graded == 1  # one shot is the scene's anchor, the other is matched to it
