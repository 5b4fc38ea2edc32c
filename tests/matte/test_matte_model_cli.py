"""``workbench key --model DIR``: the key corrected by a matte model, read from its folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from keyplates import screen_plate

from workbench.cli import main
from workbench.io import read_image
from workbench.io.image_write import write_exr
from workbench.matte.keyer import Keyer, key
from workbench.matte.matte_files import read_matte
from workbench.matte.model import (
    ApprovedMatte,
    MatteModel,
    MatteModelSettings,
    train_matte_model,
    write_matte_model,
)
from workbench.matte.model.store import WEIGHTS_FILE

KEYER = Keyer(screen="green", refine_radius=0)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[MatteModel, Path, Path, Path]:
    """A model taught on three noisy takes of the plant; a fourth take as a float EXR plate."""
    approved = []
    for seed in range(3):
        plate, alpha = screen_plate("green", seed=seed)
        approved.append(ApprovedMatte(plate, key(plate, KEYER).alpha, alpha, f"take {seed}"))
    model = train_matte_model(approved, MatteModelSettings(steps=20, batch=4, crop=48,
                                                           threads=1),
                              keyer=KEYER.to_dict(), progress=False)
    root = tmp_path_factory.mktemp("keymodel")
    folder = write_matte_model(model, root / "model")
    plate, alpha = screen_plate("green", seed=9)
    exr = write_exr(root / "plate.exr", plate[0].permute(1, 2, 0).numpy(), half=False)
    truth = root / "truth.npy"
    np.save(truth, alpha[0, 0].numpy())
    return model, folder, exr, truth


def test_key_with_the_model_writes_its_corrected_matte(trained, tmp_path: Path) -> None:
    model, folder, exr, truth_file = trained
    truth = np.load(truth_file)
    plain, fixed = tmp_path / "plain.exr", tmp_path / "fixed.exr"
    assert main(["key", str(exr), "--out", str(plain), "--screen", "green"]) == 0
    # the keyer settings come from the model's manifest (no --settings given)
    assert main(["key", str(exr), "--out", str(fixed), "--model", str(folder)]) == 0
    plain_a, fixed_a = read_matte(plain), read_matte(fixed)
    assert fixed_a.shape == plain_a.shape == truth.shape
    rgb, _ = read_image(exr)
    img = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None]
    expected = model.apply(img, key(img, KEYER).alpha)[0, 0].numpy()
    assert np.abs(fixed_a - expected).max() < 2e-3  # what the model gives, as stored
    if model.trust > 0:
        assert not np.array_equal(fixed_a, plain_a)


def test_a_damaged_model_fails_before_anything_is_written(trained, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    _model, folder, exr, _truth = trained
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in folder.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    raw = bytearray((broken / WEIGHTS_FILE).read_bytes())
    raw[-3] ^= 0xFF
    (broken / WEIGHTS_FILE).write_bytes(bytes(raw))
    out = tmp_path / "out.exr"
    assert main(["key", str(exr), "--out", str(out), "--model", str(broken)]) != 0
    assert WEIGHTS_FILE in capsys.readouterr().err
    assert not out.exists()
    assert main(["key", str(exr), "--out", str(out), "--model", str(tmp_path / "none")]) != 0
    assert "no matte model" in capsys.readouterr().err
    assert not out.exists()
