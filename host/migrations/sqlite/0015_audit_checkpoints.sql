-- Signed checkpoints of the audit chain: the host signs the chain's length and
-- head hash every N entries or T minutes and publishes them to members, so a
-- holder of one detects a chain that was cut short or rewritten after it.
CREATE TABLE audit_checkpoints (
    length     INTEGER PRIMARY KEY,
    head_hash  TEXT NOT NULL,
    at         INTEGER NOT NULL,
    signature  TEXT NOT NULL,
    public_key TEXT NOT NULL
);
