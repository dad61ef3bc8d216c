-- A member's status is one the host knows (`model::MemberStatus`): any other
-- value is refused where it is written. SQLite adds no CHECK constraint to an
-- existing table short of rebuilding it and every table referring to it, so two
-- triggers do the constraint's work.
CREATE TRIGGER members_status_insert BEFORE INSERT ON members
WHEN NEW.status NOT IN ('approved', 'suspended', 'expelled', 'withdrawn', 'refused', 'system')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: members_status');
END;

CREATE TRIGGER members_status_update BEFORE UPDATE OF status ON members
WHEN NEW.status NOT IN ('approved', 'suspended', 'expelled', 'withdrawn', 'refused', 'system')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: members_status');
END;
