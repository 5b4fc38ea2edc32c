"""What the dashboard reads: statuses in bulk, the journal, pictures, profiles, batches, binding."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from workbench.cli import main
from workbench.dashboard.access import Auth, check_bind
from workbench.dashboard.batches import batch_folders, read_batches
from workbench.dashboard.catalog import decision_history, shot_rows, status_counts
from workbench.dashboard.pictures import shot_pictures
from workbench.dashboard.profiles import title_profiles
from workbench.errors import ParameterError
from workbench.title import Title, decide, latest_decision, record_render, shot_status

pytestmark = pytest.mark.slow


def test_bulk_statuses_match_the_journal(title_copy):
    with Title.open(title_copy) as title:
        shots = title.shots()
        decide(title, shots[1], "accept", by="a")
        decide(title, shots[2], "adjust", strength=0.3, by="b")
        decide(title, shots[3], "reject", by="c")
        decide(title, shots[4], "accept", by="d")
        decide(title, shots[4], "reject", by="d", note="changed my mind")
        d = decide(title, shots[6], "accept", by="e")
        record_render(title, d, "exr", "renders/x", 10)
        rows = shot_rows(title)
        assert [r.name for r in rows] == [s.name for s in shots]
        assert [r.status for r in rows] == [shot_status(title, s) for s in shots]
        by = {r.name: r for r in rows}
        assert by[shots[2].name].strength == 0.3
        assert by[shots[3].name].strength is None
        assert by[shots[6].name].status == "rendered"
        counts = status_counts(rows)
        assert sum(counts.values()) == len(shots) == 24
        assert counts["rejected"] == 2 and counts["rendered"] == 1
        history = decision_history(title, shots[4].name)
        assert [h["verdict"] for h in history] == ["accept", "reject"]
        assert history[1]["who"] == "d" and history[1]["note"] == "changed my mind"
        assert history[1]["model version"] == latest_decision(title, shots[4]).model_version


def test_pictures_show_the_grade_and_only_the_grade(title_copy):
    with Title.open(title_copy) as title:
        anchor = next(s for s in title.shots() if s.name == title.anchor(s.scene).name)
        graded = next(r for r in shot_rows(title) if r.name != anchor.name
                      and (r.strength or 0) >= 0.5 and "stop" in r.summary)
        left = shot_pictures(title, anchor.name)
        assert left.after == left.before  # an anchor is left as shot
        moved = shot_pictures(title, graded.name)
        assert moved.after != moved.before and moved.thumb != moved.before
        assert moved.grade.startswith("proposal")
        decide(title, title.shot(graded.name), "adjust", strength=0.0, by="t")
        zero = shot_pictures(title, graded.name)
        assert zero.after == zero.before and zero.grade == "adjust at 0"


def test_profiles_come_from_the_title_model(sample_title, tmp_path):
    profiles = title_profiles(sample_title)
    assert not profiles.missing and len(profiles.rows) == 24
    for row in profiles.rows:
        assert {"exposure", "cct", "saturation", "flag", "reasons"} <= set(row)
        assert not row["flag"] or row["reasons"]
    untrained = tmp_path / "untrained"
    shutil.copytree(sample_title, untrained, ignore=shutil.ignore_patterns("models"))
    missing = title_profiles(untrained)
    assert not missing.rows and "workbench train" in missing.missing


def test_the_exported_plots_carry_their_script_inline(sample_title):
    import re

    from workbench.dashboard.export import _plots_html

    head, body = _plots_html(title_profiles(sample_title))
    assert "Bokeh" in head and body
    # a <script src=...> would be a file beside the report that nobody ships with it
    assert re.findall(r"<script[^>]*\ssrc=", head) == []


def test_what_is_settled_and_what_is_left():
    from workbench.dashboard.catalog import left_to_do, settled

    counts = {"new": 2, "proposed": 0, "accepted": 3, "adjusted": 0, "rejected": 1,
              "rendered": 4}
    assert settled(counts) == (5, 10, 50.0)
    assert left_to_do(counts) == [(2, "awaiting a proposal"), (3, "accepted, to render")]
    assert settled(dict.fromkeys(counts, 0)) == (0, 0, 0.0)


def test_batches_are_read_tolerantly(tmp_path):
    from workbench.batch.progress import BatchProgress

    root = tmp_path / "title"
    (root / "batches" / "render").mkdir(parents=True)
    progress = BatchProgress(root / "batches" / "render", "render_accepted", root,
                             ["bikes_001", "bikes_002", "bikes_003"])
    progress.update("bikes_001", "done", seconds=2.5)
    progress.update("bikes_002", "failed", seconds=1.0, error="MediaError: boom")
    (root / "batches" / "half").mkdir()
    text = json.dumps(progress.data)
    (root / "batches" / "half" / "progress.json").write_text(text[: len(text) // 2])
    waiting = tmp_path / "not-started"
    waiting.mkdir()
    states = {s.folder.name: s for s in read_batches(batch_folders(root, [waiting]))}
    assert set(states) == {"render", "half", "not-started"}
    render = states["render"]
    assert render.state == "running" and render.counts["done"] == 1
    assert render.counts["failed"] == 1 and render.done_fraction == pytest.approx(2 / 3)
    assert states["half"].progress is None and "progress.json" in states["half"].problem
    assert states["not-started"].progress is None and states["not-started"].problem
    progress.finish()
    assert read_batches([root / "batches" / "render"])[0].state == "finished with failures"


def test_binding_beyond_localhost_needs_a_login(sample_title, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = main(["dashboard", str(sample_title), "--address", "0.0.0.0", "--port", str(port)])
    err = capsys.readouterr().err
    assert rc == 2 and "refusing to serve the dashboard on 0.0.0.0 without a login" in err
    with socket.socket() as s:  # nothing was started
        assert s.connect_ex(("127.0.0.1", port)) != 0
    with pytest.raises(ParameterError, match="--basic-auth"):
        check_bind("192.168.1.20", Auth())
    check_bind("0.0.0.0", Auth(basic_auth="a long password", cookie_secret="s"))
    check_bind("127.0.0.1", Auth())
    check_bind("::1", Auth())


def test_decisions_need_a_named_reviewer(sample_title, capsys):
    assert main(["dashboard", str(sample_title), "--allow-decisions"]) == 2
    assert "--allow-decisions needs --reviewer" in capsys.readouterr().err


def test_a_missing_extra_is_named(sample_title):
    code = ("import sys; sys.modules['panel'] = None; from workbench.cli import main; "
            f"sys.exit(main(['dashboard', {str(sample_title)!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2
    assert "pip install 'workbench[dashboard]'" in r.stderr


def test_pictures_are_behind_the_login(sample_title, tmp_path):
    from dashkit import dashboard_server

    with dashboard_server(sample_title, "--basic-auth", "a long shared password",
                          "--cookie-secret", "test-secret", log=tmp_path / "dash.log") as s:
        opener = urllib.request.build_opener(_NoRedirect)
        for path in ("/", "/pictures/bikes_001/thumb.jpg?v=1"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                opener.open(s.url + path, timeout=60)
            assert refused.value.code == 302
            assert "/login" in refused.value.headers["Location"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
