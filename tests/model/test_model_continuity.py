"""Continuity on real frames: a planted stop is flagged with an exposure sentence, clean is not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.color import convert
from workbench.errors import ParameterError
from workbench.io import read_movie_frames
from workbench.model.continuity import ContinuityItem, check_continuity
from workbench.model.profiles import shot_profile

DATA = shared_path()


@pytest.fixture(scope="module")
def walkway() -> list[torch.Tensor]:
    """Six frames of one real static shot (OpenCV's vtest walkway), 192 px wide, ACEScg."""
    frames = [f for i, f in read_movie_frames(DATA / "video" / "opencv_vtest.avi", 0, 360,
                                              max_width=192) if i % 60 == 0]
    return [convert(torch.from_numpy(f.astype(np.float32) / 255).permute(2, 0, 1)[None]
                    .contiguous(), "sRGB", "ACEScg") for f in frames]


def items(frames: list[torch.Tensor]) -> list[ContinuityItem]:
    return [ContinuityItem(f"frame_{i:02d}", "walkway", shot_profile(f), f)
            for i, f in enumerate(frames)]


def test_clean_frames_of_one_shot_are_not_flagged(walkway):
    findings = check_continuity(items(walkway))
    assert [f.item for f in findings] == sorted(f"frame_{i:02d}" for i in range(6))
    assert not any(f.flag for f in findings), [f.reasons for f in findings]
    assert all(0 <= f.score < 0.5 and f.reasons == [] for f in findings)


def test_a_planted_stop_is_flagged_with_an_exposure_sentence(walkway):
    frames = list(walkway)
    frames[3] = frames[3] * 0.5
    findings = {f.item: f for f in check_continuity(items(frames))}
    bad = findings["frame_03"]
    assert bad.flag and bad.score > 0.5
    assert bad.properties[0] == "exposure"
    assert "1.0 stop darker" in bad.reasons[0]
    assert bad.fix is not None and len(bad.fix["cdl"]["offset"]) == 3
    assert [n for n, f in findings.items() if f.flag] == ["frame_03"]


def test_against_a_named_anchor(walkway):
    frames = list(walkway)
    frames[0] = frames[0] * 1.5   # the anchor itself is brighter: every other shot is darker
    findings = check_continuity(items(frames), anchors={"walkway": "frame_00"})
    assert not findings[0].flag and findings[0].reference == "anchor (itself)"
    assert all(f.flag and "darker" in f.reasons[0] and "anchor frame_00" in f.reasons[0]
               for f in findings[1:])
    with pytest.raises(ParameterError, match="not in group"):
        check_continuity(items(frames[:2]), anchors={"walkway": "frame_09"})


def test_reframings_of_different_sizes_are_compared_on_the_same_pixels():
    """Six crops of one real photo at different sizes; one is 0.6 stop under."""
    import cv2

    bgr = cv2.imread(str(DATA / "photo" / "jxl_wesaturate_u76c0g_bliznaca_srgb8.png"))
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    rng = np.random.default_rng(5)
    frames = []
    for _ in range(6):
        h, w = rng.integers(300, 420, size=2)
        y, x = rng.integers(0, 500 - h), rng.integers(0, 500 - w)
        crop = torch.from_numpy(np.ascontiguousarray(rgb[y:y + h, x:x + w]))
        frames.append(convert(crop.permute(2, 0, 1)[None].contiguous(), "sRGB", "ACEScg"))
    frames[2] = frames[2] * 2 ** -0.6
    findings = check_continuity(items(frames), fix=False)
    assert [f.item for f in findings if f.flag] == ["frame_02"]
    assert findings[2].properties[0] == "exposure"
    assert findings[2].measures["exposure"] == pytest.approx(-0.6, abs=0.05)


def test_a_four_percent_green_drop_is_flagged_as_tint_with_its_limit(walkway):
    """Every other property equal: only the green–magenta balance differs (Duv ≈ -0.0035)."""
    frames = list(walkway)
    frames[2] = frames[2] * torch.tensor([1.0, 0.96, 1.0]).reshape(1, 3, 1, 1)
    findings = check_continuity(items(frames), fix=False)
    assert [f.item for f in findings if f.flag] == ["frame_02"]
    bad = findings[2]
    # The walkway's clipped sky moves with it: its clipped highlights back the tint up.
    assert bad.properties in (["tint"], ["tint", "clip tint"])
    assert "more magenta (tint" in bad.reasons[0] and "the limit is 0.0020 Duv" in bad.reasons[0]
    assert bad.limits["tint"] == pytest.approx(0.002)
    assert bad.explanation.startswith(f"score {bad.score:.2f} = s / (1 + s)")
    assert "tint" in bad.explanation and "; flagged" in bad.explanation
    clean = findings[0]
    assert "not flagged" in clean.explanation and clean.to_dict()["explanation"]


def test_a_contrast_only_mismatch_is_flagged_as_contrast(walkway):
    frames = list(walkway)
    frames[4] = 0.18 * (frames[4].clamp_min(0) / 0.18) ** 1.3
    findings = check_continuity(items(frames), fix=False)
    assert [f.item for f in findings if f.flag] == ["frame_04"]
    assert findings[4].properties[0] == "contrast"
    assert "more contrast (contrast)" in findings[4].reasons[0]


def _crops(name: str, count: int, seed: int) -> list[torch.Tensor]:
    import cv2

    rgb = cv2.cvtColor(cv2.imread(str(DATA / "pairs" / name)), cv2.COLOR_BGR2RGB)
    h, w = round(rgb.shape[0] * 0.85), round(rgb.shape[1] * 0.85)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        y, x = rng.integers(0, rgb.shape[0] - h + 1), rng.integers(0, rgb.shape[1] - w + 1)
        crop = cv2.resize(rgb[y:y + h, x:x + w], (192, round(h * 192 / w)),
                          interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        out.append(convert(torch.from_numpy(crop).permute(2, 0, 1)[None].contiguous(), "sRGB",
                           "ACEScg"))
    return out


def test_two_viewpoints_are_compared_on_the_same_surfaces():
    """Reframings of two photographs of one street from two places (a homography apart)."""
    frames = _crops("opencv_leuvenA.jpg", 3, 1) + _crops("opencv_leuvenB.jpg", 3, 2)
    assert not any(f.flag for f in check_continuity(items(frames), fix=False))
    frames[4] = frames[4] * torch.tensor([1.0, 0.96, 1.0]).reshape(1, 3, 1, 1)
    findings = check_continuity(items(frames), fix=False)
    assert [f.item for f in findings if f.flag] == ["frame_04"]
    assert findings[4].properties == ["tint"]


def test_offsets_are_solved_in_least_absolute_deviations():
    """Three items, one off: the two clean ones agree exactly, the odd one takes it all."""
    from workbench.model.continuity.alignment import PAIRED, solve_offsets

    pairs = {}
    for (i, j), d in {(0, 1): 0.0, (0, 2): -0.6, (1, 2): -0.6}.items():
        pairs[i, j] = dict.fromkeys(PAIRED, d)
        pairs[j, i] = dict.fromkeys(PAIRED, -d)
    x = solve_offsets([0, 1, 2], pairs)
    assert x[0]["exposure"] == pytest.approx(0, abs=1e-6)
    assert x[1]["exposure"] == pytest.approx(0, abs=1e-6)
    assert x[2]["exposure"] == pytest.approx(0.6, abs=1e-6)


def test_a_contrast_change_in_a_dark_picture_does_not_read_as_exposure():
    """Contrast is fitted first and exposure measured at mid grey, on the same pixels."""
    import cv2

    from workbench.model.continuity.alignment import paired_difference

    rgb = cv2.cvtColor(cv2.imread(str(DATA / "photo" / "skimage_coffee.png")), cv2.COLOR_BGR2RGB)
    rgb = cv2.resize(rgb, (240, 160), interpolation=cv2.INTER_AREA)
    a = convert(torch.from_numpy(rgb.astype(np.float32) / 255).permute(2, 0, 1)[None]
                .contiguous(), "sRGB", "ACEScg") * 0.25          # mostly below mid grey
    b = 0.18 * (a.clamp_min(0) / 0.18) ** 1.3
    key = lambda t: t[0].permute(1, 2, 0).double().numpy()  # noqa: E731
    d = paired_difference(key(b), shot_profile(b), key(a), shot_profile(a))
    assert d is not None
    # Luminance of a per-channel power on warm colours spreads a little less than the power.
    assert np.log2(1.2) < d["contrast"] <= np.log2(1.3) + 0.03
    assert abs(d["exposure"]) < 0.1


def test_clipped_highlights_move_with_a_gain(walkway):
    """The walkway's clipped sky: one frame darkened by half a stop clips half a stop lower."""
    from workbench.model.continuity.highlights import highlight_diffs

    frames = list(walkway)
    frames[1] = frames[1] * 2 ** -0.5
    clips = highlight_diffs(items(frames), None)
    assert clips["frame_01"]["clip level"] == pytest.approx(-0.5, abs=0.02)
    assert all(abs(clips[f"frame_{i:02d}"]["clip level"]) < 0.02 for i in (0, 2, 3, 4, 5))


@pytest.fixture(scope="module")
def stage() -> list[torch.Tensor]:
    """Three frames of one second of one camera of a live session (600, 612, 623), ACEScg.

    A coloured stage light fades on the edges of the picture between the first frame and
    the others: the first reads 13 mired cooler on the whole picture, while its centre
    matches them.
    """
    frames = [f for i, f in read_movie_frames(DATA / "video" / "iscc_demo_livesession.mp4",
                                              600, 624, max_width=256) if i in (600, 612, 623)]
    return [convert(torch.from_numpy(f.astype(np.float32) / 255).permute(2, 0, 1)[None]
                    .contiguous(), "sRGB", "ACEScg") for f in frames]


def test_a_light_changing_in_part_of_the_picture_is_not_a_white_balance_mismatch(stage):
    """Once flagged (13 mired against 12); the regions disagree, so the limit rises."""
    findings = check_continuity(items(stage), fix=False)
    assert not any(f.flag for f in findings), [f.reasons for f in findings]
    first = findings[0]
    assert abs(first.measures["white balance"]) > 12.0          # what the whole picture reads
    assert first.limits["white balance"] > abs(first.measures["white balance"])
    assert "regions disagree" in first.explanation


def test_a_white_balance_over_the_whole_picture_is_still_flagged(stage):
    """A warmer white (less blue) on every pixel of one frame moves all regions alike."""
    frames = list(stage)
    frames[1] = frames[1] * torch.tensor([1.0, 1.0, 0.85]).reshape(1, 3, 1, 1)
    findings = check_continuity(items(frames), fix=False)
    assert [f.item for f in findings if f.flag] == ["frame_01"]
    assert findings[1].properties[0] == "white balance"
    assert "warmer (white balance" in findings[1].reasons[0]
