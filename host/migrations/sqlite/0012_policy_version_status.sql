-- A policy version's status is one the host knows (`registry::Status`): any
-- other value is refused where it is written. Triggers, as for members.status
-- (0011): SQLite adds no CHECK constraint to an existing table.
CREATE TRIGGER policy_versions_status_insert BEFORE INSERT ON policy_versions
WHEN NEW.status NOT IN ('staged', 'shadow', 'active', 'retired')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: policy_versions_status');
END;

CREATE TRIGGER policy_versions_status_update BEFORE UPDATE OF status ON policy_versions
WHEN NEW.status NOT IN ('staged', 'shadow', 'active', 'retired')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: policy_versions_status');
END;
