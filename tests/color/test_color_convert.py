import importlib
import threading

import cv2
import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.color import (
    COLOUR_SPACES,
    convert,
    convert_array,
    display_transform,
    from_working,
    is_display_referred,
    processor,
    to_working,
)
from workbench.errors import ColourSpaceError, ShapeError

convert_module = importlib.import_module("workbench.color.convert")

PHOTO = str(shared_path("photo", "skimage_coffee.png"))


def grey(value: float, shape=(1, 3, 2, 2)) -> torch.Tensor:
    return torch.full(shape, value, dtype=torch.float32)


# Published encodings of scene-linear 18% grey.
@pytest.mark.parametrize(
    ("src", "dst", "expected", "tol"),
    [
        # S-2016-001 ACEScct: (log2(0.18) + 9.72) / 17.52 = 0.41358840249244...
        ("ACEScg", "ACEScct", 0.41358840249244, 1e-6),
        # ARRI LogC3 white paper, EI800: mid grey 0.391007. Neutral AP1 -> AWG3 stays neutral
        # (both adapted to the same white by the config), spread < 1e-7.
        ("ACEScg", "ARRI LogC3", 0.391007, 1e-5),
        # Sony S-Log3 technical summary: 18% grey at 420/1023 = 0.41055718...
        ("ACEScg", "Sony S-Log3", 420 / 1023, 2e-6),
        ("ACEScg", "Sony S-Log3 S-Gamut3", 420 / 1023, 2e-6),
        # IEC 61966-2-1 sRGB: 1.055 * 0.18 ** (1 / 2.4) - 0.055 = 0.46135612
        ("Linear Rec.709", "sRGB", 0.46135612, 1e-6),
        # BT.1886 display (pure 2.4 gamma): 0.18 ** (1 / 2.4)
        ("Linear Rec.709", "Rec.709", 0.18 ** (1 / 2.4), 1e-6),
        # BT.709 OETF: 1.099 * 0.18 ** 0.45 - 0.099 = 0.409007
        ("Linear Rec.709", "Camera Rec.709", 1.099 * 0.18**0.45 - 0.099, 1e-6),
    ],
)
def test_mid_grey_published(src, dst, expected, tol):
    out = convert(grey(0.18), src, dst)
    assert out.shape == (1, 3, 2, 2)
    np.testing.assert_allclose(out.numpy(), expected, atol=tol, rtol=0)
    # neutral stays neutral
    assert float(out.amax(1).sub(out.amin(1)).abs().max()) < 1e-6


def test_convert_array_matches_convert_and_leaves_input():
    rgb = np.random.default_rng(1).random((5, 7, 3), dtype=np.float32)
    before = rgb.copy()
    out = convert_array(rgb, "ACEScg", "ARRI LogC3")
    np.testing.assert_array_equal(rgb, before)
    assert out.dtype == np.float32 and out.shape == rgb.shape
    t = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    np.testing.assert_array_equal(
        convert(t, "ACEScg", "ARRI LogC3")[0].permute(1, 2, 0).numpy(), out
    )


def test_identity_returns_copy():
    rgb = np.random.default_rng(2).random((4, 3)).astype(np.float32)
    out = convert_array(rgb, "ACEScg", "lin_ap1")
    np.testing.assert_array_equal(out, rgb)
    assert out is not rgb and not np.shares_memory(out, rgb)
    img = torch.rand(1, 3, 4, 4)
    res = convert(img, "acescg", "ACEScg")
    assert torch.equal(res, img) and res.data_ptr() != img.data_ptr()


def _round_trip_spaces():
    params = []
    for key in COLOUR_SPACES:
        # Display spaces also round-trip here: the config's default view transform is
        # "Un-tone-mapped" (no clamp), so scene <-> display is a pure encoding.
        params.append(pytest.param(key, id=key))
    return params


@pytest.mark.parametrize("space", _round_trip_spaces())
def test_round_trip_through_working(space):
    rng = np.random.default_rng(3)
    pos = rng.uniform(0.001, 4.0, (2, 3, 16, 16)).astype(np.float32)
    neg = rng.uniform(-0.1, 0.1, (1, 3, 16, 16)).astype(np.float32)
    for values in (pos, neg):
        img = torch.from_numpy(values)
        back = to_working(from_working(img, space), space)
        np.testing.assert_allclose(back.numpy(), values, atol=1e-5, rtol=0, err_msg=space)
    big = torch.from_numpy(rng.uniform(0, 100.0, (1, 3, 8, 8)).astype(np.float32))
    back = to_working(from_working(big, space), space)
    np.testing.assert_allclose(back.numpy(), big.numpy(), atol=1e-5, rtol=5e-5, err_msg=space)


def test_display_spaces_flagged():
    assert {k for k in COLOUR_SPACES if is_display_referred(k)} == {
        "Rec.709",
        "Rec.2100-HLG",
        "Rec.2100-PQ",
    }


