"""LUT1D / LUT3D: agreement with OpenColorIO and colour-science, and the kornia operator set."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch
from opchecks import (
    SHAPES,
    assert_gradcheck,
    assert_identity_at_zero_strength,
    assert_shape_and_dtype,
    grey_patch,
    random_image,
    special_values_image,
)

from workbench._colour import import_colour
from workbench.errors import ParameterError, ShapeError
from workbench.interchange import lut_operator
from workbench.interchange.cube import CubeLUT, read_cube, write_cube
from workbench.ops.base import Pipeline, operator_from_dict
from workbench.ops.cdl import apply_cdl
from workbench.ops.lut import LUT1D, LUT3D
from workbench.ops.lut_interpolation import apply_cube, apply_lut1d, apply_lut3d

COLOUR_RESOURCES = Path(import_colour().__file__).parent / "io" / "luts" / "tests" / "resources"
TOL = 1e-4


# -- fixtures -------------------------------------------------------------------------------

def look_table(size: int = 33, domain: np.ndarray | None = None) -> np.ndarray:
    """A look sampled on the lattice, (S,S,S,3) indexed [r,g,b].

    A CDL plus saturation alone is a sum of per-channel curves, which trilinear and tetrahedral
    interpolation reproduce identically; the luma-dependent gain makes the look non-separable,
    so the test can tell the two interpolations apart.
    """
    d = np.array([[0.0] * 3, [1.0] * 3]) if domain is None else domain
    axes = [np.linspace(d[0, c], d[1, c], size) for c in range(3)]
    r, g, b = np.meshgrid(*axes, indexing="ij")
    rgb = torch.from_numpy(np.stack([r, g, b], axis=0).reshape(1, 3, -1, 1))
    out = apply_cdl(rgb, slope=(1.15, 0.95, 0.9), offset=(-0.02, 0.01, 0.03),
                    power=(0.9, 1.1, 1.2), saturation=1.4)
    luma = (out * torch.tensor([0.2126, 0.7152, 0.0722], dtype=out.dtype).reshape(1, 3, 1, 1)
            ).sum(dim=1, keepdim=True)
    out = out * (0.7 + 0.6 * luma.clamp(0, 1) ** 2)
    return out.reshape(3, size, size, size).permute(1, 2, 3, 0).numpy().copy()


def curve_table(n: int = 1024) -> np.ndarray:
    x = np.linspace(0.0, 1.0, n)
    return np.stack([x**0.45, 0.1 + 0.8 * x**1.3, np.sin(x * 1.4)], axis=-1)


def samples(n: int = 4000, seed: int = 0, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Random RGB in [lo, hi] plus a few outside and on the edges."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, hi, (n, 3))
    extra = np.array([[-0.5, 0.5, 1.5], [2.0, -1.0, 0.3], [lo, lo, lo], [hi, hi, hi],
                      [1.2, 1.1, -0.1], [0.5, 0.5, 0.5], [-3.0, 4.0, 0.0]])
    return np.concatenate([x, extra]).astype(np.float32)


def ours(fn, rgb: np.ndarray, *args) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Apply a (B,3,H,W) function to (N,3) pixels."""
    img = torch.from_numpy(rgb.T.copy()).reshape(1, 3, -1, 1)
    return fn(img, *args).reshape(3, -1).T.numpy()


def ocio_apply(path: Path, rgb: np.ndarray, interpolation: ocio.Interpolation) -> np.ndarray:
    ocio.ClearAllCaches()
    config = ocio.Config.CreateRaw()
    transform = ocio.FileTransform(src=str(path), interpolation=interpolation)
    cpu = config.getProcessor(transform).getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)
    out = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    cpu.applyRGB(out)
    return out


