-- A case's status is one the host knows (`model::CaseStatus`): any other value
-- is refused where it is written. Triggers, as for members.status (0011):
-- SQLite adds no CHECK constraint to an existing table.
CREATE TRIGGER cases_status_insert BEFORE INSERT ON cases
WHEN NEW.status NOT IN ('open', 'closed', 'merged')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: cases_status');
END;

CREATE TRIGGER cases_status_update BEFORE UPDATE OF status ON cases
WHEN NEW.status NOT IN ('open', 'closed', 'merged')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: cases_status');
END;
