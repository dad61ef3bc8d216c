-- A report's status is one the host knows (`model::ReportStatus`): any other
-- value is refused where it is written. Triggers, as for members.status (0011):
-- SQLite adds no CHECK constraint to an existing table.
CREATE TRIGGER reports_status_insert BEFORE INSERT ON reports
WHEN NEW.status NOT IN ('delivered', 'quarantined')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: reports_status');
END;

CREATE TRIGGER reports_status_update BEFORE UPDATE OF status ON reports
WHEN NEW.status NOT IN ('delivered', 'quarantined')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: reports_status');
END;
