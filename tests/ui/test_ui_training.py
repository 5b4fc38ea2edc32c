"""TrainingView against a real (tiny) training loop that speaks the TrainProgress contract."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from workbench.model.progress import TrainCallback, TrainProgress, wants_stop
from workbench.ui import TrainingView


def fit_gain(target: torch.Tensor, steps: int, callback: TrainCallback | None = None,
             step_seconds: float = 0.0) -> tuple[float, int]:
    """Learn one gain so ``gain * x`` matches ``target`` (Adam); returns (gain, steps run)."""
    source = target / 1.7
    gain = torch.ones((), requires_grad=True)
    opt = torch.optim.Adam([gain], lr=0.05)
    start = time.monotonic()
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = torch.mean((gain * source - target) ** 2)
        loss.backward()
        opt.step()
        g = float(gain.detach())
        progress = TrainProgress("look", step, steps, float(loss), time.monotonic() - start,
                                 preview=lambda img, g=g: img * g)
        if wants_stop(callback, progress):
            return float(gain), step
        time.sleep(step_seconds)
    return float(gain), steps


def _held_out() -> torch.Tensor:
    return torch.linspace(0.02, 0.5, 64 * 48 * 3).reshape(1, 3, 48, 64)


def test_stop_returns_false_to_the_trainer():
    view = TrainingView(_held_out())
    calls = []

    def callback(progress: TrainProgress) -> bool:
        calls.append(progress.step)
        if progress.step == 5:
            view._handle_custom_msg({"type": "stop"}, [])  # the Stop button's message
        return view.callback(progress)

    _gain, ran = fit_gain(_held_out(), 500, callback)
    assert ran == 5 and calls == [1, 2, 3, 4, 5] and view.stop_requested
    assert view.step == 5 == view.stopped_at  # the stopping step is shown, not throttled away


def test_updates_are_throttled_and_the_curve_and_preview_arrive():
    view = TrainingView(_held_out(), rate_hz=10.0)
    thread = view.train(fit_gain, target=_held_out(), steps=150, step_seconds=0.002)
    assert view.running
    thread.join(30)
    assert not view.running and view.error == ""
    assert view.step == 150 and view.total == 150 and view.stage == "look"  # last step shown
    curve = np.frombuffer(view.curve, np.float32).reshape(-1, 2)
    assert curve.shape == (150, 2) and curve[-1, 0] == 150
    assert curve[-1, 1] < curve[0, 1]  # the loss fell
    # ~0.3 s or more of training at 10 Hz: a handful of pushes, never one per step.
    assert 2 <= view.updates < 60, view.updates
    assert view.preview[:2] == b"\xff\xd8" and view.before[:2] == b"\xff\xd8"  # JPEGs


def test_a_failing_trainer_shows_its_error():
    def broken(callback: TrainCallback) -> None:
        callback(TrainProgress("look", 1, 3, 1.0, 0.0))
        raise RuntimeError("out of frames")

    view = TrainingView()
    view.train(broken).join(10)
    assert "RuntimeError: out of frames" in view.error and not view.running


def test_a_one_step_stage_keeps_the_curve_of_the_stage_before():
    """train_title ends the matcher with a one-step 'profiles' stage: the curve must stay."""
    def two_stages(callback: TrainCallback) -> str:
        fit_gain(_held_out(), 40, callback)
        callback(TrainProgress("profiles", 1, 1, 0.0, 0.0))
        return "model"

    view = TrainingView(_held_out(), rate_hz=1000.0)
    view.train(two_stages)
    assert view.wait(30) == "model"
    assert view.finished and not view.running and view.stage == "profiles"
    curve = np.frombuffer(view.curve, np.float32).reshape(-1, 2)
    assert view.curve_stage == "look" and curve.shape == (40, 2)
    assert [(s["stage"], s["steps"]) for s in view.stage_summary] == [("look", 40),
                                                                      ("profiles", 1)]


def test_running_until_the_run_ends_and_wait_raises_its_error():
    seen = []

    def slow(callback: TrainCallback) -> None:
        callback(TrainProgress("look", 1, 2, 1.0, 0.0))
        seen.append((view.running, view.finished))  # mid-run: not "done"
        raise ValueError("bad frame")

    view = TrainingView()
    view.train(slow)
    with pytest.raises(ValueError, match="bad frame"):
        view.wait(10)
    assert seen == [(True, False)] and view.finished and not view.running
    view.train(fit_gain, target=_held_out(), steps=5)  # a second run starts clean
    view.wait(30)
    assert view.error == "" and view.step == 5 and view.stopped_at == 0
