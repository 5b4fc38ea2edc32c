"""Keys on real object mattes: the plant photo and its matte over unevenly lit green and blue
screens (built as the benchmark's cases are), against OpenCV's HSV threshold key."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from keyplates import plant, screen_colour, screen_plate, tensor, threshold_key, uneven_light
from testkit import one_thread  # noqa: F401  (one torch thread for the module)

from workbench.matte.keyer import Keyer, key
from workbench.matte.temporal import TemporalStabiliser, stabilise_alpha


def mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).square().mean())


@pytest.mark.parametrize("screen", ["green", "blue"])
def test_key_beats_the_threshold_key_five_times(screen: str) -> None:
    plate, truth = screen_plate(screen)
    ours = key(plate).alpha
    anchor = threshold_key(plate)
    assert mse(ours, truth) * 5 <= mse(anchor, truth), (mse(ours, truth), mse(anchor, truth))
    assert key(plate).screen_name == screen


def test_a_blue_subject_on_blue_is_kept() -> None:
    fg, alpha = plant()
    plate, truth = screen_plate("blue", fg=fg[..., [2, 0, 1]].copy(), alpha=alpha)
    ours, anchor = key(plate).alpha, threshold_key(plate)
    assert mse(ours, truth) * 5 <= mse(anchor, truth)
    solid = truth == 1
    assert float(ours[solid].mean()) > 0.95


def test_uneven_light_is_followed_not_keyed() -> None:
    h, w = 120, 180
    bare = uneven_light(h, w)[..., None] * screen_colour("green")
    plate = tensor(bare.astype(np.float32))
    estimated = key(plate).alpha
    assert float(estimated.max()) < 0.05
    # An even screen colour picked at the brightest point keys the dim corners as subject.
    picked = tuple(float(c) for c in plate[0, :, h // 2, w // 2])
    even = key(plate, Keyer(screen_colour=picked, shade=0.0, hue=0.0)).alpha
    assert float(even[0, 0, -1, 0]) > 0.2


def test_despilled_foreground_is_closer_to_the_unspilled_subject() -> None:
    plate, truth = screen_plate("blue")
    fg, _ = plant()
    want = truth * tensor(fg)
    r = key(plate)
    kept = key(plate, Keyer(despill_strength=0.0))
    edge = ((truth > 0) & (truth < 1)).expand_as(want)
    assert float((r.foreground - want)[edge].abs().mean()) < float(
        (kept.foreground - want)[edge].abs().mean())


def test_temporal_stabiliser_steadies_still_regions_without_lagging() -> None:
    fg, alpha = plant(scale=0.4)
    h, w = alpha.shape
    plates, truths = [], []
    for i in range(6):
        m = np.float32([[1, 0, 2 * i - 6], [0, 1, 0]])
        a = cv2.warpAffine(alpha, m, (w, h), borderValue=0)
        f = cv2.warpAffine(fg, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        p, t = screen_plate("green", seed=i, fg=f, alpha=a)
        plates.append(p)
        truths.append(t)
    settings, stabiliser = Keyer(), TemporalStabiliser()
    raw, steady = [], []
    for p in plates:
        a = key(p, settings).alpha
        raw.append(a)
        steady.append(stabiliser(p, a))
    truth = torch.cat(truths)
    still = (truth[1:] - truth[:-1]).abs() < 1e-6

    def change(seq: list[torch.Tensor]) -> float:
        s = torch.cat(seq)
        return float((s[1:] - s[:-1]).abs()[still].mean())

    assert change(steady) < change(raw)
    assert mse(torch.cat(steady), truth) < 1.1 * mse(torch.cat(raw), truth)


def test_stabilise_amount_zero_is_the_identity() -> None:
    a = torch.rand(1, 1, 8, 8)
    assert torch.equal(stabilise_alpha(a, torch.zeros_like(a), torch.ones_like(a), 0.0), a)
