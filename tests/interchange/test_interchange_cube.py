"""``.cube`` reader/writer: round trips, the real files colour-science ships, malformed files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench._colour import import_colour
from workbench.errors import ParameterError
from workbench.interchange.cube import CubeLUT, read_cube, write_cube

COLOUR_RESOURCES = Path(import_colour().__file__).parent / "io" / "luts" / "tests" / "resources"
COLOUR_CUBES = sorted(COLOUR_RESOURCES.glob("*_cube/*.cube"))


def smooth_table(size: int, seed: int = 0) -> np.ndarray:
    """A smooth, non-trivial (S,S,S,3) table indexed [r, g, b]."""
    g = np.linspace(0.0, 1.0, size)
    r, gg, b = np.meshgrid(g, g, g, indexing="ij")
    rng = np.random.default_rng(seed)
    m = np.eye(3) + rng.normal(0, 0.1, (3, 3))
    rgb = np.stack([r, gg, b], axis=-1) @ m.T
    return np.sign(rgb) * np.abs(rgb) ** 1.1 * 0.9 + 0.02 * np.sin(6 * rgb)


def ramp(n: int) -> np.ndarray:
    x = np.linspace(0.0, 1.0, n)
    return np.stack([x**0.5, x, x**2], axis=-1)


# -- round trips ---------------------------------------------------------------------------

ROUND_TRIPS = {
    "1d": CubeLUT(title="gamma", table=ramp(17)),
    "1d-domain": CubeLUT(table=ramp(5), domain=np.array([[-0.1, 0.0, -0.2], [1.5, 2.0, 3.0]])),
    "3d": CubeLUT(title="look", table=smooth_table(5)),
    "3d-domain": CubeLUT(table=smooth_table(4), domain=np.array([[-0.1, -0.2, 0], [1, 2, 3]])),
    "shaper+3d": CubeLUT(title="LogC to Video", shaper=ramp(12), table=smooth_table(3)),
    "shaper+3d-range": CubeLUT(shaper=ramp(12), shaper_domain=np.array([[-0.1] * 3, [3.0] * 3]),
                               table=smooth_table(3), domain=np.array([[0.0] * 3, [1.5] * 3])),
}


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_round_trip(tmp_path: Path, name: str) -> None:
    lut = ROUND_TRIPS[name]
    path = write_cube(tmp_path / f"{name}.cube", lut)
    back = read_cube(path)
    assert back.kind == lut.kind
    assert back.title == lut.title
    np.testing.assert_allclose(back.table, lut.table, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(back.domain, lut.domain)
    np.testing.assert_array_equal(back.shaper_domain, lut.shaper_domain)
    if lut.shaper is None:
        assert back.shaper is None
    else:
        np.testing.assert_allclose(back.shaper, lut.shaper, rtol=1e-9, atol=1e-12)
    # Six significant digits still round-trip to 1e-6.
    short = read_cube(write_cube(tmp_path / f"{name}-6.cube", lut, digits=6))
    np.testing.assert_allclose(short.table, lut.table, rtol=1e-5, atol=1e-6)


def test_written_text_is_red_fastest_and_uses_the_right_keywords(tmp_path: Path) -> None:
    table = np.zeros((2, 2, 2, 3))
    table[1, 0, 0] = (1, 0, 0)
    table[0, 1, 0] = (0, 1, 0)
    table[0, 0, 1] = (0, 0, 1)
    lut = CubeLUT(title="t", table=table, domain=np.array([[0, 0, 0], [1, 2, 3.0]]))
    text = write_cube(tmp_path / "a.cube", lut).read_text().splitlines()
    assert text[0] == 'TITLE "t"'
    assert "DOMAIN_MIN 0 0 0" in text and "DOMAIN_MAX 1 2 3" in text
    rows = [line for line in text if line[0].isdigit() or line[0] == "-"]
    assert rows[1] == "1 0 0" and rows[2] == "0 1 0" and rows[4] == "0 0 1"
    resolve = write_cube(tmp_path / "r.cube", CubeLUT(table=table, domain=np.array(
        [[-1.0] * 3, [2.0] * 3])), style="resolve").read_text()
    assert "LUT_3D_INPUT_RANGE -1 2" in resolve
    with pytest.raises(ParameterError, match="one range for all channels"):
        write_cube(tmp_path / "bad.cube", lut, style="resolve")
    with pytest.raises(ParameterError, match="style='resolve'"):
        write_cube(tmp_path / "bad.cube", ROUND_TRIPS["shaper+3d"], style="adobe")
    with pytest.raises(ParameterError, match="digits"):
        write_cube(tmp_path / "bad.cube", lut, digits=4)
    assert not (tmp_path / "bad.cube").exists()


def test_comments_blank_lines_and_title_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "messy.cube"
    path.write_text(
        "# leading comment\n\n"
        'TITLE "My # LUT"\n'
        "   # indented comment\n"
        "LUT_1D_SIZE 3  # trailing comment\n"
        "\n"
        "LUT_1D_INPUT_RANGE 0 2\n"
        "0 0 0\n"
        "# between rows\n\n"
        "\t1.0 0.5e0 1  \n"
        "2 2 2 # last\n"
    )
    lut = read_cube(path)
    assert lut.title == "My # LUT"
    assert lut.kind == "1D"
    np.testing.assert_array_equal(lut.table, [[0, 0, 0], [1, 0.5, 1], [2, 2, 2]])
    np.testing.assert_array_equal(lut.domain, [[0, 0, 0], [2, 2, 2]])


def test_cube_lut_is_read_only_and_validated() -> None:
    lut = CubeLUT(table=ramp(4))
    assert lut.table is not None
    with pytest.raises(ValueError):
        lut.table[0, 0] = 1.0
    assert lut == CubeLUT(table=ramp(4))
    assert lut != CubeLUT(table=ramp(5))
    with pytest.raises(ParameterError, match="NaN"):
        CubeLUT(table=np.full((2, 3), np.nan))
    with pytest.raises(ParameterError, match="max must exceed min"):
        CubeLUT(table=ramp(4), domain=np.array([[1.0] * 3, [0.0] * 3]))
    with pytest.raises(ParameterError, match="shaper needs a 3D table"):
        CubeLUT(table=ramp(4), shaper=ramp(4))


# -- the real files colour-science ships ---------------------------------------------------

def test_colour_science_resources_are_installed() -> None:
    assert len(COLOUR_CUBES) >= 16, f"colour's .cube test files missing under {COLOUR_RESOURCES}"


@pytest.mark.parametrize("path", COLOUR_CUBES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_colour_science_files_match_colour_reader(tmp_path: Path, path: Path) -> None:
    colour = import_colour()
    ours = read_cube(path)
    theirs = colour.read_LUT(str(path))
    if ours.kind == "shaper+3D":
        shaper, cube = theirs[0], theirs[1]
        np.testing.assert_allclose(ours.shaper, shaper.table, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours.shaper_domain, shaper.domain, rtol=0, atol=1e-12)
        theirs = cube
    assert ours.table is not None
    np.testing.assert_allclose(ours.table, theirs.table, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.domain, theirs.domain, rtol=0, atol=1e-12)
    if "TITLE" in path.read_text():  # colour names an untitled LUT after its file
        assert ours.title == theirs.name.removesuffix(" - Cube")
    else:
        assert ours.title == ""
    # Ours writes what we read, and reads it back unchanged.
    assert read_cube(write_cube(tmp_path / path.name, ours)) == ours


# -- malformed files ------------------------------------------------------------------------

def _write(tmp_path: Path, text: str, name: str = "x.cube") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wrong_row_count_names_file_and_sizes(tmp_path: Path) -> None:
    rows = "\n".join("0 0 0" for _ in range(33**3 - 1))
    with pytest.raises(ParameterError) as err:
        read_cube(_write(tmp_path, f"LUT_3D_SIZE 33\n{rows}\n"))
    assert str(err.value) == "x.cube: expected 35937 rows for LUT_3D_SIZE 33, got 35936"
    with pytest.raises(ParameterError, match=r"x.cube: expected 4 \+ 8 rows for LUT_1D_SIZE 4 "
                                             r"and LUT_3D_SIZE 2, got 11"):
        read_cube(_write(tmp_path, "LUT_1D_SIZE 4\nLUT_3D_SIZE 2\n" + "0 0 0\n" * 11))


@pytest.mark.parametrize(("text", "line", "what"), [
    ("LUT_1D_SIZE 2\n0 0 0\nnan 1 1\n", 3, "NaN or Inf"),
    ("LUT_1D_SIZE 2\n0 0 0\n1 inf 1\n", 3, "NaN or Inf"),
    ("LUT_1D_SIZE 2\n0 0 0\n1 x 1\n", 3, "not a row of 3 numbers"),
    ("LUT_1D_SIZE 2\n0 0 0\n1 1\n", 3, "expected 3 numbers"),
    ("# hi\nLUT_1D_SIZE 2\nLUT_IN_VIDEO_RANGE\n0 0 0\n1 1 1\n", 3, "unknown keyword"),
    ("LUT_3D_SIZE 1\n0 0 0\n", 1, "LUT_3D_SIZE must be in 2..256, got 1"),
    ("LUT_3D_SIZE 257\n0 0 0\n", 1, "LUT_3D_SIZE must be in 2..256"),
    ("LUT_1D_SIZE 65537\n0 0 0\n", 1, "LUT_1D_SIZE must be in 2..65536"),
    ("LUT_1D_SIZE 2.5\n0 0 0\n", 1, "needs one integer"),
    ("LUT_1D_SIZE 2\nDOMAIN_MIN 0 0\n0 0 0\n1 1 1\n", 2, "DOMAIN_MIN needs 3 numbers"),
    ("TITLE unquoted\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n", 1, "quoted"),
])
def test_malformed_line_names_file_and_line(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    with pytest.raises(ParameterError) as err:
        read_cube(_write(tmp_path, text))
    assert str(err.value).startswith(f"x.cube line {line}: ")
    assert what in str(err.value)


@pytest.mark.parametrize(("text", "what"), [
    ("# nothing\n", "no LUT_1D_SIZE or LUT_3D_SIZE"),
    ("LUT_1D_SIZE 2\nDOMAIN_MIN 0 0 0\n0 0 0\n1 1 1\n", "must come together"),
    ("LUT_1D_SIZE 2\nDOMAIN_MIN 1 0 0\nDOMAIN_MAX 1 1 1\n0 0 0\n1 1 1\n", "must exceed"),
    ("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 1\n" + "0 0 0\n" * 10,
     "ambiguous"),
])
def test_malformed_file_names_file(tmp_path: Path, text: str, what: str) -> None:
    with pytest.raises(ParameterError, match=what) as err:
        read_cube(_write(tmp_path, text))
    assert str(err.value).startswith("x.cube")


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"nowhere\.cube: cannot read"):
        read_cube(tmp_path / "nowhere.cube")
