-- The sharing core. Times are Unix seconds (INTEGER); JSON documents are TEXT.
-- Kept to SQL that PostgreSQL also runs, except INTEGER PRIMARY KEY (rowid ids),
-- which its own migration spells as identity columns.

CREATE TABLE plugins (
    digest      TEXT PRIMARY KEY,
    bytes       BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);

CREATE TABLE communities (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    plugin_digest TEXT NOT NULL REFERENCES plugins(digest),
    settings      TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    sector     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A member is an organisation's seat in one community: it applies, is approved
-- or refused, and can be suspended, reinstated or expelled there.
CREATE TABLE members (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    community_id    TEXT NOT NULL REFERENCES communities(id),
    class           TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (organisation_id, community_id)
);

CREATE TABLE membership_events (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    event     TEXT NOT NULL,
    actor     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    at        INTEGER NOT NULL
);

-- Bearer tokens, stored only as their sha256. A member token acts for a member;
-- operator tokens for a community; steering committee and secretariat globally.
CREATE TABLE tokens (
    hash         TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    member_id    INTEGER REFERENCES members(id),
    community_id TEXT REFERENCES communities(id),
    label        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

CREATE TABLE cases (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities(id),
    title          TEXT NOT NULL,
    opened_at      INTEGER NOT NULL,
    last_report_at INTEGER NOT NULL,
    report_count   INTEGER NOT NULL,
    confidence     TEXT NOT NULL
);

-- Originals are immutable: only status, case_id and plugin_digest change, when a
-- quarantined report is re-run.
CREATE TABLE reports (
    id             TEXT PRIMARY KEY,
    community_id   TEXT NOT NULL REFERENCES communities(id),
    submitter      INTEGER NOT NULL REFERENCES members(id),
    organisation   INTEGER NOT NULL REFERENCES organisations(id),
    submitted_at   INTEGER NOT NULL,
    tlp            TEXT NOT NULL,
    confidence     TEXT NOT NULL,
    original       TEXT NOT NULL,
    status         TEXT NOT NULL,
    case_id        TEXT REFERENCES cases(id),
    plugin_digest  TEXT,
    forwarded_from TEXT REFERENCES reports(id)
);
CREATE INDEX reports_by_case ON reports(case_id);
CREATE INDEX reports_by_submitter ON reports(submitter, submitted_at);

CREATE TABLE report_fingerprints (
    report_id    TEXT NOT NULL REFERENCES reports(id),
    community_id TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    PRIMARY KEY (report_id, fingerprint)
);
CREATE INDEX fingerprints_lookup ON report_fingerprints(community_id, fingerprint);

-- One redacted view per delivery group, not per member.
CREATE TABLE views (
    id           INTEGER PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    case_id      TEXT NOT NULL REFERENCES cases(id),
    community_id TEXT NOT NULL,
    available_at INTEGER NOT NULL,
    content      TEXT NOT NULL
);
CREATE INDEX views_by_report ON views(report_id);

-- Deliveries: which views each member received. One row per member per group
-- commit, listing the ids of the views it received in that commit (ascending,
-- comma-separated). One row per member per report would cost hundreds of scattered
-- index writes for every report that reaches the whole community.
CREATE TABLE inbox (
    member_id  INTEGER NOT NULL REFERENCES members(id),
    first_view INTEGER NOT NULL,
    last_view  INTEGER NOT NULL,
    view_ids   TEXT NOT NULL,
    PRIMARY KEY (member_id, first_view)
);

CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    report_id     TEXT NOT NULL REFERENCES reports(id),
    community_id  TEXT NOT NULL,
    plugin_digest TEXT NOT NULL,
    inputs        TEXT NOT NULL,
    outputs       TEXT,
    fault         TEXT,
    log           TEXT NOT NULL,
    duration_us   INTEGER NOT NULL,
    at            INTEGER NOT NULL
);

CREATE TABLE quarantine (
    report_id     TEXT PRIMARY KEY REFERENCES reports(id),
    community_id  TEXT NOT NULL,
    plugin_digest TEXT NOT NULL,
    stage         TEXT NOT NULL,
    fault         TEXT NOT NULL,
    at            INTEGER NOT NULL,
    released_at   INTEGER
);

-- Append-only and hash-chained: hash = sha256(prev_hash | seq | at | actor | action | object | detail).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
