-- A policy version's status is one the host knows (`registry::Status`): any
-- other value is refused where it is written.
ALTER TABLE policy_versions ADD CONSTRAINT policy_versions_status
    CHECK (status IN ('staged', 'shadow', 'active', 'retired'));
