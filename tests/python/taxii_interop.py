"""Drives a running isac-host with standard STIX/TAXII tooling: the OASIS
`taxii2-client` and `stix2-validator` packages. Called by tests/tests/interop.rs
with: BASE_URL READER_TOKEN SUBMITTER_TOKEN REPORTS_EXPECTED. Exits non-zero
(with the reason) on the first expectation that does not hold."""

import json
import sys
import time
import urllib.error
import urllib.request

from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Server, as_pages

base, reader, submitter, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def check(condition, message):
    if not condition:
        sys.exit(f"FAILED: {message}")


def valid(bundle, what):
    results = validate_instance(bundle, ValidationOptions())
    errors = [e for r in [results] + list(getattr(results, "object_results", [])) for e in getattr(r, "errors", [])]
    check(results.is_valid, f"{what} does not validate: {[str(e) for e in errors]}")


def collections(token):
    # taxii2-client sends HTTP Basic; the host takes the token as the password.
    root = Server(f"{base}/taxii2/", user="member", password=token).api_roots
    check(len(root) == 1 and root[0].url.endswith("/taxii2/council/"), f"api roots: {[r.url for r in root]}")
    found = {("read" if c.can_read else "write"): c for c in root[0].collections}
    check(set(found) == {"read", "write"}, f"collections: {found}")
    return found


inbox = collections(reader)["read"]
pages = list(as_pages(inbox.get_objects, per_request=5))
objects = [o for page in pages for o in page.get("objects", [])]
ids = [o["id"] for o in objects]
check(len(pages) >= 2, f"expected several pages of 5, got {len(pages)}")
check(len(ids) == len(set(ids)), "an object appears twice across pages")
reports = [o for o in objects if o["type"] == "report"]
check(len(reports) == expected, f"expected {expected} reports, got {len(reports)}")
valid({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}, "the inbox collection")

only_reports = inbox.get_objects(**{"type": "report"})["objects"]
check([o["id"] for o in only_reports] == [o["id"] for o in reports], "match[type]=report")
one = inbox.get_object(reports[0]["id"])["objects"]
check([o["id"] for o in one] == [reports[0]["id"]], "get one object by id")
manifest = [m for page in as_pages(inbox.get_manifest, per_request=7) for m in page.get("objects", [])]
check([m["id"] for m in manifest] == ids, "the manifest lists the same objects in the same order")
newest = manifest[-1]["date_added"]
check(inbox.get_objects(added_after=newest).get("objects", []) == [], "added_after the newest object is empty")

request = urllib.request.Request(f"{base}/api/v1/inbox/stix", headers={"Authorization": f"Bearer {reader}"})
valid(json.load(urllib.request.urlopen(request)), "GET /api/v1/inbox/stix")

submissions = collections(submitter)["write"]
identity = {"type": "identity", "spec_version": "2.1", "id": "identity--0f4a3e39-6a6f-4bd4-9d3e-5a7d3c1f0a11",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "name": "Sakura Bank", "identity_class": "organization"}
indicator = {"type": "indicator", "spec_version": "2.1", "id": "indicator--6a3e9d0c-91b4-4f7e-8c2a-3d5b7f9e1a22",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
             "name": "pushed over TAXII", "pattern": "[domain-name:value = 'pushed-over-taxii.example']",
             "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "confidence": 80,
             "created_by_ref": identity["id"],
             "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
status = submissions.add_objects(json.dumps({"objects": [identity, indicator]}))
check((status.status, status.success_count, status.failure_count) == ("complete", 2, 0), f"add objects: {status._raw}")
unmappable = dict(indicator, id="indicator--7b4f0e1d-a2c5-4a8f-9d3b-4e6c8a0f2b33", pattern="[process:name = 'x']")
del unmappable["created_by_ref"]
status = submissions.add_objects(json.dumps({"objects": [unmappable]}))
check(status.failure_count == 1 and "process:name" in status.failures[0]["message"], f"unmappable: {status._raw}")

deadline = time.time() + 10
while True:
    patterns = [o.get("pattern") for p in as_pages(inbox.get_objects, per_request=50) for o in p.get("objects", [])]
    if "[domain-name:value = 'pushed-over-taxii.example']" in patterns:
        break
    check(time.time() < deadline, "the pushed indicator never reached the reader's inbox")
    time.sleep(0.2)
check(not any("process:name" in (p or "") for p in patterns), "the unmappable object was imported")

try:
    Server(f"{base}/taxii2/", user="member", password="wrong").api_roots
    check(False, "a wrong token was accepted")
except Exception as refused:
    check("401" in str(refused), f"a wrong token: {refused}")
print(f"OK: {len(objects)} objects in {len(pages)} pages, {len(reports)} reports, all valid")
