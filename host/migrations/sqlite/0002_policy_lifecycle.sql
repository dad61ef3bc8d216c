-- The policy registry (ARCHITECTURE section 6): every plugin version a community
-- has staged, with its settings and status, the steering committee's approvals,
-- the community's fixture suite, and the diffs of shadow runs.
-- `communities.plugin_digest` and `settings` stay the active version's copy, written
-- in the same transaction as a version's status, so the pipeline reads one row.

-- status: staged, shadow, active or retired. At most one active and one shadow
-- version per community (enforced by the registry, in one transaction).
CREATE TABLE policy_versions (
    id            INTEGER PRIMARY KEY,
    community_id  TEXT NOT NULL REFERENCES communities(id),
    plugin_digest TEXT NOT NULL REFERENCES plugins(digest),
    settings      TEXT NOT NULL,
    wit_version   TEXT NOT NULL,
    status        TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    activated_at  INTEGER,
    -- Order of activations in the community (1, 2, ...): a rollback goes back to
    -- the version activated before the current one.
    activation_seq INTEGER
);
CREATE INDEX policy_versions_by_community ON policy_versions(community_id, status);

-- One row per approver (a steering committee token) per version.
CREATE TABLE policy_approvals (
    version_id  INTEGER NOT NULL REFERENCES policy_versions(id),
    approver    TEXT NOT NULL,
    approved_at INTEGER NOT NULL,
    PRIMARY KEY (version_id, approver)
);

-- Approvals a version needs before activation; a community without a row uses the
-- default (1 for the Council, 0 for the others).
CREATE TABLE policy_approval_rules (
    community_id TEXT PRIMARY KEY REFERENCES communities(id),
    required     INTEGER NOT NULL
);

-- Fixture files every new version of the community's policy must pass.
CREATE TABLE policy_fixtures (
    community_id TEXT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    content      TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (community_id, name)
);

-- What the shadow version decided for one live report, against the active one.
-- diff is JSON (empty object when they agree); fault is set when the shadow failed.
CREATE TABLE shadow_diffs (
    id             INTEGER PRIMARY KEY,
    community_id   TEXT NOT NULL,
    report_id      TEXT NOT NULL,
    shadow_version INTEGER NOT NULL REFERENCES policy_versions(id),
    active_digest  TEXT NOT NULL,
    shadow_digest  TEXT NOT NULL,
    differs        INTEGER NOT NULL,
    diff           TEXT NOT NULL,
    fault          TEXT,
    at             INTEGER NOT NULL
);
CREATE INDEX shadow_diffs_by_version ON shadow_diffs(shadow_version, id);

-- Communities configured before the registry existed: their configuration is
-- their first active version.
INSERT INTO policy_versions (community_id, plugin_digest, settings, wit_version, status, uploaded_by, uploaded_at, activated_at, activation_seq)
SELECT id, plugin_digest, settings, '0.1.0', 'active', 'migration', created_at, created_at, 1 FROM communities;
