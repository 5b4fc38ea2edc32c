"""The title matcher's remembered frames: a relit pickup matched through the title's own setups.

Real footage: the ISCC live session (several cameras of one red-lit studio). The shot is
frame 400 (camera A, the guitarist) relit physically in linear light (a SIMULATED light
change: exposure and a Bradford white balance); the reference is frame 600 (camera B, the
two guitarists wider), which shares no surface with it that features can find. The title's
frames are camera A's and B's frames at least two seconds away from both, as dailies of the
same setups would be.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from testkit import one_thread, shared_path  # noqa: F401  (one_thread: autouse fixture)

from workbench.color import mean_delta_e_2000, to_working
from workbench.errors import ShapeError
from workbench.io import read_movie_frames
from workbench.model.framing import active_area
from workbench.model.matching import match_frames
from workbench.model.matching.correspond import find_correspondences, fit_light
from workbench.model.matching.learned import MatcherConfig, MatcherNet, TitleMatcher
from workbench.model.matching.memory import FrameLibrary
from workbench.ops import Exposure, Pipeline, WhiteBalance

LIVE = shared_path("video", "iscc_demo_livesession.mp4")
TITLE_FRAMES = (452, 460, 468, 476, 484, 656, 664, 672, 680)  # cameras A and B, later on


@pytest.fixture(scope="module")
def live() -> dict[int, torch.Tensor]:
    wanted = {400, 600, *TITLE_FRAMES}
    out = {}
    for index, rgb in read_movie_frames(LIVE, 400, max(wanted) + 1):
        if index in wanted:
            frame = torch.from_numpy(rgb.astype(np.float32) / 255).permute(2, 0, 1)[None]
            frame = to_working(frame.contiguous(), "sRGB")
            out[index] = active_area(frame, 1).crop(frame).contiguous()
    return out


def untrained(library: FrameLibrary | None) -> TitleMatcher:
    """A title matcher whose network is as initialised (it predicts the light prior alone)."""
    return TitleMatcher(MatcherNet(), MatcherConfig(), {}, library)


def relit(frame: torch.Tensor) -> torch.Tensor:
    return Pipeline([Exposure(stops=0.6),
                     WhiteBalance(source_kelvin=6500, target_kelvin=3600)]).apply(frame)


def test_a_shot_is_matched_through_the_title_frames_that_share_its_setup(live):
    shot, reference = relit(live[400]), live[600]
    assert find_correspondences(shot, reference) is None  # nothing shared with the reference
    library = FrameLibrary.from_frames([live[i][0] for i in TITLE_FRAMES])
    grade = match_frames(shot, reference, "title", title_model=untrained(library))
    plain = match_frames(shot, reference, "title", title_model=untrained(None))
    vk = match_frames(shot, reference, "von-kries")
    errors = {name: mean_delta_e_2000(g.apply(shot), live[400])
              for name, g in (("memory", grade), ("no memory", plain), ("von Kries", vk))}
    print(errors, grade.summary)
    assert "shared with the title's frames" in grade.summary
    assert errors["memory"] < 0.7 * min(errors["no memory"], errors["von Kries"]), errors
    # Its confidence rests on a held-out ΔE2000 (not capped like a distribution guess).
    assert grade.measure == "ΔE2000" and grade.confidence > vk.confidence


def test_the_reference_off_the_title_look_is_followed(live):
    """A reference graded away from the title's light: the match goes on to that grade."""
    library = FrameLibrary.from_frames([live[i][0] for i in TITLE_FRAMES])
    graded = Exposure(stops=-0.8).apply(live[600])
    assert library.look_of(live[600]) is None  # in the title's look: nothing appended
    look = library.look_of(graded)
    assert look is not None
    px = live[600].permute(0, 2, 3, 1).reshape(-1, 3)
    moved = look(px).reshape(1, *live[600].shape[2:], 3).permute(0, 3, 1, 2)
    # Fitted on other frames (people moved, light drifts a little): most of the way there.
    assert mean_delta_e_2000(moved, graded) < 0.4 * mean_delta_e_2000(live[600], graded)


def test_library_round_trips_and_refuses_bad_frames(tmp_path: Path, live):
    from safetensors.torch import load_file, save_file

    library = FrameLibrary.from_frames([live[i][0] for i in TITLE_FRAMES], limit=4, width=96)
    assert len(library.frames) == 4 and all(f.shape[-1] == 96 and f.dtype == torch.float16
                                            for f in library.frames)
    matcher = untrained(library)
    save_file(matcher.state_dict(), str(tmp_path / "m.safetensors"))
    back = TitleMatcher.from_state(matcher.to_dict(), load_file(str(tmp_path / "m.safetensors")))
    assert back.library is not None and len(back.library.frames) == 4
    assert all(torch.equal(a, b) for a, b in zip(back.library.frames, library.frames,
                                                 strict=True))
    with pytest.raises(ShapeError, match="frame 0 must be"):
        FrameLibrary.from_frames([torch.zeros(4, 8, 8)])
    with pytest.raises(ShapeError, match="no frames"):
        FrameLibrary.from_frames([])


def test_light_fit_follows_a_power_in_linear_light_in_a_dark_picture(live):
    """Half the live frame sits in ACEScct's toe: a gamma change there needs the power model."""
    frame = live[400]
    lin = torch.where(frame > 0, 0.18 * (frame.clamp_min(1e-12) / 0.18) ** 1.2, frame)
    x = lin.permute(0, 2, 3, 1).reshape(-1, 3)
    y = frame.permute(0, 2, 3, 1).reshape(-1, 3)
    slope_only = fit_light(x, y)
    both = fit_light(x, y, curves=("ACEScct", "power"))
    assert both.curve == "power" and abs(both.contrast - 1 / 1.2) < 0.01

    def error(fit) -> float:
        return mean_delta_e_2000(fit(x).reshape(1, *frame.shape[2:], 3).permute(0, 3, 1, 2),
                                 frame)

    assert error(both) < 0.1 < 1.0 < error(slope_only)
