-- The general assembly: every member organisation of a community, one vote
-- each, in sessions the secretariat convenes. A session copies its community's
-- quorum and majority rules when convened, so changing them later does not
-- change a session under way. Items can bind a policy version (activation waits
-- for the item to pass) or a new number of required approvals (applied when it
-- passes).
CREATE TABLE assembly_rules (
    community_id     TEXT PRIMARY KEY REFERENCES communities(id),
    quorum_percent   INTEGER NOT NULL CHECK (quorum_percent BETWEEN 1 AND 100),
    majority_percent INTEGER NOT NULL CHECK (majority_percent BETWEEN 50 AND 99)
);

CREATE TABLE assembly_sessions (
    id               TEXT PRIMARY KEY,
    community_id     TEXT NOT NULL REFERENCES communities(id),
    title            TEXT NOT NULL,
    opens_at         INTEGER NOT NULL,
    closes_at        INTEGER NOT NULL,
    quorum_percent   INTEGER NOT NULL,
    majority_percent INTEGER NOT NULL,
    convened_by      TEXT NOT NULL,
    convened_at      INTEGER NOT NULL,
    -- Set when the results are computed, at the first look after closing.
    eligible         INTEGER,
    closed_at        INTEGER
);
CREATE INDEX assembly_sessions_by_community ON assembly_sessions (community_id, opens_at);

CREATE TABLE assembly_items (
    id                 TEXT PRIMARY KEY,
    session_id         TEXT NOT NULL REFERENCES assembly_sessions(id),
    position           INTEGER NOT NULL,
    title              TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('rule_amendment', 'policy_version', 'required_approvals')),
    policy_version_id  INTEGER REFERENCES policy_versions(id),
    required_approvals INTEGER,
    outcome            TEXT CHECK (outcome IN ('passed', 'rejected', 'no_quorum')),
    votes_yes          INTEGER,
    votes_no           INTEGER,
    votes_abstain      INTEGER
);
CREATE INDEX assembly_items_by_version ON assembly_items (policy_version_id);

-- One row per organisation and item: a changed vote replaces the row.
CREATE TABLE assembly_votes (
    item_id         TEXT NOT NULL REFERENCES assembly_items(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    choice          TEXT NOT NULL CHECK (choice IN ('yes', 'no', 'abstain')),
    member_id       INTEGER NOT NULL REFERENCES members(id),
    at              INTEGER NOT NULL,
    PRIMARY KEY (item_id, organisation_id)
);
