"""What a training loop reports as it goes: the contract between the model and its viewers.

Every trainer in ``workbench.model`` (the look, the learned shot matcher, the whole title
model) takes ``callback: TrainCallback | None``. It is called after each optimisation step; a
TrainingView draws the loss curve and a preview from it, a notebook's tqdm bar shows the loss.
Returning ``False`` stops training early: the trainer finishes cleanly with what it has learned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["Preview", "TrainCallback", "TrainProgress", "wants_stop"]

# Applies the model as it stands at this step to (B,3,H,W) pixels in the trainer's input space.
Preview = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class TrainProgress:
    """One step of training.

    Attributes
    ----------
    stage : str
        What is being trained: ``"look"``, ``"matcher"`` or ``"profiles"``.
    step, total : int
        Steps done (1-based) and planned in this stage.
    loss : float
        The training loss after this step.
    seconds : float
        Wall time since the stage started.
    preview : Preview | None
        The model as it is now, for a before/after on a held-out frame; ``None`` where a stage
        has nothing to show.
    """

    stage: str
    step: int
    total: int
    loss: float
    seconds: float
    preview: Preview | None = None


TrainCallback = Callable[[TrainProgress], "bool | None"]


def wants_stop(callback: TrainCallback | None, progress: TrainProgress) -> bool:
    """Report ``progress``; ``True`` when the callback asked to stop (it returned ``False``)."""
    return callback is not None and callback(progress) is False
