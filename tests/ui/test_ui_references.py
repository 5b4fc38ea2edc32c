"""Compare against the scene's anchor, another version of the grade, or a stored still."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.model import propose
from workbench.ops import CDL, Pipeline
from workbench.title import Title, add_proposal, ingest, latest_proposal
from workbench.ui import ShotPreview, Workbench
from workbench.ui.references import StillGallery


@pytest.fixture(scope="module")
def title_path(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ui-refs") / "title"
    with Title.create(root, name="Tiny") as title:
        ingest(title, [tiny_dailies / "street.mov"], progress=False)
        propose(title, progress=False)
    return root


@pytest.fixture
def app(title_path: Path, tmp_path: Path) -> Iterator[Workbench]:
    copy = tmp_path / "title"
    shutil.copytree(title_path, copy)
    wb = Workbench(copy, threaded=False, select="street_002")
    yield wb
    wb.close()


def test_the_anchor_wipe_shows_the_anchors_pixels(app: Workbench):
    anchor = app.title.anchor(app.title.shot("street_002").scene)
    assert anchor is not None and anchor.name != "street_002"
    keys = [r["key"] for r in app.compare.references]
    assert keys[:2] == ["source", "anchor"]
    source = app.compare.before
    app.set_reference("anchor")
    expected = ShotPreview(anchor, proxy_width=app.proxy_width).before(proxy=True)
    assert app.compare.before == expected != source
    assert app.compare.label_before == f"anchor {anchor.name}"
    app.grade.strength = 0.3  # a new render leaves the reference alone
    assert app.compare.before == expected
    app.set_reference("source")
    assert app.compare.before == source
    with pytest.raises(Exception, match="no reference"):
        app.set_reference("still:nope")


def test_ab_between_two_proposals(app: Workbench):
    shot = app.title.shot("street_002")
    first = latest_proposal(app.title, shot)
    other = add_proposal(app.title, shot, Pipeline([CDL(slope_r=1.4)]), model_version="other",
                         strength=1.0, confidence=1.0, summary="a second version")
    app.select("street_001")
    app.select("street_002")  # now shows the newest; the first is offered to compare
    assert app.grade.summary == "a second version"
    key = f"proposal:{first.id}"
    assert key in [r["key"] for r in app.compare.references]
    app.set_reference(key)
    expected = app.preview.render(first.pipeline, first.strength, proxy=True).jpeg
    assert app.compare.before == expected
    assert other.id != first.id


def test_grabbed_stills_are_kept_in_the_title_and_offered(app: Workbench):
    name = app.grab_still()
    gallery = StillGallery(app.title.root)
    assert gallery.names() == [name] and gallery.load(name) == app.compare.after
    assert (gallery.root / f"{name}.json").is_file()
    app.select("street_001")  # a still is a reference for every shot
    app.set_reference(f"still:{name}")
    assert app.compare.before == gallery.load(name)
    assert app.grab_still() != name  # a second grab never overwrites the first


def test_a_continuity_fix_is_a_proposal_one_click_away_shown_against_the_anchor(app: Workbench):
    anchor = app.title.anchor(app.title.shot("street_002").scene)
    fix = {"method": "match_frames/mkl", "reference": anchor.name, "confidence": 0.8,
           "cdl": {"slope": [1.1, 1.0, 0.9], "offset": [0.01, 0.0, -0.01],
                   "power": [1.0, 1.0, 1.0], "saturation": 0.95}}
    app.browser.set_continuity([{"item": "street_002", "group": "STREET", "flag": True,
                                 "score": 0.7, "reasons": ["warmer than the anchor"],
                                 "explanation": "score 0.70 = s / (1 + s)", "fix": fix}])
    row = next(r for r in app.browser.shots if r["name"] == "street_002")
    assert row["fixable"] and row["explanation"].startswith("score 0.70")
    app.select("street_001")
    before = latest_proposal(app.title, app.title.shot("street_002")).id
    app.browser._handle_custom_msg({"type": "fix", "shot": "street_002"}, [])  # the button
    proposal = latest_proposal(app.title, app.title.shot("street_002"))
    assert proposal.id != before and proposal.anchor_shot == anchor.name
    (cdl,) = proposal.pipeline
    assert (cdl.slope_r, cdl.offset_b, cdl.saturation) == (1.1, -0.01, 0.95)
    assert app.browser.selected == app.grade.shot == "street_002"
    assert app.grade.spec[0]["operator"] == "CDL" and app.grade.values[0]["slope_r"] == 1.1
    assert app.compare.reference == "anchor" and app.compare.mode == "wipe"
    assert app.compare.before == ShotPreview(anchor, proxy_width=app.proxy_width).before()
    assert journal_of(app) == []  # a proposal, not a decision: the artist still decides


def test_without_a_given_fix_the_shot_is_matched_again(app: Workbench):
    before = latest_proposal(app.title, app.title.shot("street_002")).id
    proposal = app.propose_fix("street_002")
    assert proposal.id != before and app.grade.shot == "street_002"


def journal_of(app: Workbench) -> list:
    from workbench.title import journal

    return journal(app.title)