def test_no_clamp_scene_linear():
    values = (
        torch.tensor([-0.5, -0.01, 0.0, 1.0, 60.0, 1000.0]).reshape(1, 1, 2, 3).repeat(1, 3, 1, 1)
    )
    cct = convert(values, "ACEScg", "ACEScct")
    back = convert(cct, "ACEScct", "ACEScg")
    torch.testing.assert_close(back, values, atol=1e-5, rtol=1e-6)
    assert float(cct.max()) > 1.0 and float(cct.min()) < 0.0
    lin709 = convert(values, "ACEScg", "Linear Rec.709")
    assert float(lin709.max()) > 999.0 and float(lin709.min()) < -0.4
    torch.testing.assert_close(
        convert(lin709, "Linear Rec.709", "ACEScg"), values, atol=1e-5, rtol=1e-6
    )


def test_unknown_name_and_bad_shape():
    with pytest.raises(ColourSpaceError, match="known: ACEScg, ACEScct"):
        convert(torch.rand(1, 3, 2, 2), "ACEScg", "LogC17")
    with pytest.raises(ColourSpaceError):
        convert_array(np.zeros((2, 3), np.float32), "nope", "ACEScg")
    for bad in (
        torch.rand(3, 2, 2),
        torch.rand(1, 4, 2, 2),
        torch.zeros(1, 3, 2, 2, dtype=torch.int32),
    ):
        with pytest.raises(ShapeError):
            convert(bad, "ACEScg", "sRGB")
    with pytest.raises(ShapeError):
        convert_array(np.zeros((2, 4), np.float32), "ACEScg", "sRGB")


def test_dtype_device_and_input_untouched():
    img = torch.rand(2, 3, 5, 6)
    before = img.clone()
    out = convert(img, "ACEScg", "sRGB")
    assert out.dtype == torch.float32 and out.device.type == "cpu" and out.shape == img.shape
    assert torch.equal(img, before)
    # non-contiguous input
    nc = torch.rand(1, 6, 5, 3).permute(0, 3, 2, 1)
    torch.testing.assert_close(
        convert(nc, "ACEScg", "sRGB"), convert(nc.contiguous(), "ACEScg", "sRGB")
    )
    empty = torch.zeros(0, 3, 4, 4)
    assert convert(empty, "ACEScg", "sRGB").shape == (0, 3, 4, 4)


def test_processor_is_cached():
    assert processor("ACEScg", "ARRI LogC3") is processor("lin_ap1", "arri logc3")


def test_large_image_strips_equal_single_call(monkeypatch):
    rng = np.random.default_rng(4)
    rgb = rng.uniform(-0.2, 8, (1, 1100, 1000, 3)).astype(np.float32)  # 1.1 Mpix
    threads = set()
    proc = processor("ACEScg", "ACEScct")

    class Spy:
        def applyRGB(self, a):  # noqa: N802
            threads.add(threading.get_ident())
            proc.applyRGB(a)

    monkeypatch.setattr(convert_module, "_cpu_processor", lambda s, d: Spy())
    striped = convert_array(rgb, "ACEScg", "ACEScct")
    monkeypatch.undo()
    single = rgb.reshape(-1, 3).copy()
    proc.applyRGB(single)
    np.testing.assert_array_equal(striped, single.reshape(rgb.shape))
    if (convert_module.os.cpu_count() or 1) > 1:
        assert len(threads) > 1


def test_display_transform():
    img = torch.cat([grey(0.18), grey(0.0), grey(100.0), grey(-1.0)], 0)
    out = display_transform(img)
    assert out.shape == img.shape and out.dtype == torch.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    mid = float(out[0].mean())
    assert 0.3 < mid < 0.5  # ACES 2.0 SDR: 18% grey displays at ~0.35 sRGB code value
    assert float(out[1].max()) < 1e-3 and float(out[2].min()) > 0.95


def test_photo_srgb_to_acescg_matches_colour_science():
    colour = pytest.importorskip("colour")
    bgr = cv2.imread(PHOTO, cv2.IMREAD_COLOR)
    assert bgr is not None and bgr.shape == (400, 600, 3)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    img = torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()
    ours = to_working(img, "sRGB")[0].permute(1, 2, 0).numpy()
    # The studio config adapts D65 -> ACES white with Bradford: colour-science agrees to ~1e-4.
    bradford = colour.RGB_to_RGB(
        rgb, "sRGB", "ACEScg", chromatic_adaptation_transform="Bradford", apply_cctf_decoding=True
    )
    np.testing.assert_allclose(ours, bradford, atol=2e-4, rtol=0)
    # colour-science's default CAT (CAT02) differs by ~1.2e-3 at most on this photo.
    cat02 = colour.RGB_to_RGB(
        rgb, "sRGB", "ACEScg", chromatic_adaptation_transform="CAT02", apply_cctf_decoding=True
    )
    assert np.abs(ours - cat02).max() < 2e-3
