-- The STIX object (id and version, i.e. `modified`) each imported report was
-- made from, per submitting organisation and community: adding the same object
-- again finds its report instead of making a second one, and the submitter
-- finds its reports by the ids it sent.
CREATE TABLE stix_sources (
    community_id TEXT NOT NULL REFERENCES communities(id),
    organisation BIGINT NOT NULL REFERENCES organisations(id),
    object_id    TEXT NOT NULL,
    version      TEXT NOT NULL,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    PRIMARY KEY (community_id, organisation, object_id, version)
);
CREATE INDEX stix_sources_by_report ON stix_sources(report_id);
