//! STIX import honours every marking of what it brings in, export marks every
//! object, and every response that carries views in bulk is in the audit chain.

use isac_host::model::Tlp;
use isac_host::stix::marking;
use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SUBMITTER: &str = "sakura-bank@council";
const READER: &str = "tokyo@council";
const OUTSIDER: &str = "example-motors@j-auto-isac";

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn indicator(n: u32, tlp: Tlp) -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": format!("indicator--{}", uuid(n)),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": format!("[domain-name:value = 'marked{n}.example']"), "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z", "confidence": 80, "object_marking_refs": [marking::id(tlp)]})
}

fn report(n: u32, tlp: Tlp, refs: &[&Value]) -> Value {
    json!({"type": "report", "spec_version": "2.1", "id": format!("report--{}", uuid(n)),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "published": "2026-01-01T00:00:00.000Z", "name": format!("Imported campaign {n}"),
        "description": "Seen at a bank", "confidence": 80,
        "object_refs": refs.iter().map(|o| o["id"].clone()).collect::<Vec<_>>(),
        "object_marking_refs": [marking::id(tlp)]})
}

fn bundle(objects: &[&Value]) -> Value {
    json!({"type": "bundle", "id": format!("bundle--{}", uuid(0)), "objects": objects})
}

async fn count(server: &TestServer, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&server.db)
        .await
        .unwrap()
}

/// Imports `objects` as the submitter; on success, the id of the one report.
async fn import(server: &TestServer, objects: &[&Value]) -> (StatusCode, Value) {
    let reply = server
        .post(SUBMITTER, "/communities/council/stix", &bundle(objects))
        .await;
    (reply.status, reply.body)
}

/// The TLP of the reader's delivered view of `report_id`, or None.
async fn delivered_tlp(server: &TestServer, who: &str, report_id: &Value) -> Option<Value> {
    let inbox = server.get(who, "/inbox?limit=500").await;
    let item = inbox.body["items"]
        .as_array()?
        .iter()
        .find(|i| i["report_id"] == *report_id)?
        .clone();
    let view = server
        .get(who, &format!("/inbox/{}", item["delivery_id"]))
        .await;
    assert_eq!(view.status, StatusCode::OK, "{:?}", view.body);
    assert_eq!(view.body["view"]["tlp"], item["tlp"]);
    Some(item["tlp"].clone())
}

/// Refused whole: 422 naming the object and field, and nothing stored or delivered.
async fn assert_refused(server: &TestServer, objects: &[&Value], field: &str, says: &str) {
    let before = (count(server, "reports").await, count(server, "views").await);
    let inbox = server.inbox_reports(READER).await;
    let (status, body) = import(server, objects).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}");
    assert_eq!(body["field"], field, "{body:?}");
    assert!(body["message"].as_str().unwrap().contains(says), "{body:?}");
    let after = (count(server, "reports").await, count(server, "views").await);
    assert_eq!(after, before, "nothing stored");
    assert_eq!(
        server.inbox_reports(READER).await,
        inbox,
        "nothing delivered"
    );
}

