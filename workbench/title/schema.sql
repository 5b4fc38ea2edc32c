-- The title catalog. One SQLite file in WAL mode; the decision journal is append-only.
-- This is catalog version 2 (PRAGMA user_version; CATALOG_VERSION in migrations.py), what a new
-- title gets. A change here needs a numbered step in catalog.MIGRATIONS and the next version.
CREATE TABLE IF NOT EXISTS days (
    id      INTEGER PRIMARY KEY,
    label   TEXT NOT NULL UNIQUE              -- a shooting day: an ISO date or a label such as "Day 03"
);
CREATE TABLE IF NOT EXISTS scenes (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    anchor_shot_id INTEGER REFERENCES shots(id)
);
CREATE TABLE IF NOT EXISTS clips (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    path        TEXT NOT NULL,                -- absolute; the file is only ever opened read-only
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('movie', 'sequence', 'image')),
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    fps         TEXT NOT NULL,                -- exact rational, e.g. "30000/1001"
    frame_count INTEGER NOT NULL,
    first_frame INTEGER NOT NULL DEFAULT 0,   -- the first frame number (sequences may start at 1001)
    timecode    TEXT,                         -- start timecode when the file carries one
    input_space TEXT NOT NULL,
    scene_id    INTEGER NOT NULL REFERENCES scenes(id),
    day_id      INTEGER REFERENCES days(id),
    metadata    TEXT NOT NULL DEFAULT '{}',   -- JSON: camera, take, ALE columns, container tags
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shots (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    clip_id     INTEGER NOT NULL REFERENCES clips(id),
    scene_id    INTEGER NOT NULL REFERENCES scenes(id),
    start_frame INTEGER NOT NULL,             -- first frame, index into the clip (0-based)
    end_frame   INTEGER NOT NULL,             -- one past the last frame
    source      TEXT NOT NULL                 -- how the shot was found: 'cut-detection', 'edl', 'whole-clip'
);
CREATE TABLE IF NOT EXISTS proposals (
    id            INTEGER PRIMARY KEY,
    shot_id       INTEGER NOT NULL REFERENCES shots(id),
    anchor_shot_id INTEGER REFERENCES shots(id),
    model_version TEXT NOT NULL,
    pipeline      TEXT NOT NULL,              -- Pipeline JSON at full strength
    strength      REAL NOT NULL,
    confidence    REAL NOT NULL,
    summary       TEXT NOT NULL,
    active_area   TEXT,                       -- JSON picture area; outside it bars stay as shot
    created_at    TEXT NOT NULL,
    details       TEXT                        -- JSON: the model and classical fit compared, the preference applied (version 3)
);
CREATE TABLE IF NOT EXISTS decisions (
    id            TEXT PRIMARY KEY,           -- uuid4
    seq           INTEGER NOT NULL UNIQUE,    -- journal order
    shot_id       INTEGER NOT NULL REFERENCES shots(id),
    proposal_id   INTEGER REFERENCES proposals(id),
    verdict       TEXT NOT NULL CHECK (verdict IN ('accept', 'adjust', 'reject')),
    strength      REAL,                       -- NULL for a reject (older catalogs stored one)
    pipeline      TEXT NOT NULL,              -- the operator chain as decided (full strength)
    model_version TEXT NOT NULL,
    active_area   TEXT,                       -- copied from the proposal: renders repeat exactly
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TABLE IF NOT EXISTS renders (
    id          INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES decisions(id),
    format      TEXT NOT NULL,
    path        TEXT NOT NULL,
    frames      INTEGER NOT NULL,
    rendered_at TEXT NOT NULL
);
-- Composites and integrations (version 2): proposals like grades, over files rather than shots.
-- Every source is recorded with its SHA-256 so a render can refuse a file changed since.
CREATE TABLE IF NOT EXISTS comp_proposals (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('composite', 'integrate')),
    sources     TEXT NOT NULL,                -- JSON {role: {"path", "sha256"}}: plate, matte, background/element
    matte_model TEXT NOT NULL,                -- where the matte came from: a file, the keyer, a matte model version
    params      TEXT NOT NULL,                -- JSON: the fit and settings; a render repeats them exactly
    output      TEXT NOT NULL,                -- the file an accepted render writes
    strength    REAL NOT NULL,
    summary     TEXT NOT NULL,
    report      TEXT,                         -- JSON: element-vs-plate statistics (integrations)
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comp_decisions (
    id          TEXT PRIMARY KEY,             -- uuid4
    seq         INTEGER NOT NULL UNIQUE,      -- journal order
    proposal_id INTEGER NOT NULL REFERENCES comp_proposals(id),
    verdict     TEXT NOT NULL CHECK (verdict IN ('accept', 'adjust', 'reject')),
    strength    REAL,                         -- NULL for a reject
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS comp_decisions_no_update BEFORE UPDATE ON comp_decisions
BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS comp_decisions_no_delete BEFORE DELETE ON comp_decisions
BEGIN SELECT RAISE(ABORT, 'the decision journal is append-only'); END;
CREATE TABLE IF NOT EXISTS comp_renders (
    id          INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL REFERENCES comp_decisions(id),
    path        TEXT NOT NULL,
    frames      INTEGER NOT NULL,
    rendered_at TEXT NOT NULL
);
