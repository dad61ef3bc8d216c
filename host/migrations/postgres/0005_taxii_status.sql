-- TAXII 2.1 status resources of object submissions, readable by the member who
-- submitted them.
CREATE TABLE taxii_status (
    id        TEXT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members(id),
    at        BIGINT NOT NULL,
    body      TEXT NOT NULL
);
