//! The Council's governance organs from the source document, as members and
//! officers reach them over HTTP: the general assembly's electronic votes (one
//! per organisation, changeable until closing, quorum and majority, a policy
//! version bound to an item) and the signed audit checkpoints that catch a
//! chain cut short or rewritten. Time is the server's own clock, moved forward
//! by the test: no test waits for a session to close.

use std::time::{Duration, Instant};

use isac_host::clock::Clock;
use isac_host::store::{self, Checkpoint, CheckpointBreak};
use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

const HOUR: i64 = 3600;

fn rfc3339(at: i64) -> String {
    isac_host::model::unix_time::to_rfc3339(at)
}

/// Something the secretariat does that adds one entry to the audit chain.
async fn audited_action(server: &TestServer) {
    let rules = json!({"quorum_percent": 50, "majority_percent": 50});
    let set = server
        .put("secretariat", "/communities/council/assembly/rules", &rules)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
}

async fn chain_length(server: &TestServer) -> i64 {
    store::checkpoint::chain_length(&server.db)
        .await
        .expect("query runs")
}

async fn remove_entries_from(server: &TestServer, seq: i64) {
    sqlx::query("DELETE FROM audit_log WHERE seq >= $1")
        .bind(seq)
        .execute(&server.db)
        .await
        .expect("entries removed");
}

