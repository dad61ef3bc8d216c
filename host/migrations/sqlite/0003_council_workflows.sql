-- Council workflows: case lifecycle, feedback, countermeasure information and its
-- publications, trend reports. Portable SQL (PostgreSQL runs the same statements,
-- except INTEGER PRIMARY KEY, spelt as identity columns there).

-- A case is open until an operator closes it; "continuing" is not stored, it is
-- derived per fiscal year (opened in an earlier year, still active in this one).
-- A case merged into another keeps its row (status 'merged') so old links resolve.
ALTER TABLE cases ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE cases ADD COLUMN closed_at INTEGER;
ALTER TABLE cases ADD COLUMN merged_into TEXT REFERENCES cases(id);
-- 'campaign' (counted in statistics) or 'trend_report' (the case a trend report is
-- delivered in, never counted).
ALTER TABLE cases ADD COLUMN kind TEXT NOT NULL DEFAULT 'campaign';
CREATE INDEX cases_by_community ON cases(community_id, opened_at);

-- A recipient's answer to a delivered report or to a case; delivered_as is the
-- report that carried it to the submitters and the task force.
CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    case_id      TEXT NOT NULL REFERENCES cases(id),
    report_id    TEXT REFERENCES reports(id),
    kind         TEXT NOT NULL,
    comment      TEXT NOT NULL,
    delivered_as TEXT REFERENCES reports(id),
    at           INTEGER NOT NULL
);
CREATE INDEX feedback_by_delivery ON feedback(delivered_as);
CREATE INDEX feedback_by_member ON feedback(member_id, at);
CREATE INDEX feedback_by_case ON feedback(case_id);

-- Countermeasure information written for a case by a task-force class 1 member
-- (author_member) or the secretariat (author_member NULL).
CREATE TABLE countermeasures (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases(id),
    community_id  TEXT NOT NULL REFERENCES communities(id),
    author        TEXT NOT NULL,
    author_member INTEGER REFERENCES members(id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX countermeasures_by_author ON countermeasures(author_member, created_at);

-- Each publication of countermeasure information is counted. Scope 'public' is in
-- the unauthenticated feed; 'limited' reaches the members resolved at publication
-- (publication_recipients), from the chosen communities and members.
CREATE TABLE publications (
    id                INTEGER PRIMARY KEY,
    countermeasure_id TEXT NOT NULL REFERENCES countermeasures(id),
    community_id      TEXT NOT NULL REFERENCES communities(id),
    scope             TEXT NOT NULL,
    audience          TEXT NOT NULL,
    published_by      TEXT NOT NULL,
    published_at      INTEGER NOT NULL
);
CREATE INDEX publications_by_time ON publications(community_id, published_at);

CREATE TABLE publication_recipients (
    publication_id INTEGER NOT NULL REFERENCES publications(id),
    member_id      INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (publication_id, member_id)
);
CREATE INDEX publication_recipients_by_member ON publication_recipients(member_id);

-- Members-only periodic trend reports; the delivered copy is report_id, routed by
-- the community's plugin like any report.
CREATE TABLE trend_reports (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    report_id    TEXT REFERENCES reports(id),
    figures      TEXT NOT NULL,
    generated_by TEXT NOT NULL,
    generated_at INTEGER NOT NULL
);
CREATE INDEX trend_reports_by_time ON trend_reports(community_id, generated_at);
