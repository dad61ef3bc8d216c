-- A member's status is one the host knows (`model::MemberStatus`): any other
-- value is refused where it is written.
ALTER TABLE members ADD CONSTRAINT members_status
    CHECK (status IN ('approved', 'suspended', 'expelled', 'withdrawn', 'refused', 'system'));
