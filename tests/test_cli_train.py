"""`workbench train` and the propose that follows it, on a tiny real title."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str | Path, quiet: bool = True
        ) -> tuple[int, str, str]:
    code = main([*(["-q"] if quiet else []), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_then_propose_uses_the_model(capsys, dailies: Path, title_dir: Path):
    assert run(capsys, "init", title_dir)[0] == 0
    assert run(capsys, "ingest", title_dir, dailies / "street.mov", dailies / "face.mov")[0] == 0

    code, out, err = run(capsys, "train", title_dir, "--seed", "3", "--frames", "6",
                         "--steps", "10")
    assert code == 0, err
    folder = Path(out.strip())
    version = folder.name
    assert folder.parent == title_dir / "models" and (folder / "model.json").is_file()
    assert f"trained title model {version}" in err
    assert "frames 6 from 3 shot(s)" in err and "matcher loss" in err and "look: none" in err
    assert json.loads((folder / "model.json").read_text())["seed"] == 3

    code, out, err = run(capsys, "propose", title_dir, quiet=False)
    assert code == 0
    assert f"propose: using title model {version}" in err
    assert run(capsys, "decide", title_dir, "street_002", "accept", "--by", "ana")[0] == 0
    code, out, _ = run(capsys, "log", title_dir, "--json")
    (entry,) = json.loads(out)
    assert entry["model_version"].startswith("title-model/1") and version in \
        entry["model_version"]


def test_train_refuses_bad_input(capsys, tmp_path: Path):
    code, _, err = run(capsys, "train", tmp_path / "nowhere")
    assert code == 2 and "title directory does not exist" in err
    assert run(capsys, "init", tmp_path / "empty")[0] == 0
    code, _, err = run(capsys, "train", tmp_path / "empty")
    assert code == 2 and "no shots to train on" in err
    with pytest.raises(SystemExit):
        main(["train", str(tmp_path / "empty"), "--frames", "0"])
