"""A member's bulk upload as `taxii2-client` users write it: COUNT TLP:GREEN
indicators added to the submissions collection with `Collection.add_objects`,
PER_ENVELOPE at a time. Called by tests/tests/taxii_adds.rs with:
BASE_URL TOKEN COUNT PER_ENVELOPE. Prints every status resource the server
answered, in order, as JSON (taxii2-client has already checked that each one's
counts add up)."""

import json
import sys

from taxii2client.v21 import Server

base, token, count, per_envelope = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

root = Server(f"{base}/taxii2/", user="member", password=token).api_roots[0]
submissions = next(c for c in root.collections if c.can_write)


def indicator(n):
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "pattern": f"[domain-name:value = 'bulk{n}.example']", "pattern_type": "stix",
            "valid_from": "2026-01-01T00:00:00Z", "confidence": 80, "object_marking_refs": [GREEN]}


statuses = []
for start in range(0, count, per_envelope):
    envelope = {"objects": [indicator(n) for n in range(start, min(start + per_envelope, count))]}
    statuses.append(submissions.add_objects(envelope)._raw)
print(json.dumps(statuses))