#[tokio::test]
async fn a_green_report_referencing_a_red_indicator_is_refused_naming_it() {
    let server = TestServer::start().await;
    let green = indicator(1, Tlp::Green);
    let red = indicator(2, Tlp::Red);
    let with_red = report(3, Tlp::Green, &[&green, &red]);
    assert_refused(
        &server,
        &[&with_red, &green, &red],
        &format!("indicator--{}.object_marking_refs", uuid(2)),
        "is TLP:RED",
    )
    .await;

    // The same over TAXII: nothing imported, every object failing with the reason.
    let collections = server.get(SUBMITTER, "/taxii2/council/collections/").await;
    let submissions = collections.body["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["can_write"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let envelope = json!({"objects": [with_red, green, red]});
    let reply = server
        .send(
            reqwest::Method::POST,
            Some(server.token(SUBMITTER)),
            &format!("/taxii2/council/collections/{submissions}/objects/"),
            Some((
                "application/taxii+json;version=2.1",
                envelope.to_string().into_bytes(),
            )),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(
        (
            reply.body["success_count"].as_i64(),
            reply.body["failure_count"].as_i64()
        ),
        (Some(0), Some(3))
    );
    assert_eq!(count(&server, "reports").await, 0, "nothing imported");
}

#[tokio::test]
async fn a_green_report_referencing_an_amber_indicator_is_imported_as_amber() {
    let server = TestServer::start().await;
    let green = indicator(1, Tlp::Green);
    let amber = indicator(2, Tlp::Amber);
    let (status, body) = import(
        &server,
        &[&report(3, Tlp::Green, &[&green, &amber]), &green, &amber],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    let report_id = &body["imported"][0]["report_id"];
    assert_eq!(body["imported"].as_array().unwrap().len(), 1, "{body:?}");
    assert_eq!(
        delivered_tlp(&server, READER, report_id).await,
        Some(json!("amber"))
    );
    assert_eq!(
        delivered_tlp(&server, OUTSIDER, report_id).await,
        None,
        "AMBER stays in the council"
    );
}

#[tokio::test]
async fn granular_and_indirect_markings_raise_the_report_or_refuse_it() {
    let server = TestServer::start().await;
    let green = indicator(1, Tlp::Green);

    // A granular marking on the report's own description raises the whole report.
    let mut strict = report(2, Tlp::Green, &[&green]);
    strict["granular_markings"] =
        json!([{"marking_ref": marking::id(Tlp::AmberStrict), "selectors": ["description"]}]);
    let (status, body) = import(&server, &[&strict, &green]).await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    let strict_id = &body["imported"][0]["report_id"];
    assert_eq!(
        delivered_tlp(&server, READER, strict_id).await,
        Some(json!("amber+strict"))
    );
    assert_eq!(delivered_tlp(&server, OUTSIDER, strict_id).await, None);

    // The author's identity (followed through `created_by_ref`) counts too.
    let author = json!({"type": "identity", "spec_version": "2.1", "id": format!("identity--{}", uuid(3)),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "Sakura Bank", "identity_class": "organization",
        "object_marking_refs": [marking::id(Tlp::Amber)]});
    let mut authored = indicator(4, Tlp::Green);
    authored["created_by_ref"] = author["id"].clone();
    let (status, body) = import(&server, &[&authored, &author]).await;
    assert_eq!(status, StatusCode::CREATED, "{body:?}");
    let authored_id = &body["imported"][0]["report_id"];
    assert_eq!(
        delivered_tlp(&server, READER, authored_id).await,
        Some(json!("amber"))
    );
    assert_eq!(delivered_tlp(&server, OUTSIDER, authored_id).await, None);

    // A part of a referenced indicator marked RED refuses the bundle.
    let mut partly_red = indicator(5, Tlp::Green);
    partly_red["granular_markings"] =
        json!([{"marking_ref": marking::id(Tlp::Red), "selectors": ["pattern"]}]);
    assert_refused(
        &server,
        &[&report(6, Tlp::Green, &[&partly_red]), &partly_red],
        &format!("indicator--{}.granular_markings[0].marking_ref", uuid(5)),
        "is TLP:RED",
    )
    .await;

    // A marking the host cannot honour is refused, never ignored.
    let statement = "marking-definition--a9c1b1b0-8ed5-4b8c-a6cb-3d2f1e0a9b77";
    let mut unknown = indicator(7, Tlp::Green);
    unknown["object_marking_refs"] = json!([statement]);
    let definition = json!({"type": "marking-definition", "spec_version": "2.1", "id": statement,
        "created": "2026-01-01T00:00:00.000Z", "definition_type": "statement",
        "definition": {"statement": "Do not share outside the board"}});
    assert_refused(
        &server,
        &[&report(8, Tlp::Green, &[&unknown]), &unknown, &definition],
        &format!("indicator--{}.object_marking_refs", uuid(7)),
        statement,
    )
    .await;
}

#[tokio::test]
async fn export_marks_every_object_with_its_views_tlp() {
    let server = TestServer::start().await;
    for (title, tlp) in [("Green campaign", "green"), ("Amber campaign", "amber")] {
        let body = json!({"title": title, "body": "Seen at a bank", "tlp": tlp, "confidence": "confirmed",
            "indicators": [{"kind": "domain", "value": format!("{tlp}.example")}, {"kind": "cve", "value": "CVE-2024-3094"}]});
        let sent = server
            .post(SUBMITTER, "/communities/council/reports", &body)
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    }
    let exported = server.get(READER, "/inbox/stix").await;
    assert_eq!(exported.status, StatusCode::OK, "{:?}", exported.body);
    let objects = exported.body["objects"].as_array().unwrap();
    let by_id = |id: &Value| objects.iter().find(|o| o["id"] == *id).unwrap();
    let mut marked = Vec::new();
    for (title, tlp) in [
        ("Green campaign", Tlp::Green),
        ("Amber campaign", Tlp::Amber),
    ] {
        let report = objects.iter().find(|o| o["name"] == title).unwrap();
        let mut parts = vec![report, by_id(&report["created_by_ref"])];
        parts.extend(report["object_refs"].as_array().unwrap().iter().map(by_id));
        let kinds: Vec<&str> = parts.iter().map(|o| o["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["report", "identity", "indicator", "vulnerability"]);
        for part in parts {
            assert_eq!(
                part["object_marking_refs"],
                json!([marking::id(tlp)]),
                "{part}"
            );
            marked.push(part["id"].clone());
        }
    }
    let rest: Vec<&Value> = objects
        .iter()
        .filter(|o| !marked.contains(&o["id"]))
        .collect();
    assert!(
        rest.iter().all(|o| o["type"] == "marking-definition"),
        "every other object is a marking definition: {rest:?}"
    );

    // TAXII serves the same objects: all but the marking definitions are marked.
    let inbox = inbox_collection(&server).await;
    let listed = server
        .get(
            READER,
            &format!("/taxii2/council/collections/{inbox}/objects/"),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    for object in listed.body["objects"].as_array().unwrap() {
        if object["type"] != "marking-definition" {
            let refs = object["object_marking_refs"].as_array().expect("marked");
            assert_eq!(refs.len(), 1, "{object}");
        }
    }
}

async fn inbox_collection(server: &TestServer) -> String {
    let collections = server.get(READER, "/taxii2/council/collections/").await;
    collections.body["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["can_read"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The `views.read` entries added after audit entry `after`: (object, detail).
async fn reads_after(server: &TestServer, after: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT object, detail FROM audit_log WHERE seq > $1 AND action = 'views.read' \
         AND actor = $2 ORDER BY seq",
    )
    .bind(after)
    .bind(format!("member:{}", server.member_id(READER).await))
    .fetch_all(&server.db)
    .await
    .unwrap()
}

async fn last_seq(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
        .fetch_one(&server.db)
        .await
        .unwrap()
}

/// Every audit entry added by `path`: exactly one `views.read` listing `views`
/// (none when `views` is empty).
async fn assert_logged(server: &TestServer, path: &str, route: &str, views: &[i64]) -> Value {
    let before = last_seq(server).await;
    let reply = server.get(READER, path).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
    let expected: Vec<(String, String)> = if views.is_empty() {
        Vec::new()
    } else {
        vec![(route.to_string(), json!(views).to_string())]
    };
    assert_eq!(reads_after(server, before).await, expected, "{path}");
    assert_eq!(
        last_seq(server).await - before,
        expected.len() as i64,
        "{path}: nothing else logged"
    );
    reply.body
}

#[tokio::test]
async fn every_bulk_read_of_views_is_one_audit_entry_listing_them() {
    let server = TestServer::start().await;
    for n in 0..3 {
        let body = json!({"title": format!("Audited {n}"), "body": "Seen at a bank", "tlp": "green",
            "confidence": "confirmed", "indicators": [{"kind": "domain", "value": format!("audited{n}.example")}]});
        let sent = server
            .post(SUBMITTER, "/communities/council/reports", &body)
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    }
    let reader = server.member_id(READER).await;
    let views = isac_host::store::inbox::views_after(&server.db, reader, 0, usize::MAX)
        .await
        .unwrap();
    assert_eq!(views.len(), 3);
    let inbox = inbox_collection(&server).await;
    let taxii = format!("/taxii2/council/collections/{inbox}");

    assert_logged(&server, "/inbox", "inbox", &views).await;
    assert_logged(&server, "/inbox?limit=1", "inbox", &views[..1]).await;
    assert_logged(&server, "/inbox/stix", "inbox/stix", &views).await;
    let first_two = server.get(READER, "/inbox?limit=2").await;
    let cursor = first_two.body["next_cursor"].as_i64().expect("a cursor");
    assert_logged(
        &server,
        &format!("/inbox/stix?after={cursor}"),
        "inbox/stix",
        &views[2..],
    )
    .await;
    assert_logged(
        &server,
        &format!("{taxii}/objects/"),
        "taxii/objects",
        &views,
    )
    .await;
    // Ten shared objects (five markings, five identities), then the first view's two.
    let page = assert_logged(
        &server,
        &format!("{taxii}/objects/?limit=12"),
        "taxii/objects",
        &views[..1],
    )
    .await;
    assert_eq!(page["more"], true);
    let shared_only = format!("{taxii}/objects/?match[type]=marking-definition");
    assert_logged(&server, &shared_only, "taxii/objects", &[]).await;
    let manifest = assert_logged(
        &server,
        &format!("{taxii}/manifest/"),
        "taxii/manifest",
        &views,
    )
    .await;
    assert_eq!(manifest["objects"].as_array().unwrap().len(), 10 + 3 * 2);
    let namespace = isac_host::stix::Namespace::of(&server.db).await.unwrap();
    let second = isac_host::stix::export::report_id(&namespace, views[1]);
    assert_logged(
        &server,
        &format!("{taxii}/objects/{second}/"),
        "taxii/object",
        &views[1..2],
    )
    .await;
    let green = marking::id(Tlp::Green);
    assert_logged(
        &server,
        &format!("{taxii}/objects/{green}/"),
        "taxii/object",
        &[],
    )
    .await;
    assert!(
        isac_host::store::verify_audit(&server.db)
            .await
            .unwrap()
            .is_ok()
    );
}

/// Readers paging while reports arrive: one entry per response, each listing
/// only views the reader was delivered, in one unbroken chain.
#[tokio::test]
async fn concurrent_bulk_reads_during_submissions_are_each_audited() {
    let server = TestServer::start().await;
    let first = json!({"title": "Before", "body": "Seen at a bank", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "before.example"}]});
    let sent = server
        .post(SUBMITTER, "/communities/council/reports", &first)
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let inbox = inbox_collection(&server).await;
    let objects = format!("/taxii2/council/collections/{inbox}/objects/");
    let before = last_seq(&server).await;
    let reads = (0..8).map(|n| {
        let path = if n % 2 == 0 {
            objects.as_str()
        } else {
            "/inbox/stix"
        };
        server.get(READER, path)
    });
    let submitter = &server;
    let writes = (0..4).map(|n| {
        let body = json!({"title": format!("During {n}"), "body": "Seen at a bank", "tlp": "green",
            "confidence": "confirmed", "indicators": [{"kind": "domain", "value": format!("during{n}.example")}]});
        async move {
            submitter
                .post(SUBMITTER, "/communities/council/reports", &body)
                .await
        }
    });
    let (read, written) = tokio::join!(
        futures_util::future::join_all(reads),
        futures_util::future::join_all(writes)
    );
    assert!(read.iter().all(|r| r.status == StatusCode::OK));
    assert!(written.iter().all(|r| r.status == StatusCode::CREATED));
    let reader = server.member_id(READER).await;
    let delivered = isac_host::store::inbox::views_after(&server.db, reader, 0, usize::MAX)
        .await
        .unwrap();
    let logged = reads_after(&server, before).await;
    assert_eq!(logged.len(), 8, "{logged:?}");
    for (route, detail) in logged {
        assert!(["taxii/objects", "inbox/stix"].contains(&route.as_str()));
        let views: Vec<i64> = serde_json::from_str(&detail).unwrap();
        assert!(views.contains(&delivered[0]), "{views:?}");
        assert!(views.iter().all(|v| delivered.contains(v)), "{views:?}");
    }
    assert!(
        isac_host::store::verify_audit(&server.db)
            .await
            .unwrap()
            .is_ok()
    );
}

/// The entry is written before the response: if it cannot be, no view leaves.
#[tokio::test]
async fn a_bulk_read_that_cannot_be_audited_carries_no_view() {
    let server = TestServer::start().await;
    let body = json!({"title": "Unaudited", "body": "Seen at a bank", "tlp": "green",
        "confidence": "confirmed", "indicators": [{"kind": "domain", "value": "unaudited.example"}]});
    let sent = server
        .post(SUBMITTER, "/communities/council/reports", &body)
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let inbox = inbox_collection(&server).await;
    sqlx::query("ALTER TABLE audit_log RENAME TO audit_log_gone")
        .execute(&server.db)
        .await
        .unwrap();
    for path in [
        "/inbox".to_string(),
        "/inbox/stix".to_string(),
        format!("/taxii2/council/collections/{inbox}/objects/"),
        format!("/taxii2/council/collections/{inbox}/manifest/"),
    ] {
        let reply = server.get(READER, &path).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(
            !reply.body.to_string().contains("Unaudited"),
            "{path}: {:?}",
            reply.body
        );
        assert!(reply.body.get("objects").is_none() && reply.body.get("items").is_none());
    }
}
