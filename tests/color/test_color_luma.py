"""The Rec.709 luma weights are BT.709's: the Y row of colour-science's Rec.709 RGB→XYZ matrix."""

from __future__ import annotations

import numpy as np

from workbench._colour import import_colour
from workbench.color import REC709_LUMA


def test_rec709_luma_is_the_y_row_of_the_bt709_matrix():
    colour = import_colour()
    y_row = np.asarray(colour.RGB_COLOURSPACES["ITU-R BT.709"].matrix_RGB_to_XYZ)[1]
    np.testing.assert_allclose(REC709_LUMA, y_row, atol=5e-5)
    assert sum(REC709_LUMA) == 1.0
