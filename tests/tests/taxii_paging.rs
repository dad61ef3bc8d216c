//! The TAXII inbox collection as a feed-sync job walks it: by `next` and by
//! `added_after` with the last page's `X-TAXII-Date-Added-Last`, at every
//! `limit`, while other members' reports keep arriving; filters answered from
//! the whole collection, not a window of it; errors and discovery as TAXII
//! clients expect them.

use std::collections::HashSet;

use isac_tests::TestServer;
use isac_tests::isac_host::stix::{Namespace, export};
use reqwest::StatusCode;
use serde_json::{Value, json};

const READER: &str = "tokyo@council";
const SUBMITTER: &str = "sakura-bank@council";
const MAX_LIMIT: usize = 1000;

async fn submit(server: &TestServer, who: &str, n: usize) {
    let body = json!({"title": format!("Campaign {n}"), "body": "Seen at a bank", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": format!("paging{n}.example")},
        {"kind": "cve", "value": "CVE-2024-3094"}]});
    let sent = server
        .post(who, "/communities/council/reports", &body)
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
}

async fn inbox_objects(server: &TestServer, who: &str) -> String {
    let collections = server.get(who, "/taxii2/council/collections/").await;
    let inbox = collections.body["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .find(|c| c["can_read"] == true)
        .expect("a readable collection")["id"]
        .as_str()
        .expect("an id")
        .to_string();
    format!("/taxii2/council/collections/{inbox}/objects/")
}

/// One page: its object ids, `more`, `next`, and the date-added headers.
struct Page {
    ids: Vec<String>,
    more: bool,
    next: Option<String>,
    last_added: Option<String>,
}

async fn page(server: &TestServer, who: &str, path: &str) -> Page {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(server.token(who))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII").to_string())
    };
    let (first_added, last_added) = (
        header("x-taxii-date-added-first"),
        header("x-taxii-date-added-last"),
    );
    let body: Value = response.json().await.expect("JSON");
    let ids: Vec<String> = body["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .map(|o| o["id"].as_str().expect("id").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        first_added.is_some(),
        !ids.is_empty(),
        "{path}: date headers go with objects"
    );
    assert_eq!(last_added.is_some(), !ids.is_empty(), "{path}");
    let more = body["more"].as_bool().expect("more");
    assert!(
        !more || !ids.is_empty(),
        "{path}: a page that says more follow must let the client progress"
    );
    Page {
        ids,
        more,
        next: body["next"].as_str().map(str::to_string),
        last_added,
    }
}

#[derive(Clone, Copy, Debug)]
enum Walk {
    Next,
    AddedAfter,
}

/// Walks the collection until a page says no more follow, starting after the
/// date added `start` (where a client resumes), paging by `how`; returns the
/// ids and the last date added seen (where to resume).
async fn walk(
    server: &TestServer,
    objects: &str,
    how: Walk,
    limit: usize,
    start: Option<String>,
) -> (Vec<String>, Option<String>) {
    let mut ids = Vec::new();
    let mut resume = start.clone();
    let mut query = start
        .map(|date| format!("&added_after={date}"))
        .unwrap_or_default();
    loop {
        let path = format!("{objects}?limit={limit}{query}");
        let page = page(server, READER, &path).await;
        assert!(page.ids.len() <= limit, "{path}");
        ids.extend(page.ids);
        resume = page.last_added.clone().or(resume);
        if !page.more {
            return (ids, resume);
        }
        query = match how {
            Walk::Next => format!("&next={}", page.next.expect("more, so next")),
            Walk::AddedAfter => format!("&added_after={}", page.last_added.expect("objects")),
        };
    }
}

fn assert_once(walked: &[String], all: &[String], what: &str) {
    let unique: HashSet<&String> = walked.iter().collect();
    assert_eq!(unique.len(), walked.len(), "{what}: an object came twice");
    assert_eq!(walked, all, "{what}: not the whole collection in order");
}

