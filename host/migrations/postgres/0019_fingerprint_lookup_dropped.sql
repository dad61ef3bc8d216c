-- Nothing reads report_fingerprints by fingerprint any more: candidate cases are
-- found in case_fingerprints (0006). The index only cost a write, to a page chosen
-- by the fingerprint's hash, for every fingerprint stored (2-4% of a bulk add's
-- writes, docs/benchmarks.md).
DROP INDEX fingerprints_lookup;