def max_err(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference, relative where the reference exceeds 1 (float32 spacing)."""
    ref = b.astype(np.float64)
    return float((np.abs(a.astype(np.float64) - ref) / np.maximum(1.0, np.abs(ref))).max())


@pytest.fixture(scope="module")
def luts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("luts")
    return {
        "3d": write_cube(root / "look.cube", CubeLUT(title="look", table=look_table(17))),
        "1d": write_cube(root / "curve.cube", CubeLUT(title="curve", table=curve_table(64))),
    }


# -- agreement with OpenColorIO -------------------------------------------------------------

def test_3d_matches_ocio_tetrahedral(tmp_path: Path) -> None:
    path = write_cube(tmp_path / "look33.cube", CubeLUT(title="CDL + sat", table=look_table(33)))
    rgb = samples()
    lut = read_cube(path)
    assert lut.table is not None
    got = ours(apply_lut3d, rgb, torch.from_numpy(np.array(lut.table)))
    ref = ocio_apply(path, rgb, ocio.INTERP_TETRAHEDRAL)
    assert max_err(got, ref) < TOL
    # And it is tetrahedral, not trilinear: OCIO's trilinear differs measurably.
    assert max_err(got, ocio_apply(path, rgb, ocio.INTERP_LINEAR)) > 2 * TOL


def test_3d_random_table_matches_ocio(tmp_path: Path) -> None:
    """A rough random table makes every tetrahedron's choice visible."""
    table = np.random.default_rng(3).uniform(-0.2, 1.2, (9, 9, 9, 3))
    path = write_cube(tmp_path / "rough.cube", CubeLUT(table=table))
    rgb = samples(seed=4)
    got = ours(apply_lut3d, rgb, torch.from_numpy(table))
    assert max_err(got, ocio_apply(path, rgb, ocio.INTERP_TETRAHEDRAL)) < TOL
    assert max_err(got, ocio_apply(path, rgb, ocio.INTERP_LINEAR)) > 0.1


def test_1d_matches_ocio_linear(tmp_path: Path) -> None:
    path = write_cube(tmp_path / "curve.cube", CubeLUT(title="curve", table=curve_table()))
    rgb = samples(lo=-0.2, hi=1.2)
    got = ours(apply_lut1d, rgb, torch.from_numpy(curve_table()))
    assert max_err(got, ocio_apply(path, rgb, ocio.INTERP_LINEAR)) < TOL


@pytest.mark.parametrize("style", ["adobe", "resolve"])
def test_domain_variants_match_ocio(tmp_path: Path, style: str) -> None:
    """DOMAIN_MIN/MAX (OCIO's Iridas reader) and LUT_*_INPUT_RANGE (its Resolve reader)."""
    d3 = np.array([[-0.1, -0.2, 0.0], [1.5, 2.0, 3.0]]) if style == "adobe" else \
        np.array([[-0.25] * 3, [2.0] * 3])
    # OCIO's Resolve reader refuses TITLE (see STACK-NOTES): write the Resolve style untitled.
    title = "domain" if style == "adobe" else ""
    lut3 = CubeLUT(title=title, table=look_table(17, d3), domain=d3)
    p3 = write_cube(tmp_path / "d3.cube", lut3, style=style)  # type: ignore[arg-type]
    assert ("DOMAIN_MIN" in p3.read_text()) == (style == "adobe")
    rgb = samples(lo=-0.5, hi=3.2)
    got = ours(apply_cube, rgb, read_cube(p3))
    assert max_err(got, ocio_apply(p3, rgb, ocio.INTERP_TETRAHEDRAL)) < TOL

    lut1 = CubeLUT(title=title, table=curve_table(256) * 2, domain=d3)
    p1 = write_cube(tmp_path / "d1.cube", lut1, style=style)  # type: ignore[arg-type]
    got = ours(apply_cube, rgb, read_cube(p1))
    assert max_err(got, ocio_apply(p1, rgb, ocio.INTERP_LINEAR)) < TOL


def test_shaper_plus_3d_untitled_matches_ocio(tmp_path: Path) -> None:
    shaper_domain = np.array([[-0.1] * 3, [3.0] * 3])
    x = np.linspace(-0.1, 3.0, 128)
    shaper = np.stack([np.log2(x + 0.2) / 4 + 0.5] * 3, axis=-1)
    d3 = np.array([[shaper.min()] * 3, [shaper.max()] * 3])
    lut = CubeLUT(shaper=shaper, shaper_domain=shaper_domain, table=look_table(17, d3),
                  domain=d3)
    path = write_cube(tmp_path / "shaper.cube", lut)
    text = path.read_text()
    assert text.index("LUT_1D_SIZE") < text.index("LUT_3D_SIZE")
    rgb = samples(lo=-0.2, hi=3.2)
    got = ours(apply_cube, rgb, read_cube(path))
    assert max_err(got, ocio_apply(path, rgb, ocio.INTERP_TETRAHEDRAL)) < TOL


def test_shaper_plus_3d_with_title_matches_colour(tmp_path: Path) -> None:
    """OCIO refuses a Resolve file with TITLE; colour-science reads it."""
    colour = import_colour()
    shaper = np.stack([np.linspace(0, 1, 64) ** 0.5] * 3, axis=-1)
    lut = CubeLUT(title="LogC to Video", shaper=shaper,
                  shaper_domain=np.array([[0.0] * 3, [2.0] * 3]), table=look_table(17))
    path = write_cube(tmp_path / "titled.cube", lut)
    with pytest.raises(ocio.Exception):
        ocio_apply(path, samples(10), ocio.INTERP_TETRAHEDRAL)
    rgb = samples(lo=0.0, hi=2.0)
    seq = colour.read_LUT(str(path))
    ref = seq.apply(rgb.astype(np.float64),
                    LUT3x1D={"extrapolator_kwargs": {"method": "Constant"}},
                    LUT3D={"interpolator": colour.algebra.table_interpolation_tetrahedral})
    got = ours(apply_cube, rgb.astype(np.float64), read_cube(path))
    assert max_err(got, ref) < TOL


# -- the real files colour-science ships: OCIO where it reads them, colour where not --------

REAL = sorted(COLOUR_RESOURCES.glob("*_cube/*.cube"))


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_files_match_ocio_or_colour(path: Path) -> None:
    lut = read_cube(path)
    lo, hi = float(lut.domain.min()), float(lut.domain.max())
    if lut.shaper is not None:
        lo, hi = float(lut.shaper_domain.min()), float(lut.shaper_domain.max())
    rgb = samples(500, lo=lo, hi=hi)
    got = ours(apply_cube, rgb, lut)
    interp = ocio.INTERP_LINEAR if lut.kind == "1D" else ocio.INTERP_TETRAHEDRAL
    try:
        ref = ocio_apply(path, rgb, interp)
    except ocio.Exception:
        text = path.read_text()  # OCIO refuses only Resolve files with a TITLE
        assert "TITLE" in text
        assert "INPUT_RANGE" in text or ("LUT_1D_SIZE" in text and "LUT_3D_SIZE" in text)
        colour = import_colour()
        theirs = colour.read_LUT(str(path))
        const = {"extrapolator_kwargs": {"method": "Constant"}}
        tetra = {"interpolator": colour.algebra.table_interpolation_tetrahedral}
        inside = np.clip(rgb, lo, hi).astype(np.float64)
        got = ours(apply_cube, inside, lut)
        if lut.kind == "shaper+3D":
            ref = theirs.apply(inside, LUT3x1D=const, LUT3D=tetra)
        elif lut.kind == "1D":
            ref = theirs.apply(inside, **const)
        else:
            ref = theirs.apply(inside, **tetra)
    assert max_err(got, ref) < TOL


# -- the kornia set for LUT1D / LUT3D -------------------------------------------------------

wide_image = partial(random_image, scale=1.6, offset=-0.3)


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_smoke_and_repr(luts: dict[str, Path], kind: str) -> None:
    op = lut_operator(luts[kind], LUT1D if kind == "1d" else LUT3D)
    img = grey_patch()
    out = op.forward(img)
    assert out.shape == img.shape and out.dtype == torch.float32
    assert not torch.allclose(out, img, atol=1e-3)
    assert repr(op).startswith(f"{type(op).__name__}(path='{luts[kind]}'")
    assert op.space == "ACEScct"
    assert isinstance(lut_operator(luts[kind]), type(op))


@pytest.mark.parametrize("kind", ["1d", "3d"])
@pytest.mark.parametrize("shape", SHAPES)
def test_output_shape(luts: dict[str, Path], kind: str, shape: tuple[int, ...]) -> None:
    assert_shape_and_dtype(lut_operator(luts[kind]), wide_image(shape))


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_strength_zero_is_bit_exact_identity(luts: dict[str, Path], kind: str) -> None:
    assert_identity_at_zero_strength(lut_operator(luts[kind], strength=0.0), wide_image(),
                                     "ACEScct")


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_strength_blends(luts: dict[str, Path], kind: str) -> None:
    img = wide_image()
    full = lut_operator(luts[kind]).forward(img)
    half = lut_operator(luts[kind], strength=0.5).forward(img)
    torch.testing.assert_close(half, img + 0.5 * (full - img))


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_function_equals_class(luts: dict[str, Path], kind: str) -> None:
    img = wide_image()
    lut = read_cube(luts[kind])
    assert lut.table is not None
    table = torch.from_numpy(np.array(lut.table))
    fn = apply_lut1d if kind == "1d" else apply_lut3d
    assert torch.equal(lut_operator(luts[kind]).forward(img), fn(img, table, (0.0, 1.0)))
    assert torch.equal(fn(img, table), apply_cube(img, lut))


def test_identity_tables_are_identity() -> None:
    img = wide_image().clamp(0, 1)
    g = torch.linspace(0, 1, 7, dtype=torch.float64)
    r, gg, b = torch.meshgrid(g, g, g, indexing="ij")
    torch.testing.assert_close(apply_lut3d(img, torch.stack([r, gg, b], -1)), img)
    torch.testing.assert_close(apply_lut1d(img, torch.stack([g, g, g], -1)), img)


def _cell_interior_points(size: int, n: int, seed: int = 0) -> torch.Tensor:
    """Points inside lattice cells with fractions well apart: away from every kink."""
    rng = np.random.default_rng(seed)
    cells = rng.integers(0, size - 1, (n, 3))
    fracs = np.stack([rng.permutation([0.2, 0.5, 0.8]) for _ in range(n)])
    fracs = fracs + rng.uniform(-0.05, 0.05, (n, 3))
    x = (cells + fracs) / (size - 1)
    return torch.from_numpy(x.T.copy()).reshape(1, 3, n, 1)


def test_gradcheck_apply_lut3d() -> None:
    table = torch.from_numpy(np.random.default_rng(1).uniform(0, 1, (5, 5, 5, 3)))
    img = _cell_interior_points(5, 12).requires_grad_(True)
    assert_gradcheck(lambda x: apply_lut3d(x, table), img, eps=1e-6, atol=1e-6)


def test_gradcheck_apply_lut1d() -> None:
    table = torch.from_numpy(curve_table(9))
    img = _cell_interior_points(9, 12, seed=2).requires_grad_(True)
    assert_gradcheck(lambda x: apply_lut1d(x, table), img, eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_no_crash_on_special_values(luts: dict[str, Path], kind: str) -> None:
    img = special_values_image()
    out = lut_operator(luts[kind]).forward(img)
    assert out.shape == img.shape
    # Like OCIO: ±inf clamp to the ends and NaN to the first entry; the LUT output is finite.
    lut_out = apply_cube(img, read_cube(luts[kind]))
    assert torch.isfinite(lut_out).all()
    ref = ocio_apply(luts[kind], img.reshape(3, 5).T.numpy(),
                     ocio.INTERP_LINEAR if kind == "1d" else ocio.INTERP_TETRAHEDRAL)
    assert max_err(lut_out.reshape(3, 5).T.numpy(), ref) < TOL


def test_bad_table_shape_raises_shape_error() -> None:
    img = wide_image()
    with pytest.raises(ShapeError, match=r"\(S,S,S,3\)"):
        apply_lut3d(img, torch.zeros(4, 4, 3, 3))
    with pytest.raises(ShapeError, match=r"\(N,3\)"):
        apply_lut1d(img, torch.zeros(1, 3))
    with pytest.raises(ShapeError, match=r"\(N,3\)"):
        apply_lut1d(img, torch.zeros(8, 4))
    with pytest.raises(ShapeError, match="domain"):
        apply_lut1d(img, torch.zeros(8, 3), domain=(0.0, 1.0, 2.0))
    with pytest.raises(ParameterError, match="domain max must exceed min"):
        apply_lut3d(img, torch.zeros(2, 2, 2, 3), domain=(1.0, 0.0))
    with pytest.raises(ShapeError, match=r"\(B,3,H,W\)"):
        apply_lut3d(torch.zeros(3, 4, 4), torch.zeros(2, 2, 2, 3))


def test_bad_file_raises_parameter_error_naming_it(tmp_path: Path, luts: dict[str, Path]) -> None:
    bad = tmp_path / "broken.cube"
    bad.write_text("LUT_3D_SIZE 2\n0 0 0\n")
    with pytest.raises(ParameterError, match=r"broken\.cube: expected 8 rows"):
        lut_operator(bad, LUT3D)
    with pytest.raises(ParameterError, match=r"missing\.cube: cannot read"):
        lut_operator(tmp_path / "missing.cube", LUT3D)
    with pytest.raises(ParameterError, match=r"curve\.cube: a 1D LUT, LUT3D takes .*use LUT1D"):
        lut_operator(luts["1d"], LUT3D)
    with pytest.raises(ParameterError, match=r"look\.cube: a 3D LUT, LUT1D takes 1D; use LUT3D"):
        lut_operator(luts["3d"], LUT1D)
    with pytest.raises(ParameterError, match=r"LUT3D\.path is empty"):
        LUT3D().forward(wide_image())
    with pytest.raises(ParameterError, match="strength must be <= 1"):
        lut_operator(luts["3d"], LUT3D, strength=2.0)


# -- serialisation and cache keys -----------------------------------------------------------

def test_to_dict_round_trip_and_the_operator_holds_its_table(tmp_path: Path) -> None:
    path = write_cube(tmp_path / "look.cube", CubeLUT(table=look_table(5)))
    op = lut_operator(path, LUT3D, space="ARRI LogC3 (EI800)", strength=0.7)
    d = json.loads(json.dumps(op.to_dict()))  # JSON, as the journal stores it
    assert d["schema"] == "LUT3D.2"
    assert d["space"] == "ARRI LogC3 (EI800)"
    assert d["params"] == {"path": str(path), "space": "ARRI LogC3 (EI800)"}
    assert d["sha256"] == read_cube(path).sha256 and len(d["sha256"]) == 64
    img = wide_image().clamp(0, 1)
    before = op.forward(img)
    key = Pipeline([op]).cache_key()

    # The file changes (or goes) after the grade was made: the grade does not.
    write_cube(path, CubeLUT(table=look_table(5)[::-1].copy()))
    assert torch.equal(op.forward(img), before)
    path.unlink()
    back = operator_from_dict(d)
    assert back == op and isinstance(back, LUT3D) and back.space == "ARRI LogC3 (EI800)"
    assert torch.equal(back.forward(img), before)
    assert Pipeline([back]).cache_key() == key
    assert torch.equal(Pipeline([op]).at_strength(0.7).operators[0].forward(img), before)


def test_equality_and_cache_key_follow_the_table(tmp_path: Path) -> None:
    a = LUT3D(lut=CubeLUT(table=look_table(5)), path="look.cube")
    same = LUT3D(lut=CubeLUT(table=look_table(5)), path="look.cube")
    other = LUT3D(lut=CubeLUT(table=look_table(5)[::-1].copy()), path="look.cube")
    assert a == same and Pipeline([a]).cache_key() == Pipeline([same]).cache_key()
    assert a != other and Pipeline([a]).cache_key() != Pipeline([other]).cache_key()
    assert a.sha256() != other.sha256()
    tampered = a.to_dict()
    tampered["lut"] = {**tampered["lut"], "sha256": other.sha256()}
    with pytest.raises(ParameterError, match="does not match its sha256"):
        operator_from_dict(tampered)


def test_a_lut3d_1_dict_with_a_path_still_loads(tmp_path: Path) -> None:
    path = write_cube(tmp_path / "look.cube", CubeLUT(table=look_table(5)))
    old = {"schema": "LUT3D.1", "space": "ACEScct", "strength": 0.5,
           "params": {"path": str(path), "space": "ACEScct"},
           "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    back = operator_from_dict(old)
    assert isinstance(back, LUT3D) and back.strength == 0.5 and back.path == str(path)
    assert back.to_dict()["schema"] == "LUT3D.2"
    img = wide_image().clamp(0, 1)
    table = torch.from_numpy(look_table(5))
    torch.testing.assert_close(back.forward(img), img + 0.5 * (apply_lut3d(img, table) - img))
    # The file it names changed since: refused, naming it, rather than graded differently.
    write_cube(path, CubeLUT(table=look_table(5)[::-1].copy()))
    with pytest.raises(ParameterError, match=r"look\.cube: the LUT file changed"):
        Pipeline.from_dict({"schema": "Pipeline.1", "operators": [old]})


def test_params_dict_keeps_numbers_as_floats() -> None:
    from workbench.ops.cdl import CDL

    assert all(isinstance(v, float) for v in CDL(saturation=1).params_dict().values())
