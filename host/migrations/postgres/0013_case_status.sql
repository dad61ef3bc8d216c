-- A case's status is one the host knows (`model::CaseStatus`): any other value
-- is refused where it is written.
ALTER TABLE cases ADD CONSTRAINT cases_status CHECK (status IN ('open', 'closed', 'merged'));
