"""A member's feed-sync job, as `taxii2-client` users write them, walking the
inbox collection while reports keep arriving. Called by tests/tests/taxii_paging.rs
with: BASE_URL TOKEN MODE LIMIT DONE_FILE, where MODE is `next` (taxii2-client's
`as_pages`, which follows `next`) or `added_after` (each request asks for what
was added after the last page's X-TAXII-Date-Added-Last). When a walk reaches
the end it resumes from the last date added, until DONE_FILE exists (the
writers have finished) and one more walk found the end. Prints the ids seen,
in order, as JSON."""

import json
import os
import sys
import time

from taxii2client.v21 import MEDIA_TYPE_TAXII_V21, Server, as_pages

base, token, mode, limit, done_file = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

root = Server(f"{base}/taxii2/", user="member", password=token).api_roots[0]
inbox = next(c for c in root.collections if c.can_read)


def page_after(added_after):
    """One page by added_after, with the date headers taxii2-client hides."""
    params = {"limit": limit}
    if added_after:
        params["added_after"] = added_after
    response = inbox._conn.session.get(inbox.objects_url, headers={"Accept": MEDIA_TYPE_TAXII_V21}, params=params)
    response.raise_for_status()
    body = response.json()
    objects = body.get("objects", [])
    last = response.headers.get("X-TAXII-Date-Added-Last")
    if objects and not last:
        sys.exit("FAILED: a page with objects has no X-TAXII-Date-Added-Last")
    if body.get("more") and not objects:
        sys.exit("FAILED: an empty page says more follow")
    return objects, body.get("more", False), last


def walk_by_next():
    """Walks the whole collection by `next`; returns the ids and the last date added."""
    ids = []
    for envelope in as_pages(inbox.get_objects, per_request=limit):
        ids.extend(o["id"] for o in envelope.get("objects", []))
    if not ids:
        return ids, None
    # At the end a `next` client holds no token: it resumes from the newest date added.
    return ids, inbox.get_manifest(id=ids[-1])["objects"][0]["date_added"]


def walk_by_date(added_after):
    """Walks to the end after added_after; returns the ids and the last date added."""
    ids = []
    while True:
        objects, more, last = page_after(added_after)
        ids.extend(o["id"] for o in objects)
        added_after = last or added_after
        if not more:
            return ids, added_after


seen, resume = walk_by_next() if mode == "next" else walk_by_date(None)
while True:
    finished = os.path.exists(done_file)
    ids, resume = walk_by_next() if resume is None and mode == "next" else walk_by_date(resume)
    seen.extend(ids)
    if finished:
        break
    time.sleep(0.02)
print(json.dumps(seen))
