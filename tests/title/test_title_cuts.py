import numpy as np

from workbench.demo import sample_dir
from workbench.io import read_movie_frames
from workbench.title.cuts import detect_cuts, frame_histogram, shots_from_cuts


def test_cuts_of_the_real_bikes_edit():
    hists = np.stack([frame_histogram(f) for _, f in
                      read_movie_frames(sample_dir() / "bikes.mp4", max_width=96)])
    # Checked by eye on a contact sheet of the frames either side of each cut.
    assert detect_cuts(hists) == [30, 76, 137, 187, 242]


def test_static_clip_has_no_cut():
    hists = np.stack([frame_histogram(f) for _, f in
                      read_movie_frames(sample_dir() / "carphone.mp4", max_width=96)])
    assert detect_cuts(hists) == []


def test_short_runs_join_the_next_shot():
    # A 3-frame flash at 10..13 is not a shot; a short tail joins the last shot.
    assert shots_from_cuts([10, 13, 40, 98], 100, min_length=12) == [(0, 13), (13, 40), (40, 100)]
    assert shots_from_cuts([], 50, min_length=12) == [(0, 50)]