/// The newest checkpoint `who` reads at `GET /audit/checkpoints` (waiting up
/// to 5 s for the background signer), with the public key the answer names.
async fn newest_checkpoint(server: &TestServer, who: &str) -> (Checkpoint, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = server.get(who, "/audit/checkpoints").await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        if let Some(newest) = reply.body["checkpoints"].get(0) {
            let checkpoint = serde_json::from_value(newest.clone()).expect("a checkpoint");
            let key = reply.body["public_key"].as_str().unwrap().to_string();
            return (checkpoint, key);
        }
        assert!(Instant::now() < deadline, "no checkpoint after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The data of the first `checkpoint` event on `who`'s inbox stream.
async fn streamed_checkpoint(server: &TestServer, who: &str) -> Checkpoint {
    let mut stream = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(server.token(who))
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("a checkpoint event within 5 s")
            .expect("the stream reads")
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(event) = text.split("\n\n").find(|e| e.contains("event: checkpoint")) {
            let data = event
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .expect("event data");
            assert!(!event.lines().any(|l| l.starts_with("id:")), "{event}");
            return serde_json::from_str(data).expect("a checkpoint");
        }
    }
}

#[tokio::test]
async fn a_signed_checkpoint_reaches_members_and_catches_a_truncated_or_rewritten_chain() {
    let server = TestServer::start_with(|state| state.checkpoints.every_entries = 5).await;
    for _ in 0..5 {
        audited_action(&server).await;
    }
    let (checkpoint, key) = newest_checkpoint(&server, "tokyo@council").await;
    // Signed once the chain had grown by 5 (the seed writes entries too).
    assert!(checkpoint.length >= 5, "{checkpoint:?}");
    assert!(checkpoint.length <= chain_length(&server).await);
    assert!(checkpoint.signature_holds());
    assert_eq!(checkpoint.public_key, key);
    // The same checkpoint on the inbox stream, to a member of another community too.
    assert_eq!(
        streamed_checkpoint(&server, "example-motors@j-auto-isac").await,
        checkpoint
    );
    // Anyone outside the communities reads nothing.
    assert_eq!(
        server.get("", "/audit/checkpoints").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server
            .get("kanto-power@council", "/audit/checkpoints")
            .await
            .status,
        StatusCode::OK
    );
    let verify = async |checkpoint: &Checkpoint| {
        store::checkpoint::verify(&server.db, checkpoint)
            .await
            .expect("query runs")
    };
    assert_eq!(verify(&checkpoint).await, Ok(()));
    // A forged checkpoint (another head) does not verify.
    let mut forged = checkpoint.clone();
    forged.length -= 1;
    assert_eq!(verify(&forged).await, Err(CheckpointBreak::BadSignature));

    // The last signed entry removed: the chain alone still verifies...
    let length = checkpoint.length;
    remove_entries_from(&server, length).await;
    let intact = store::verify_audit(&server.db).await.expect("query runs");
    assert_eq!(intact, Ok(length - 1));
    // ...the checkpoint does not.
    assert_eq!(
        verify(&checkpoint).await,
        Err(CheckpointBreak::Truncated {
            length,
            have: length - 1
        })
    );
    // Entries written again after the cut: an intact chain as long as the
    // checkpoint's, with another entry where it signed.
    for _ in 0..2 {
        audited_action(&server).await;
    }
    assert!(chain_length(&server).await > length);
    let intact = store::verify_audit(&server.db).await.expect("query runs");
    assert!(intact.is_ok(), "{intact:?}");
    assert_eq!(
        verify(&checkpoint).await,
        Err(CheckpointBreak::Rewritten { length })
    );
}

/// The council's member organisations with an approved seat (the quorum's base).
async fn council_organisations(server: &TestServer) -> i64 {
    store::scalar_i64(
        &server.db,
        "SELECT COUNT(DISTINCT organisation_id) FROM members WHERE community_id = $1 AND status = 'approved'",
        "council",
    )
    .await
    .expect("query runs")
}

/// Each `(update, value)` fails: the column's CHECK constraint refuses a value
/// the host does not know.
async fn refused_by_the_database(server: &TestServer, updates: &[(&str, &str)]) {
    for (update, value) in updates {
        let written = sqlx::query(update).bind(value).execute(&server.db).await;
        assert!(written.is_err(), "{update} with {value:?} was stored");
    }
}

/// A staged version of the baseline plugin in the council; its number.
async fn staged_version(server: &TestServer) -> i64 {
    let digest = server
        .upload("council", isac_plugin_artifacts::BASELINE)
        .await;
    let body = json!({"plugin": digest, "settings": {"window_days": 3}});
    let staged = server
        .post("operator@council", "/communities/council/policies", &body)
        .await;
    assert_eq!(staged.status, StatusCode::CREATED, "{:?}", staged.body);
    staged.body["id"].as_i64().expect("a version")
}

async fn convene(server: &TestServer, opens_at: i64, items: Value) -> Value {
    let body = json!({
        "title": "Annual general assembly",
        "opens_at": rfc3339(opens_at),
        "closes_at": rfc3339(opens_at + HOUR),
        "items": items,
    });
    let reply = server
        .post("secretariat", "/communities/council/assemblies", &body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// `who` (a token name or a raw token) votes `choice` on item `n` of `session`.
async fn vote(
    server: &TestServer,
    who: &str,
    session: &Value,
    n: usize,
    choice: &str,
) -> StatusCode {
    let path = format!(
        "/communities/council/assemblies/{}/items/{}/vote",
        session["id"].as_str().unwrap(),
        session["items"][n]["id"].as_str().unwrap()
    );
    let reply = server.put(who, &path, &json!({"choice": choice})).await;
    reply.status
}

async fn read_session(server: &TestServer, who: &str, session: &Value) -> Value {
    let path = format!(
        "/communities/council/assemblies/{}",
        session["id"].as_str().unwrap()
    );
    let reply = server.get(who, &path).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

/// Each organisation's last `assembly.vote` entry per item of `session`, from
/// the audit chain: (yes, no, abstain) per item.
async fn tally_from_audit_chain(server: &TestServer, session: &Value) -> Vec<[i64; 3]> {
    let log = server.get("secretariat", "/audit").await;
    let mut last = std::collections::BTreeMap::new();
    for entry in log.body["entries"].as_array().unwrap().iter().rev() {
        if entry["action"] != "assembly.vote" {
            continue;
        }
        let (object, detail) = (
            entry["object"].as_str().unwrap(),
            entry["detail"].as_str().unwrap(),
        );
        let (organisation, choice) = detail.rsplit_once(' ').unwrap();
        last.insert(
            (object.to_string(), organisation.to_string()),
            choice.to_string(),
        );
    }
    let items = session["items"].as_array().unwrap();
    items
        .iter()
        .map(|item| {
            let object = format!(
                "{}/{}",
                session["id"].as_str().unwrap(),
                item["id"].as_str().unwrap()
            );
            let count = |c: &str| {
                last.iter()
                    .filter(|((o, _), choice)| *o == object && *choice == c)
                    .count() as i64
            };
            [count("yes"), count("no"), count("abstain")]
        })
        .collect()
}

#[tokio::test]
async fn an_assembly_counts_one_vote_per_organisation_and_gates_a_bound_policy() {
    let clock = Clock::default();
    let server = TestServer::start_with(|state| state.clock = clock.clone()).await;
    let eligible = council_organisations(&server).await;
    assert_eq!(eligible, 6);
    let version = staged_version(&server).await;
    let approve = format!("/communities/council/policies/{version}/approve");
    let approved = server
        .post("steering_committee", &approve, &json!({}))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);

    let now = clock.now();
    let session = convene(
        &server,
        now,
        json!([
            {"title": "Members may vote electronically", "kind": "rule_amendment"},
            {"title": "Adopt the three-day window", "kind": "policy_version", "policy_version": version},
        ]),
    )
    .await;
    assert_eq!(session["state"], "open");
    assert_eq!(
        session["rules"],
        json!({"quorum_percent": 50, "majority_percent": 50})
    );

    // Sakura Bank votes through two tokens of its seat and changes its mind:
    // one organisation, one vote, the last one counts.
    let sakura = server.member_id("sakura-bank@council").await;
    let issued = server
        .post(
            "steering_committee",
            &format!("/members/{sakura}/tokens"),
            &json!({}),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{:?}", issued.body);
    let second_token = issued.body["token"].as_str().unwrap().to_string();
    for (who, item, choice) in [
        ("sakura-bank@council", 0, "no"),
        (second_token.as_str(), 0, "yes"),
        ("sakura-bank@council", 1, "yes"),
        (second_token.as_str(), 1, "yes"),
        ("tokyo@council", 0, "yes"),
        ("tokyo@council", 1, "abstain"),
        ("tokyo@council", 1, "yes"),
        ("example-security@council", 0, "no"),
        ("example-security@council", 1, "yes"),
        ("nisc@council", 0, "abstain"),
    ] {
        assert_eq!(
            vote(&server, who, &session, item, choice).await,
            StatusCode::OK,
            "{who}"
        );
    }
    // Its seat in another community is no vote in the Council.
    assert_eq!(
        vote(&server, "sakura-bank@financials-isac", &session, 0, "no").await,
        StatusCode::FORBIDDEN
    );
    // A member reads its own organisation's votes (from either token), no tally
    // before closing, and nobody else's vote.
    let read = read_session(&server, &second_token, &session).await;
    assert_eq!(read["items"][0]["own_vote"], "yes");
    assert_eq!(read["items"][0]["tally"], Value::Null);
    let read = read_session(&server, "example-university@council", &session).await;
    assert_eq!(read["items"][0]["own_vote"], Value::Null);
    // Outside the community: refused; the session under another community: not found.
    let path = format!(
        "/communities/council/assemblies/{}",
        session["id"].as_str().unwrap()
    );
    for who in ["example-motors@j-auto-isac", "operator@ict-isac"] {
        assert_eq!(
            server.get(who, &path).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let elsewhere = format!(
        "/communities/j-auto-isac/assemblies/{}",
        session["id"].as_str().unwrap()
    );
    assert_eq!(
        server
            .get("example-motors@j-auto-isac", &elsewhere)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The bound version waits for its item, approvals or not.
    let activate = format!("/communities/council/policies/{version}/activate");
    let refused = server.post("operator@council", &activate, &json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("bound to general assembly item"),
        "{:?}",
        refused.body
    );

    clock.advance(HOUR);
    assert_eq!(
        vote(&server, "example-university@council", &session, 0, "yes").await,
        StatusCode::CONFLICT
    );
    let closed = read_session(&server, "tokyo@council", &session).await;
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["eligible"], eligible);
    assert_eq!(
        closed["items"][0]["tally"],
        json!({"yes": 2, "no": 1, "abstain": 1})
    );
    assert_eq!(closed["items"][0]["outcome"], "passed");
    assert_eq!(
        closed["items"][1]["tally"],
        json!({"yes": 3, "no": 0, "abstain": 0})
    );
    assert_eq!(closed["items"][1]["outcome"], "passed");
    // The tally is reproducible from the audit chain.
    assert_eq!(
        tally_from_audit_chain(&server, &session).await,
        vec![[2, 1, 1], [3, 0, 0]]
    );
    let activated = server.post("operator@council", &activate, &json!({})).await;
    assert_eq!(activated.status, StatusCode::OK, "{:?}", activated.body);
    refused_by_the_database(
        &server,
        &[
            ("UPDATE assembly_votes SET choice = $1", "maybe"),
            ("UPDATE assembly_items SET outcome = $1", "tabled"),
            ("UPDATE assembly_items SET kind = $1", "motion"),
        ],
    )
    .await;
}

async fn required_approvals(server: &TestServer) -> Value {
    let policies = server
        .get("secretariat", "/communities/council/policies")
        .await;
    policies.body["required_approvals"].clone()
}

#[tokio::test]
async fn an_item_is_decided_only_with_a_quorum_and_before_opening_no_one_votes() {
    let clock = Clock::default();
    let server = TestServer::start_with(|state| state.clock = clock.clone()).await;
    let raise =
        json!([{"title": "Two approvals", "kind": "required_approvals", "required_approvals": 2}]);
    let later = convene(&server, clock.now() + HOUR, raise.clone()).await;
    assert_eq!(later["state"], "upcoming");
    assert_eq!(
        vote(&server, "tokyo@council", &later, 0, "yes").await,
        StatusCode::CONFLICT
    );
    // Two of six organisations vote: no quorum, nothing changes.
    let missed = convene(&server, clock.now(), raise.clone()).await;
    for who in ["tokyo@council", "nisc@council"] {
        assert_eq!(vote(&server, who, &missed, 0, "yes").await, StatusCode::OK);
    }
    clock.advance(HOUR);
    let closed = read_session(&server, "secretariat", &missed).await;
    assert_eq!(closed["items"][0]["outcome"], "no_quorum");
    assert_eq!(required_approvals(&server).await, 1);
    // Three of five: the quorum; two yes to one no: passed, and applied.
    let met = convene(&server, clock.now(), raise).await;
    for (who, choice) in [
        ("tokyo@council", "yes"),
        ("nisc@council", "yes"),
        ("example-university@council", "no"),
        ("kanto-power@council", "no"),
    ] {
        assert_eq!(vote(&server, who, &met, 0, choice).await, StatusCode::OK);
    }
    // Suspended before closing: neither its vote nor itself counts.
    let kanto = server.member_id("kanto-power@council").await;
    let suspend = format!("/members/{kanto}/suspend");
    let suspended = server
        .post("steering_committee", &suspend, &json!({"reason": "test"}))
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);
    clock.advance(HOUR);
    let closed = read_session(&server, "steering_committee", &met).await;
    assert_eq!(closed["eligible"], 5);
    assert_eq!(
        closed["items"][0]["tally"],
        json!({"yes": 2, "no": 1, "abstain": 0})
    );
    assert_eq!(closed["items"][0]["outcome"], "passed");
    assert_eq!(required_approvals(&server).await, 2);
    // A bad agenda names its field.
    let bad = json!({"title": "x", "opens_at": rfc3339(clock.now()), "closes_at": rfc3339(clock.now() + HOUR),
        "items": [{"title": "y", "kind": "policy_version"}]});
    let reply = server
        .post("secretariat", "/communities/council/assemblies", &bad)
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["field"], "items[0].kind");
}

/// Reads an inbox stream until it has sent `count` more events named `event`;
/// their data.
async fn stream_events(stream: &mut reqwest::Response, event: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut text = String::new();
    loop {
        let found: Vec<Value> = text
            .split("\n\n")
            .filter(|e| e.lines().any(|l| l == format!("event: {event}")))
            .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
            .map(|data| serde_json::from_str(data).expect("JSON data"))
            .collect();
        if found.len() >= count {
            return found;
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("{count} {event} events within 5 s: {text}"))
            .expect("the stream reads")
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn open_stream(server: &TestServer, who: &str) -> reqwest::Response {
    let stream = reqwest::Client::new()
        .get(format!("{}/api/v1/inbox/stream", server.base))
        .bearer_auth(server.token(who))
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    stream
}

fn report(title: &str, domain: &str) -> Value {
    json!({"title": title, "tlp": "green", "confidence": "confirmed",
           "indicators": [{"kind": "domain", "value": domain}]})
}

#[tokio::test]
async fn a_request_is_answered_declined_or_overdue_and_read_only_by_whom_it_concerns() {
    let clock = Clock::default();
    let server = TestServer::start_with(|state| state.clock = clock.clone()).await;
    let [tokyo, security, nisc] = [
        server.member_id("tokyo@council").await,
        server.member_id("example-security@council").await,
        server.member_id("nisc@council").await,
    ];
    // A case only Sakura Bank and Tokyo know of: a RED report naming Tokyo.
    let mut red = report("Credential phishing", "red-case.example");
    red["tlp"] = json!("red");
    red["named_recipients"] = json!([tokyo]);
    let sent = server
        .post("sakura-bank@council", "/communities/council/reports", &red)
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    let case = sent.body["case_id"].as_str().unwrap().to_string();

    let now = clock.now();
    let ask = json!({"title": "What else did you see?", "body": "Logs from the last week, please.",
        "case_id": case, "due_at": rfc3339(now + 24 * HOUR), "to": {"members": [tokyo, security, nisc]}});
    let request = server
        .post("steering_committee", "/communities/council/requests", &ask)
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{:?}", request.body);
    let id = request.body["id"].as_str().unwrap().to_string();
    let class1 = json!({"title": "Countermeasures", "body": "Any countermeasure information?",
        "due_at": rfc3339(now + 24 * HOUR), "to": {"class": "task_force_class1"}});
    let to_class = server
        .post("operator@council", "/communities/council/requests", &class1)
        .await;
    assert_eq!(to_class.status, StatusCode::CREATED, "{:?}", to_class.body);
    let class_id = to_class.body["id"].as_str().unwrap().to_string();
    let members: Vec<i64> = to_class.body["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["member"].as_i64().unwrap())
        .collect();
    // The council's class 1: NISC and Example Security.
    assert_eq!(members, vec![nisc.min(security), nisc.max(security)]);

    // A body with a control character other than a line break names its field.
    let mut bad = ask.clone();
    bad["body"] = json!("nul\0");
    let refused = server
        .post("steering_committee", "/communities/council/requests", &bad)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["field"], "body");

    // Only the requesting officers list requests; nobody else.
    for (who, status) in [
        ("tokyo@council", StatusCode::FORBIDDEN),
        ("operator@ict-isac", StatusCode::FORBIDDEN),
        ("example-motors@j-auto-isac", StatusCode::FORBIDDEN),
        ("secretariat", StatusCode::OK),
    ] {
        let reply = server.get(who, "/communities/council/requests").await;
        assert_eq!(reply.status, status, "{who}");
    }
    // A recipient reads the case id only if it received a report in the case.
    let received = |who: &'static str| {
        let server = &server;
        async move { server.get(who, "/requests").await.body["requests"].clone() }
    };
    assert_eq!(received("tokyo@council").await[0]["case_id"], case.as_str());
    assert_eq!(
        received("example-security@council").await[0]["case_id"],
        Value::Null
    );
    assert_eq!(received("example-university@council").await, json!([]));
    // Someone it was not sent to can neither answer nor decline it.
    let answer = format!("/requests/{id}/answer");
    let decline = format!("/requests/{id}/decline");
    let outsider = server
        .post(
            "example-university@council",
            &answer,
            &report("x", "x.example"),
        )
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    let outsider = server
        .post("sakura-bank@council", &decline, &json!({"reason": "no"}))
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);

    // The inbox stream announces each pending request, and again when reminded.
    let mut stream = open_stream(&server, "nisc@council").await;
    let announced = stream_events(&mut stream, "request", 2).await;
    let mut ids: Vec<&str> = announced
        .iter()
        .map(|n| n["request_id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![id.as_str(), class_id.as_str()];
    expected.sort();
    assert_eq!(ids, expected);

    let answered = server
        .post(
            "tokyo@council",
            &answer,
            &report("Answer: more logs", "answer.example"),
        )
        .await;
    assert_eq!(answered.status, StatusCode::CREATED, "{:?}", answered.body);
    let again = server
        .post(
            "tokyo@council",
            &answer,
            &report("Answer again", "again.example"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let declined = server
        .post(
            "example-security@council",
            &decline,
            &json!({"reason": "We hold no such logs"}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{:?}", declined.body);
    assert_eq!(declined.body["response"], "declined");
    // Another recipient never reads the reason.
    let tokyo_reads = server
        .get("tokyo@council", "/requests")
        .await
        .body
        .to_string();
    assert!(
        !tokyo_reads.contains("We hold no such logs"),
        "{tokyo_reads}"
    );

    clock.advance(2 * 24 * HOUR);
    let remind = format!("/communities/council/requests/{id}/remind");
    let reminded = server.post("steering_committee", &remind, &json!({})).await;
    assert_eq!(reminded.status, StatusCode::OK, "{:?}", reminded.body);
    let reminder = stream_events(&mut stream, "request", 1).await;
    assert_eq!(reminder[0]["request_id"], id.as_str());
    let first = announced
        .iter()
        .find(|n| n["request_id"] == id.as_str())
        .unwrap();
    assert!(reminder[0]["sent_at"].as_str() > first["sent_at"].as_str());
    let followed = reminded.body["recipients"].clone();
    assert_eq!(followed[0]["member"], nisc.min(tokyo).min(security));
    let by_member = |member: i64| {
        followed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["member"] == member)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_member(tokyo)["response"], "answered");
    assert_eq!(by_member(tokyo)["report_id"], answered.body["report_id"]);
    assert_eq!(by_member(tokyo)["late"], false);
    assert_eq!(by_member(security)["reason"], "We hold no such logs");
    assert_eq!(by_member(nisc)["response"], "pending");
    assert_eq!(by_member(nisc)["overdue"], true);

    let late = server
        .post(
            "nisc@council",
            &answer,
            &report("Late answer", "late.example"),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{:?}", late.body);
    let listed = server
        .get("steering_committee", "/communities/council/requests")
        .await;
    let year = isac_host::council::FiscalYear::containing(now).year();
    assert_eq!(
        listed.body["per_fiscal_year"],
        json!([{"fiscal_year": year, "requests": 2, "recipients": 5, "answered": 2, "declined": 1, "late": 1}])
    );
    let unknown = [("UPDATE info_request_recipients SET status = $1", "lost")];
    refused_by_the_database(&server, &unknown).await;
}
