-- The keys of the two tables the bulk adds look up by lists of ids now begin
-- with that id: stix_sources with the object (objects added before, and the
-- submitter's own reports by STIX id), case_fingerprints with the fingerprint
-- (candidate cases). With the community (and organisation) first, PostgreSQL
-- planned such a lookup, on a table without statistics yet (a new
-- deployment's first feed, until autovacuum analyses it), as a read of all the
-- community's rows filtered by id: ~2 ms at 4,000 rows where the whole key
-- takes 0.02 ms (docs/benchmarks.md). SQLite uses the whole key either way.
ALTER TABLE stix_sources DROP CONSTRAINT stix_sources_pkey;
ALTER TABLE stix_sources ADD PRIMARY KEY (object_id, community_id, organisation, version);
ALTER TABLE case_fingerprints DROP CONSTRAINT case_fingerprints_pkey;
ALTER TABLE case_fingerprints ADD PRIMARY KEY (fingerprint, community_id, case_id);
