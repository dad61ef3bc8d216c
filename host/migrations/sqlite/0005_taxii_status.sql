-- TAXII 2.1 status resources of object submissions, readable by the member who
-- submitted them.
CREATE TABLE taxii_status (
    id        TEXT PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    at        INTEGER NOT NULL,
    body      TEXT NOT NULL
);
