//! A submitter's own reports (`GET /reports`): paged newest first by
//! `next_before` while the same organisation keeps submitting, every report
//! that was there when the walk began returned once; never another
//! organisation's; a cursor this server did not give is refused by name.

use std::collections::HashSet;

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::json;

const SUBMITTER: &str = "sakura-bank@council";
const OTHER: &str = "tokyo@council";

async fn submit(server: &TestServer, who: &str, n: usize) -> String {
    let body = json!({"title": format!("Own report {n}"), "body": "Seen at a bank", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": format!("own{n}.example")}]});
    server.submit_to_council(who, &body).await
}

/// Every page of `who`'s own reports, `limit` at a time: the ids, in order.
async fn walk(server: &TestServer, who: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut path = format!("/reports?limit={limit}");
    loop {
        let page = server.get(who, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        let reports = page.body["reports"].as_array().expect("reports");
        assert!(reports.len() <= limit);
        ids.extend(
            reports
                .iter()
                .map(|r| r["id"].as_str().expect("an id").to_string()),
        );
        match page.body["next_before"].as_str() {
            Some(before) => path = format!("/reports?limit={limit}&before={before}"),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn a_walk_while_the_organisation_submits_returns_every_earlier_report_once() {
    let server = TestServer::start().await;
    let mut earlier = HashSet::new();
    for n in 0..9 {
        earlier.insert(submit(&server, SUBMITTER, n).await);
    }
    let (walked, later) = tokio::join!(walk(&server, SUBMITTER, 2), async {
        let mut later = HashSet::new();
        for n in 100..110 {
            later.insert(submit(&server, SUBMITTER, n).await);
        }
        later
    });
    let unique: HashSet<&String> = walked.iter().collect();
    assert_eq!(
        unique.len(),
        walked.len(),
        "a report returned twice: {walked:?}"
    );
    for id in &earlier {
        assert!(unique.contains(id), "{id} was missed");
    }
    for id in &walked {
        assert!(
            earlier.contains(id) || later.contains(id),
            "{id} is not Sakura Bank's"
        );
    }
    // Once the writes stop, a walk returns all of them, newest first.
    let all = walk(&server, SUBMITTER, 4).await;
    assert_eq!(all.len(), earlier.len() + later.len());
    let mine = server.get(SUBMITTER, "/reports?limit=500").await;
    let times: Vec<&str> = mine.body["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| r["submitted_at"].as_str().expect("a time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    // Another organisation of the same community sees none of them.
    let theirs: HashSet<String> = walk(&server, OTHER, 3).await.into_iter().collect();
    assert!(theirs.is_disjoint(&earlier) && theirs.is_disjoint(&later));
}

#[tokio::test]
async fn a_cursor_the_server_did_not_give_is_refused_by_name() {
    let server = TestServer::start().await;
    for path in [
        "/reports?before=yesterday",
        "/reports?before=12:r-1&stix_id=indicator--00000000-0000-4000-8000-000000000001",
        "/reports?limit=0",
    ] {
        let reply = server.get(SUBMITTER, path).await;
        assert!(reply.status.is_client_error(), "{path}: {:?}", reply.status);
        let field = if path.contains("limit=0") {
            "limit"
        } else {
            "before"
        };
        assert_eq!(reply.body["field"], field, "{path}: {:?}", reply.body);
    }
}

#[tokio::test]
async fn a_red_report_with_a_victim_is_shown_to_its_organisation_only() {
    let server = TestServer::start().await;
    let recipient = server.member_id("nisc@council").await;
    let body = json!({"title": "Red own report", "body": "password=Hunter2", "tlp": "red",
        "confidence": "confirmed", "victim": "Victim Corp", "named_recipients": [recipient],
        "indicators": [{"kind": "domain", "value": "red-own.example"}]});
    let sent = server
        .post(SUBMITTER, "/communities/council/reports", &body)
        .await;
    assert!(sent.status.is_success(), "{:?}", sent.body);
    let id = sent.body["report_id"].as_str().expect("a report id");
    let own = server.get(SUBMITTER, &format!("/reports/{id}")).await;
    assert_eq!(own.body["report"]["victim"], "Victim Corp");
    for path in [format!("/reports/{id}"), "/reports?limit=500".to_string()] {
        let theirs = server.get(OTHER, &path).await;
        let text = theirs.body.to_string();
        assert!(
            !text.contains("Victim Corp") && !text.contains("Hunter2") && !text.contains(id),
            "{path}: {text}"
        );
    }
}