#[tokio::test]
async fn every_limit_walks_the_whole_collection_once_by_next_and_by_added_after() {
    let server = TestServer::start().await;
    for n in 0..12 {
        submit(&server, SUBMITTER, n).await;
    }
    let objects = inbox_objects(&server, READER).await;
    let all = page(&server, READER, &format!("{objects}?limit={MAX_LIMIT}")).await;
    assert!(!all.more);
    // Ten shared objects, then three per report (two indicators and the report).
    assert_eq!(all.ids.len(), 10 + 12 * 3, "{:?}", all.ids);
    for limit in 1..=MAX_LIMIT {
        for how in [Walk::Next, Walk::AddedAfter] {
            let (walked, _) = walk(&server, &objects, how, limit, None).await;
            assert_once(&walked, &all.ids, &format!("limit {limit}, {how:?}"));
        }
    }
}

/// A feed-sync job walks while other members keep reporting; when it has
/// caught up it resumes from where it stopped. Every object comes exactly
/// once, and the reports are exactly the member's inbox.
#[tokio::test]
async fn a_walk_while_others_write_sees_every_object_exactly_once() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let objects = inbox_objects(&server, READER).await;
    for n in 0..5 {
        submit(&server, SUBMITTER, n).await;
    }
    let writer = {
        let server = server.clone();
        tokio::spawn(async move {
            for n in 5..80 {
                let who = if n % 2 == 0 {
                    SUBMITTER
                } else {
                    "example-security@council"
                };
                submit(&server, who, n).await;
            }
        })
    };
    for (how, limit) in [(Walk::Next, 7), (Walk::AddedAfter, 5), (Walk::Next, 1)] {
        let mut walked = Vec::new();
        let mut resume = None;
        // Walk to the end, then resume from the last date added, until a walk
        // that started after the writer finished reaches the end.
        loop {
            let finished = writer.is_finished();
            let (ids, last) = walk(&server, &objects, how, limit, resume.clone()).await;
            walked.extend(ids);
            resume = last;
            if finished {
                break;
            }
        }
        let all = page(&server, READER, &format!("{objects}?limit={MAX_LIMIT}")).await;
        assert!(!all.more);
        assert_once(&walked, &all.ids, &format!("{how:?} limit {limit}"));
    }
    writer.await.expect("the writer finished");
    let reports = server.inbox_reports(READER).await;
    assert_eq!(reports.len(), 80, "the member's inbox");
}

#[tokio::test]
async fn match_id_and_get_object_find_objects_anywhere_in_the_collection() {
    let server = TestServer::start().await;
    for n in 0..30 {
        submit(&server, SUBMITTER, n).await;
    }
    let objects = inbox_objects(&server, READER).await;
    let all = page(&server, READER, &format!("{objects}?limit={MAX_LIMIT}")).await;
    let reports: Vec<&String> = all
        .ids
        .iter()
        .filter(|id| id.starts_with("report--"))
        .collect();
    assert_eq!(reports.len(), 30);
    let five: Vec<String> = [0, 7, 14, 21, 29]
        .iter()
        .map(|&i| reports[i].clone())
        .collect();
    let query = format!("{objects}?match[id]={}", five.join(","));
    let found = page(&server, READER, &query).await;
    assert_eq!(
        found.ids, five,
        "all five on the first page, in collection order"
    );
    assert!(!found.more);
    let first_two = page(&server, READER, &format!("{query}&limit=2")).await;
    assert_eq!(first_two.ids, five[..2]);
    assert!(first_two.more);
    let rest = page(
        &server,
        READER,
        &format!("{query}&limit=3&next={}", first_two.next.unwrap()),
    )
    .await;
    assert_eq!(rest.ids, five[2..]);
    // Later deliveries do not push earlier objects out of reach.
    for n in 30..40 {
        submit(&server, SUBMITTER, n).await;
    }
    let again = page(&server, READER, &query).await;
    assert_eq!(again.ids, five);
    let one = page(&server, READER, &format!("{objects}{}/", five[0])).await;
    assert_eq!(one.ids, five[..1]);

    // Another deployment's, or a made-up, id is not there.
    let unknown = "report--6ba7b810-9dad-51d1-80b4-00c04fd430c8";
    let missing = server.get(READER, &format!("{objects}{unknown}/")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["http_status"], "404");
    let none = page(&server, READER, &format!("{objects}?match[id]={unknown}")).await;
    assert!(none.ids.is_empty() && !none.more);
}

