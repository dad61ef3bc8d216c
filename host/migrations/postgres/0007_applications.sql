-- Applications to join a community, kept apart from organisations and members
-- until the steering committee decides: an applicant only names itself, and only
-- the committee links it to an organisation on record (or creates a new one), so
-- filing never touches, or reveals, an existing organisation or membership.
CREATE TABLE applications (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    sector       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    filed_at     BIGINT NOT NULL,
    member_id    BIGINT REFERENCES members(id),
    decided_by   TEXT,
    decided_at   BIGINT,
    reason       TEXT
);
CREATE INDEX applications_by_status ON applications (community_id, status, filed_at);

-- Applications filed before this table were members with status 'applied' (of an
-- organisation found or created by name): they become pending applications, and
-- their seats are withdrawn, so the committee decides them again here.
INSERT INTO applications (id, community_id, name, kind, sector, status, filed_at)
SELECT 'a-member-' || m.id, m.community_id, o.name, o.kind, o.sector, 'pending', m.created_at
FROM members m JOIN organisations o ON o.id = m.organisation_id
WHERE m.status = 'applied';
UPDATE members SET status = 'withdrawn' WHERE status = 'applied';
