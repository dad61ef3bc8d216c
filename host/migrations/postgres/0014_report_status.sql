-- A report's status is one the host knows (`model::ReportStatus`): any other
-- value is refused where it is written.
ALTER TABLE reports ADD CONSTRAINT reports_status CHECK (status IN ('delivered', 'quarantined'));
