"""`workbench continuity` on a folder of real images and on a tiny real title."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from testkit import shared_path

from workbench.cli import main
from workbench.io import read_movie_frames, write_png8

DATA = shared_path()


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["-q", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def stills(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five frames of a real static shot as sRGB PNGs; one a stop too bright."""
    folder = tmp_path_factory.mktemp("stills")
    for i, f in read_movie_frames(DATA / "video" / "opencv_vtest.avi", 0, 250, max_width=160):
        if i % 50 == 0:
            rgb = f.astype(np.float32) / 255
            if i == 100:   # one stop up in linear light, then back to sRGB
                lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
                lin = np.clip(lin * 2, 0, 1)
                rgb = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
            write_png8(folder / f"still_{i:03d}.png", rgb.astype(np.float32))
    return folder


def test_image_folder_json(capsys, stills: Path):
    code, out, _ = run(capsys, "continuity", stills, "--json")
    assert code == 0
    entries = json.loads(out)   # stdout holds the JSON list and nothing else
    assert [e["item"] for e in entries] == sorted(p.name for p in stills.iterdir())
    flagged = [e for e in entries if e["flag"]]
    assert [e["item"] for e in flagged] == ["still_100.png"]
    assert "brighter" in flagged[0]["reasons"][0] and "exposure" in flagged[0]["reasons"][0]
    assert "the limit is" in flagged[0]["reasons"][0]
    for e in entries:
        assert set(e) >= {"item", "group", "flag", "score", "reasons", "explanation", "limits"}
        assert e["flag"] == bool(e["reasons"])
        assert e["explanation"].startswith(f"score {e['score']:.2f}")


def test_image_folder_table_and_anchor(capsys, stills: Path):
    code, out, _ = run(capsys, "continuity", stills, "--anchor", "still_100.png")
    assert code == 0
    assert out.count("FLAG") == 4 and "darker" in out
    code, _, err = run(capsys, "continuity", stills, "--anchor", "nope.png")
    assert code == 2 and "nope.png" in err and "still_000.png" in err


def test_errors_name_the_problem(capsys, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run(capsys, "continuity", empty, "--json")
    assert code == 2 and out == "" and "no images" in err
    (empty / "broken.png").write_bytes(b"not a png")
    code, out, err = run(capsys, "continuity", empty, "--json")
    assert code == 2 and out == "" and "broken.png" in err


def test_title_mode(capsys, dailies: Path, title_dir: Path):
    assert run(capsys, "init", title_dir, "--name", "Tiny")[0] == 0
    assert run(capsys, "ingest", title_dir, dailies / "street.mov", dailies / "face.mov")[0] == 0
    code, out, _ = run(capsys, "continuity", title_dir, "--json")
    assert code == 0
    entries = json.loads(out)
    assert [e["item"] for e in entries] == ["face_001", "street_001", "street_002"]
    assert len({e["group"] for e in entries}) == 2
    assert all(e["flag"] == bool(e["reasons"]) for e in entries)
    code, out, _ = run(capsys, "continuity", title_dir, "--json", "--anchor", "street_002")
    street = {e["item"]: e for e in json.loads(out) if e["item"].startswith("street")}
    assert street["street_002"]["reference"] == "anchor (itself)"
    assert street["street_001"]["reference"] == "anchor street_002"
    code, _, err = run(capsys, "continuity", title_dir, "--anchor", "street_009")
    assert code == 2 and "street_009" in err
