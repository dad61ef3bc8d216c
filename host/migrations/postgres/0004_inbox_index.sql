-- Who received each view, written with the report: the record of delivery.
-- The per-member `inbox` rows become an index of it, built in the background
-- (see host/src/store/inbox.rs).
ALTER TABLE views ADD COLUMN recipients TEXT NOT NULL DEFAULT '';

-- How far the inbox index goes. Views stored before this migration are already
-- in `inbox`.
CREATE TABLE inbox_indexed (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    last_view BIGINT NOT NULL
);
INSERT INTO inbox_indexed (id, last_view) SELECT 1, COALESCE(MAX(id), 0) FROM views;