#[tokio::test]
async fn match_spec_version_and_type_filter_the_whole_collection() {
    let server = TestServer::start().await;
    for n in 0..3 {
        submit(&server, SUBMITTER, n).await;
    }
    let objects = inbox_objects(&server, READER).await;
    let old = page(
        &server,
        READER,
        &format!("{objects}?match[spec_version]=2.0"),
    )
    .await;
    assert!(old.ids.is_empty() && !old.more, "no STIX 2.0 objects here");
    let all = page(&server, READER, &format!("{objects}?limit={MAX_LIMIT}")).await;
    let current = page(
        &server,
        READER,
        &format!("{objects}?match[spec_version]=2.0,2.1&limit={MAX_LIMIT}"),
    )
    .await;
    assert_eq!(current.ids, all.ids);
    let vulnerabilities = page(
        &server,
        READER,
        &format!("{objects}?match[type]=vulnerability&limit=2"),
    )
    .await;
    assert_eq!(vulnerabilities.ids.len(), 2);
    assert!(
        vulnerabilities
            .ids
            .iter()
            .all(|id| id.starts_with("vulnerability--"))
    );
    assert!(vulnerabilities.more);
    let bad = server
        .get(READER, &format!("{objects}?match[version]=yesterday"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["details"]["field"], "match[version]");
}

#[tokio::test]
async fn two_deployments_never_issue_the_same_object_id() {
    let (one, two) = (TestServer::start().await, TestServer::start().await);
    let mut ids = Vec::new();
    for server in [&one, &two] {
        submit(server, SUBMITTER, 0).await;
        let objects = inbox_objects(server, READER).await;
        let listed = page(server, READER, &format!("{objects}?match[type]=report")).await;
        assert_eq!(listed.ids.len(), 1);
        ids.push(listed.ids[0].clone());
        let namespace = Namespace::of(&server.db).await.expect("a namespace");
        assert!(ids[ids.len() - 1].starts_with("report--"), "{namespace:?}");
    }
    assert_ne!(ids[0], ids[1], "the same delivery id in two deployments");
}

#[tokio::test]
async fn unauthenticated_requests_are_told_which_schemes_to_use() {
    let server = TestServer::start().await;
    let response = reqwest::get(format!("{}/taxii2/", server.base))
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenges = isac_tests::header_values(&response, "www-authenticate");
    assert_eq!(
        challenges,
        [r#"Bearer realm="isac-host""#, r#"Basic realm="isac-host""#]
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/taxii+json;version=2.1"
    );
    // The error's id is the request's, which its log lines carry.
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["http_status"], "401");
    assert_eq!(body["error_id"], request_id.as_str());
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");
}

#[tokio::test]
async fn discovery_answers_every_role_and_honours_the_proxy() {
    let server = TestServer::start().await;
    for role in ["operator@council", "secretariat"] {
        let reply = server.get(role, "/taxii2/").await;
        assert_eq!(reply.status, StatusCode::OK, "{role}: {:?}", reply.body);
        assert_eq!(reply.body["api_roots"], json!([]), "{role}");
    }
    let response = reqwest::Client::new()
        .get(format!("{}/taxii2/", server.base))
        .bearer_auth(server.token(READER))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "isac.example")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["api_roots"],
        json!(["https://isac.example/taxii2/council/"])
    );
}

