"""A title on disk: settings, the catalog of clips, shots, scenes and days, and the journal."""

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports
from workbench.title.catalog import Title
from workbench.title.connection import CATALOG_FILE
from workbench.title.ingest import default_input_space, ingest, read_ale, read_edl, sha256_of
from workbench.title.journal import (
    VERDICTS,
    Decision,
    Proposal,
    accepted_decisions,
    add_proposal,
    current_user,
    decide,
    get_proposal,
    journal,
    latest_decision,
    latest_proposal,
    latest_renders,
    record_render,
    shot_status,
)
from workbench.title.records import Clip, Scene, Shot
from workbench.title.settings import TitleSettings

if TYPE_CHECKING:
    from workbench.title.media import read_clip_frames, read_shot_frames, shot_working_frames

# Frames in the working space need torch: loaded on first use, so status and log stay light.
__getattr__, __dir__ = lazy_exports(__name__, {
    "media": ("read_clip_frames", "read_shot_frames", "shot_working_frames"),
})

__all__ = [
    "CATALOG_FILE",
    "VERDICTS",
    "Clip",
    "Decision",
    "Proposal",
    "Scene",
    "Shot",
    "Title",
    "TitleSettings",
    "accepted_decisions",
    "add_proposal",
    "current_user",
    "decide",
    "default_input_space",
    "get_proposal",
    "ingest",
    "journal",
    "latest_decision",
    "latest_proposal",
    "latest_renders",
    "read_ale",
    "read_clip_frames",
    "read_edl",
    "read_shot_frames",
    "record_render",
    "sha256_of",
    "shot_status",
    "shot_working_frames",
]
