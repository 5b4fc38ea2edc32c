"""``workbench train``: learn the title model (learned matcher, profiles, look) from its dailies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.commands import AddCommand

__all__ = ["cmd_train", "register"]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(add: AddCommand) -> None:
    """Add ``train`` through ``add(name, fn, help)``."""
    sp = add("train", cmd_train,
             "train the title model (learned shot matcher, profiles, look) on the dailies")
    sp.add_argument("dir", type=Path)
    sp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sp.add_argument("--frames", type=_positive, default=100,
                    help="proxy frames sampled across the shots (default 100)")
    sp.add_argument("--steps", type=_positive, help="matcher training steps (default 500)")
    sp.add_argument("--max-width", type=_positive, default=256,
                    help="width of the proxy frames in pixels (default 256)")


def cmd_train(a: argparse.Namespace) -> int:
    """Train and save; the model folder on stdout, a summary on stderr."""
    from workbench.model.title_model import models_dir
    from workbench.model.train import train_title
    from workbench.title import Title

    with Title.open(a.dir) as title:
        model = train_title(title, seed=a.seed, frames=a.frames, steps=a.steps,
                            max_width=a.max_width, progress=not a.quiet)
        m = model.metadata["metrics"]
        mm = m["matcher"]
        look = m.get("look") or {}
        lines = [
            f"trained title model {model.version_id}",
            f"  frames {m['frames']} from {m['shots']} shot(s), {m['seconds']:.1f} s "
            f"(matcher {mm['seconds']:.1f} s, {mm['steps']} steps)",
            f"  matcher loss {mm['loss']:.4f} (uncorrected {mm['identity_loss']:.4f}, "
            f"smooth-L1 in ACEScct)",
            (f"  look loss {look.get('loss', float('nan')):.4f} from "
             f"{len(model.metadata.get('look_pairs', []))} hero pair(s)") if look else
            "  look: none (no hero before/after pairs, no accepted grades)",
        ]
        if m.get("stopped_early"):
            lines.append("  stopped early: the model keeps what it had learned")
        print("\n".join(lines), file=sys.stderr)
        print(models_dir(title) / model.version_id)
    return 0
