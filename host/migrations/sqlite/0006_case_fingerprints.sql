-- One row per case and fingerprint, beside report_fingerprints' one per report:
-- dedup looks up the cases sharing a new report's fingerprints here, at a cost
-- that grows with the number of such cases, not with the number of reports
-- they hold (a long campaign gathers thousands). Kept by the pipeline's writer
-- and by case merges and splits.
CREATE TABLE case_fingerprints (
    community_id TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases(id),
    PRIMARY KEY (community_id, fingerprint, case_id)
);
INSERT INTO case_fingerprints (community_id, fingerprint, case_id)
SELECT DISTINCT community_id, fingerprint, case_id FROM report_fingerprints;