#[tokio::test]
async fn collections_answer_to_their_alias_as_to_their_id() {
    let server = TestServer::start().await;
    submit(&server, SUBMITTER, 1).await;
    let listed = server.get(READER, "/taxii2/council/collections/").await;
    let aliases: Vec<&Value> = listed.body["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .map(|c| &c["alias"])
        .collect();
    assert_eq!(aliases, [&json!("inbox"), &json!("submissions")]);
    let by_id = page(&server, READER, &inbox_objects(&server, READER).await).await;
    let by_alias = page(
        &server,
        READER,
        "/taxii2/council/collections/inbox/objects/",
    )
    .await;
    assert_eq!(by_alias.ids, by_id.ids);
    assert!(
        by_alias.ids.iter().any(|id| id.starts_with("report--")),
        "{:?}",
        by_alias.ids
    );
    let described = server
        .get(READER, "/taxii2/council/collections/submissions/")
        .await;
    assert_eq!(described.status, StatusCode::OK, "{:?}", described.body);
    assert_eq!(described.body["can_write"], true);
    let unknown = server
        .get(READER, "/taxii2/council/collections/outbox/")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

/// Every delivery id in the member's inbox, following `next_cursor`.
async fn inbox_deliveries(server: &TestServer, who: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut path = "/inbox?limit=500".to_string();
    loop {
        let reply = server.get(who, &path).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        for item in reply.body["items"].as_array().expect("items") {
            ids.push(item["delivery_id"].as_i64().expect("a delivery id"));
        }
        match reply.body["next_cursor"].as_i64() {
            Some(next) => path = format!("/inbox?limit=500&cursor={next}"),
            None => return ids,
        }
    }
}

/// The OASIS `taxii2-client` syncs the collection twice, once by `next` and
/// once by `added_after`, while two members keep reporting: both see every
/// object exactly once, in the collection's order, and the reports they saw
/// are exactly the member's inbox.
#[tokio::test]
async fn taxii2_client_syncs_by_next_and_by_added_after_while_reports_arrive() {
    let server = std::sync::Arc::new(TestServer::start().await);
    for n in 0..3 {
        submit(&server, SUBMITTER, n).await;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let done = dir.path().join("writers-done");
    let done = done.to_str().expect("UTF-8 path");
    let sync = |mode: &'static str, limit: &'static str| {
        let args = [
            server.base.as_str(),
            server.token(READER),
            mode,
            limit,
            done,
        ];
        async move { isac_tests::python(mode, "taxii_sync.py", &args).await }
    };
    let (by_next, by_date, ()) = tokio::join!(sync("next", "7"), sync("added_after", "5"), async {
        for n in 3..60 {
            let who = if n % 2 == 0 {
                SUBMITTER
            } else {
                "example-security@council"
            };
            submit(&server, who, n).await;
        }
        std::fs::write(&done, "").expect("the done file");
    });
    let objects = inbox_objects(&server, READER).await;
    let all = page(&server, READER, &format!("{objects}?limit={MAX_LIMIT}")).await;
    assert!(!all.more);
    for (what, stdout) in [("by next", by_next), ("by added_after", by_date)] {
        let walked: Vec<String> = serde_json::from_str(&stdout).expect("a JSON list of ids");
        assert_once(&walked, &all.ids, what);
    }
    let namespace = Namespace::of(&server.db).await.expect("the namespace");
    let inbox: HashSet<String> = inbox_deliveries(&server, READER)
        .await
        .iter()
        .map(|d| export::report_id(&namespace, *d))
        .collect();
    let reports: HashSet<String> = all
        .ids
        .iter()
        .filter(|id| id.starts_with("report--"))
        .cloned()
        .collect();
    assert_eq!(inbox.len(), 60);
    assert_eq!(
        reports, inbox,
        "the collection's reports are the member's inbox"
    );
}
