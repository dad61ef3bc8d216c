-- Requests for information: the steering committee (or a community's operator)
-- asks named members, or a class of them, to provide information about a case by
-- a due date; members have a duty to provide it. Recipients are fixed when the
-- request is sent; each answers with a report (through the pipeline, under the
-- community's policy) or declines with a reason.
CREATE TABLE info_requests (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    case_id      TEXT REFERENCES cases(id),
    due_at       BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    -- The requester's last reminder, which the inbox stream sends again.
    reminded_at  BIGINT
);
CREATE INDEX info_requests_by_community ON info_requests (community_id, requested_at);

CREATE TABLE info_request_recipients (
    request_id   TEXT NOT NULL REFERENCES info_requests(id),
    member_id    BIGINT NOT NULL REFERENCES members(id),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'answered', 'declined')),
    report_id    TEXT REFERENCES reports(id),
    reason       TEXT,
    responded_at BIGINT,
    PRIMARY KEY (request_id, member_id)
);
CREATE INDEX info_request_recipients_by_member ON info_request_recipients (member_id, status);
