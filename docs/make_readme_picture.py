"""Regenerate docs/before_after.jpg from a demo run: ``python docs/make_readme_picture.py demo-out``.

Three shots of the sample title, before (left) and after (right) their accepted grade, exactly
as the demo's report shows them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from workbench.render import Delivered
from workbench.report import before_after
from workbench.title import Title, accepted_decisions

SHOTS = ("bikes_002", "bikes_003", "livesession_012")
HEIGHT = 200
GAP = 6
GREY = 0.08


def main(demo_out: Path, out: Path) -> None:
    rows = []
    with Title.open(demo_out / "title") as title:
        for shot, decision in accepted_decisions(title):
            if shot.name not in SHOTS:
                continue
            delivered = Delivered(shot, decision, "exr", demo_out / "renders", 0, 0)
            before, after = before_after(title, shot, delivered, width=480)
            width = round(before.shape[1] * HEIGHT / before.shape[0])
            pair = [cv2.resize(x, (width, HEIGHT), interpolation=cv2.INTER_AREA)
                    for x in (before, after)]
            rows.append(np.concatenate([pair[0], np.full((HEIGHT, GAP, 3), GREY), pair[1]], 1))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, GAP), (0, width - r.shape[1]), (0, 0)), constant_values=GREY)
            for r in rows]
    img = (np.concatenate(rows)[:-GAP] * 255 + 0.5).astype(np.uint8)
    cv2.imwrite(str(out), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-out"),
         Path(__file__).with_name("before_after.jpg"))
