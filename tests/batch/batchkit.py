"""Helpers the batch tests import by name: the title they share and the command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ACCEPTED = ("face_001", "street_001")
REFUSED = "street_002"  # proposed, never accepted: a render of it must fail


def make_title(root: Path, dailies: Path) -> Path:
    """Ingest + propose the tiny dailies into ``root/title``; accept :data:`ACCEPTED`."""
    from workbench.model import propose
    from workbench.title import Title, decide, ingest

    shutil.copytree(dailies, root / "dailies")
    with Title.create(root / "title") as title:
        ingest(title, [root / "dailies" / "face.mov", root / "dailies" / "street.mov"],
               progress=False)
        propose(title, progress=False)
        for name in ACCEPTED:
            decide(title, title.shot(name), "accept", by="test")
    return root / "title"



def workbench(*args: str | Path, check: bool = False, timeout: float = 240
              ) -> subprocess.CompletedProcess[str]:
    """Run the ``workbench`` command line, as a TD would, capturing its output."""
    done = subprocess.run([sys.executable, "-m", "workbench.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"workbench {' '.join(map(str, args))} exited "
                             f"{done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done
