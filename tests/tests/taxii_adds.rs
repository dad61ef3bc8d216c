//! Adding STIX objects to the TAXII submissions collection: the status
//! resource answers every object (the report it became or went into, or why
//! it was refused) while the envelope's other reports are still added; adding
//! the same object version again, even concurrently, finds its report instead
//! of making another; the submitter (and no one else) finds its reports by the
//! STIX ids it sent; REST import flags duplicates the same way; and a bulk
//! upload with `taxii2-client` (`tests/python/taxii_add.py`) reaches members.

use std::collections::{HashMap, HashSet};

use isac_host::model::Tlp;
use isac_host::stix::marking;
use isac_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SUBMITTER: &str = "sakura-bank@council";
const READER: &str = "tokyo@council";
const TAXII: &str = "application/taxii+json;version=2.1";
const T0: &str = "2026-01-01T00:00:00.000Z";
const T1: &str = "2026-02-01T00:00:00.000Z";
const ADDED: &str = "added as report ";
const AGAIN: &str = "already added as report ";

/// Each object's outcome: Ok(success message) or Err(failure message).
type Outcomes = HashMap<String, Result<String, String>>;

fn stix_id(kind: &str, n: u32) -> String {
    format!("{kind}--00000000-0000-4000-8000-{n:012}")
}

fn indicator(n: u32) -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": stix_id("indicator", n),
        "created": T0, "modified": T0, "name": format!("Indicator {n}"),
        "pattern": format!("[domain-name:value = 'added{n}.example']"), "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z", "confidence": 80,
        "object_marking_refs": [marking::id(Tlp::Green)]})
}

fn report(n: u32, refs: &[&Value]) -> Value {
    json!({"type": "report", "spec_version": "2.1", "id": stix_id("report", n),
        "created": T0, "modified": T0, "published": T0, "name": format!("Added campaign {n}"),
        "description": "Seen at a bank", "confidence": 80,
        "object_refs": refs.iter().map(|o| o["id"].clone()).collect::<Vec<_>>(),
        "object_marking_refs": [marking::id(Tlp::Green)]})
}

fn identity(n: u32, name: &str) -> Value {
    json!({"type": "identity", "spec_version": "2.1", "id": stix_id("identity", n),
        "created": T0, "modified": T0, "name": name, "identity_class": "organization"})
}

fn bundle(objects: &[&Value]) -> Value {
    json!({"type": "bundle", "id": stix_id("bundle", 0), "objects": objects})
}

async fn reports_stored(server: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&server.db)
        .await
        .unwrap()
}

/// POSTs `objects` as one envelope to the submissions collection. Checks the
/// status resource's shape, and that every object is answered exactly once at
/// its version (`modified`, else `created`).
async fn add(server: &TestServer, who: &str, objects: &[&Value]) -> (Value, Outcomes) {
    let collections = server.get(who, "/taxii2/council/collections/").await;
    let submissions = collections.body["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .find(|c| c["can_write"] == true)
        .expect("a writable collection")["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let envelope = json!({ "objects": objects }).to_string().into_bytes();
    let path = format!("/taxii2/council/collections/{submissions}/objects/");
    let token = Some(server.token(who));
    let reply = server
        .send(Method::POST, token, &path, Some((TAXII, envelope)))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    let status = reply.body;
    assert_eq!(status["status"], "complete", "{status}");
    assert_eq!(status["pending_count"], 0, "{status}");
    assert_eq!(status["total_count"], objects.len(), "{status}");
    let mut outcomes = Outcomes::new();
    for (list, count, ok) in [
        ("successes", "success_count", true),
        ("failures", "failure_count", false),
    ] {
        let entries = status[list].as_array().expect(list);
        assert_eq!(status[count], entries.len(), "{status}");
        for entry in entries {
            let id = entry["id"].as_str().expect("an id");
            let sent = objects.iter().find(|o| o["id"] == id).expect("sent");
            let version = sent.get("modified").unwrap_or(&sent["created"]);
            assert_eq!(entry["version"], *version, "{entry}");
            let message = entry["message"].as_str().expect("a message").to_string();
            let outcome = if ok { Ok(message) } else { Err(message) };
            let earlier = outcomes.insert(id.to_string(), outcome);
            assert_eq!(earlier, None, "{id} answered twice");
        }
    }
    assert_eq!(outcomes.len(), objects.len(), "{status}");
    (status, outcomes)
}

/// The report id in `id`'s success message, which must start with `says`.
fn report_in(outcomes: &Outcomes, id: &str, says: &str) -> String {
    let message = outcomes[id].as_ref().expect("a success");
    message
        .strip_prefix(says)
        .unwrap_or_else(|| panic!("{id}: {message:?} does not start with {says:?}"))
        .to_string()
}

/// Checks that `id` failed with a message containing `names`.
fn fails_naming(outcomes: &Outcomes, id: &str, names: &str) {
    let message = outcomes[id].as_ref().expect_err("a failure");
    assert!(
        message.contains(names),
        "{id}: {message:?} does not name {names:?}"
    );
}

/// An object's field names, sorted.
fn fields(object: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    fields
}

/// `GET /reports?stix_id=`: what `who` is told about reports made from `source`.
async fn reports_from(server: &TestServer, who: &str, source: &str) -> Value {
    let reply = server.get(who, &format!("/reports?stix_id={source}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{who}: {:?}", reply.body);
    reply.body
}

#[tokio::test]
async fn each_object_is_answered_with_the_report_it_became_or_went_into() {
    let server = TestServer::start().await;
    let author = identity(1, "Sakura Bank");
    let (first, second) = (indicator(2), indicator(3));
    let mut campaign = report(4, &[&first, &second]);
    campaign["created_by_ref"] = author["id"].clone();
    let standalone = indicator(5);
    let mut unused = identity(6, "Nobody Refers To Me");
    unused.as_object_mut().unwrap().remove("modified");
    let green = marking::definition(Tlp::Green);
    let objects = [
        &author,
        &first,
        &second,
        &campaign,
        &standalone,
        &unused,
        &green,
    ];
    let (status, outcomes) = add(&server, SUBMITTER, &objects).await;
    assert_eq!(status["failure_count"], 0, "{status}");

    let campaign_report = report_in(&outcomes, &stix_id("report", 4), ADDED);
    let standalone_report = report_in(&outcomes, &stix_id("indicator", 5), ADDED);
    assert_ne!(campaign_report, standalone_report);
    for part in [&author, &first, &second] {
        let id = part["id"].as_str().unwrap();
        assert_eq!(outcomes[id], Ok(format!("in report {campaign_report}")));
    }
    assert_eq!(
        outcomes[&stix_id("identity", 6)],
        Ok("nothing to store".into())
    );
    let marked_in = report_in(&outcomes, marking::id(Tlp::Green), "in report ");
    assert!([&campaign_report, &standalone_report].contains(&&marked_in));
    assert_eq!(reports_stored(&server).await, 2);

    let path = format!("/taxii2/council/status/{}/", status["id"].as_str().unwrap());
    let again = server.get(SUBMITTER, &path).await;
    assert_eq!((again.status, &again.body), (StatusCode::OK, &status));
    let other = server.get(READER, &path).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{:?}", other.body);
}

#[tokio::test]
async fn the_submitter_finds_its_reports_by_stix_id_and_no_one_else_does() {
    let server = TestServer::start().await;
    let part = indicator(1);
    let campaign = report(2, &[&part]);
    let (_, outcomes) = add(&server, SUBMITTER, &[&campaign, &part]).await;
    let report_id = report_in(&outcomes, &stix_id("report", 2), ADDED);

    let found = reports_from(&server, SUBMITTER, &stix_id("report", 2)).await;
    let listed = found["reports"].as_array().expect("reports");
    assert_eq!(listed.len(), 1, "{found}");
    let entry = &listed[0];
    assert_eq!(
        fields(entry),
        [
            "case_id",
            "community",
            "id",
            "report",
            "status",
            "stix",
            "submitted_at",
            "submitter",
            "title",
            "tlp"
        ]
    );
    assert_eq!(entry["report"]["title"], "Added campaign 2");
    assert_eq!(entry["submitter"], server.member_id(SUBMITTER).await);
    assert_eq!(entry["id"], report_id.as_str());
    assert_eq!(entry["community"], "council");
    assert_eq!(entry["status"], "delivered");
    assert_eq!(entry["title"], "Added campaign 2");
    assert_eq!(entry["tlp"], "green");
    assert_eq!(
        entry["stix"],
        json!([{"id": stix_id("report", 2), "version": T0}])
    );
    assert!(entry["submitted_at"].is_string(), "{entry}");
    let one = server
        .get(SUBMITTER, &format!("/reports/{report_id}"))
        .await;
    assert_eq!((one.status, &one.body), (StatusCode::OK, entry));

    // An indicator inside the report is not the source of a report.
    let part_of = reports_from(&server, SUBMITTER, &stix_id("indicator", 1)).await;
    assert_eq!(part_of, json!({"reports": [], "next_before": null}));

    // Another organisation, and Sakura Bank's seat in another community, see nothing.
    for who in [READER, "sakura-bank@financials-isac"] {
        let listed = reports_from(&server, who, &stix_id("report", 2)).await;
        assert_eq!(listed, json!({"reports": [], "next_before": null}), "{who}");
        let one = server.get(who, &format!("/reports/{report_id}")).await;
        assert_eq!(one.status, StatusCode::NOT_FOUND, "{who}: {:?}", one.body);
        assert!(
            !one.body.to_string().contains("Added campaign"),
            "{who}: {:?}",
            one.body
        );
    }
}

#[tokio::test]
async fn a_refused_object_fails_alone_and_the_other_reports_are_added() {
    let server = TestServer::start().await;
    let mut unparseable = indicator(1);
    unparseable["pattern"] = json!("[domain-name:value = ");
    let refers_to_it = report(2, &[&unparseable]);
    let part = indicator(3);
    let fine = report(4, &[&part]);
    let standalone = indicator(5);
    let mut unsure = indicator(6);
    unsure.as_object_mut().unwrap().remove("confidence");
    let malware = json!({"type": "malware", "spec_version": "2.1", "id": stix_id("malware", 7),
        "created": T0, "modified": T0, "name": "Emotet", "is_family": true, "confidence": 80,
        "object_marking_refs": [marking::id(Tlp::Green)]});
    let objects = [
        &unparseable,
        &refers_to_it,
        &part,
        &fine,
        &standalone,
        &unsure,
        &malware,
    ];
    let (status, outcomes) = add(&server, SUBMITTER, &objects).await;
    assert_eq!(status["success_count"], 3, "{status}");
    fails_naming(&outcomes, &stix_id("indicator", 1), "pattern");
    fails_naming(&outcomes, &stix_id("report", 2), &stix_id("indicator", 1));
    fails_naming(&outcomes, &stix_id("indicator", 6), "confidence");
    fails_naming(&outcomes, &stix_id("malware", 7), "type");
    let fine_report = report_in(&outcomes, &stix_id("report", 4), ADDED);
    assert_eq!(
        outcomes[&stix_id("indicator", 3)],
        Ok(format!("in report {fine_report}"))
    );
    let standalone_report = report_in(&outcomes, &stix_id("indicator", 5), ADDED);

    assert_eq!(reports_stored(&server).await, 2);
    let delivered: HashSet<String> = server.inbox_reports(READER).await.into_iter().collect();
    assert_eq!(delivered, HashSet::from([fine_report, standalone_report]));
}

#[tokio::test]
async fn adding_a_version_again_finds_its_report_and_a_newer_version_makes_another() {
    let server = TestServer::start().await;
    let part = indicator(1);
    let campaign = report(2, &[&part]);
    let standalone = indicator(3);
    let objects = [&campaign, &part, &standalone];
    let (_, first) = add(&server, SUBMITTER, &objects).await;
    let campaign_report = report_in(&first, &stix_id("report", 2), ADDED);
    let old = report_in(&first, &stix_id("indicator", 3), ADDED);

    let (status, again) = add(&server, SUBMITTER, &objects).await;
    assert_eq!(status["success_count"], 3, "{status}");
    assert_eq!(
        report_in(&again, &stix_id("report", 2), AGAIN),
        campaign_report
    );
    assert_eq!(report_in(&again, &stix_id("indicator", 3), AGAIN), old);
    assert_eq!(
        again[&stix_id("indicator", 1)],
        Ok(format!("in report {campaign_report}"))
    );
    assert_eq!(reports_stored(&server).await, 2);

    let mut newer = standalone.clone();
    newer["modified"] = json!(T1);
    let (_, added) = add(&server, SUBMITTER, &[&newer]).await;
    let new = report_in(&added, &stix_id("indicator", 3), ADDED);
    assert_ne!(new, old);
    let (_, older) = add(&server, SUBMITTER, &[&standalone]).await;
    assert_eq!(report_in(&older, &stix_id("indicator", 3), AGAIN), old);
    assert_eq!(reports_stored(&server).await, 3);

    let found = reports_from(&server, SUBMITTER, &stix_id("indicator", 3)).await;
    let versions: Vec<(&Value, &Value)> = found["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| (&r["id"], &r["stix"][0]["version"]))
        .collect();
    assert_eq!(
        versions,
        [(&json!(new), &json!(T1)), (&json!(old), &json!(T0))]
    );
}

#[tokio::test]
async fn identical_envelopes_added_concurrently_make_one_report_per_object() {
    let server = TestServer::start().await;
    let mut sources = 0;
    for round in 0..5 {
        let base = round * 100;
        let parts: Vec<Value> = (1..=2).map(|n| indicator(base + n)).collect();
        let mut objects: Vec<Value> = (10..20).map(|n| indicator(base + n)).collect();
        objects.push(report(base, &parts.iter().collect::<Vec<_>>()));
        let source_ids: Vec<String> = objects
            .iter()
            .map(|o| o["id"].as_str().unwrap().into())
            .collect();
        objects.extend(parts);
        let objects: Vec<&Value> = objects.iter().collect();
        let ((_, one), (_, two)) = tokio::join!(
            add(&server, SUBMITTER, &objects),
            add(&server, SUBMITTER, &objects)
        );
        for id in &source_ids {
            let named = [&one, &two].map(|outcomes| {
                let message = outcomes[id].as_ref().expect("a success");
                let report = message.rsplit(' ').next().unwrap().to_string();
                let said = [format!("{ADDED}{report}"), format!("{AGAIN}{report}")];
                assert!(said.contains(message), "round {round}: {id}: {message}");
                report
            });
            assert_eq!(named[0], named[1], "round {round}: {id}");
        }
        sources += source_ids.len() as i64;
        assert_eq!(reports_stored(&server).await, sources, "round {round}");
    }
}

/// `indicator(n)` for the domain `domain`.
fn indicator_for(n: u32, domain: &str) -> Value {
    let mut object = indicator(n);
    object["pattern"] = json!(format!("[domain-name:value = '{domain}']"));
    object
}

#[tokio::test]
async fn indicators_of_one_campaign_in_one_envelope_share_a_case() {
    let server = TestServer::start().await;
    // 20 indicators (more than the 16 decided together): the first, ninth and
    // last name one domain, the second and the third another, the rest one each.
    let objects: Vec<Value> = (0..20)
        .map(|n| match n {
            0 | 8 | 19 => indicator_for(n, "campaign-a.example"),
            1 | 2 => indicator_for(n, "campaign-b.example"),
            _ => indicator(n),
        })
        .collect();
    let sent: Vec<&Value> = objects.iter().collect();
    let (_, outcomes) = add(&server, SUBMITTER, &sent).await;
    let mut case_of = HashMap::new();
    for n in 0..20 {
        let report = report_in(&outcomes, &stix_id("indicator", n), ADDED);
        let case: String = sqlx::query_scalar("SELECT case_id FROM reports WHERE id = $1")
            .bind(&report)
            .fetch_one(&server.db)
            .await
            .unwrap();
        case_of.insert(n, case);
    }
    assert_eq!(case_of[&0], case_of[&8]);
    assert_eq!(case_of[&0], case_of[&19]);
    assert_eq!(case_of[&1], case_of[&2]);
    let distinct: HashSet<&String> = case_of.values().collect();
    assert_eq!(
        distinct.len(),
        20 - 3,
        "one case per campaign, one per lone indicator"
    );
    let counted: i64 = sqlx::query_scalar("SELECT report_count FROM cases WHERE id = $1")
        .bind(&case_of[&0])
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(counted, 3);
}

#[tokio::test]
async fn rest_import_refuses_a_bad_bundle_whole_and_flags_duplicates() {
    let server = TestServer::start().await;
    let standalone = indicator(1);
    let mut unparseable = indicator(2);
    unparseable["pattern"] = json!("[domain-name:value = ");
    let refused = server
        .post(
            SUBMITTER,
            "/communities/council/stix",
            &bundle(&[&standalone, &unparseable]),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(
        refused.body["field"],
        format!("{}.pattern", stix_id("indicator", 2))
    );
    assert_eq!(reports_stored(&server).await, 0, "nothing imported");

    let import = async |who: &str| {
        let reply = server
            .post(who, "/communities/council/stix", &bundle(&[&standalone]))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        let imported = reply.body["imported"].as_array().expect("imported").clone();
        assert_eq!(imported.len(), 1, "{:?}", reply.body);
        let expected = ["case_id", "duplicate", "report_id", "source", "status"];
        assert_eq!(fields(&imported[0]), expected);
        assert_eq!(imported[0]["source"], stix_id("indicator", 1));
        imported[0].clone()
    };
    let first = import(SUBMITTER).await;
    assert_eq!(first["duplicate"], false);
    let report_id = first["report_id"]
        .as_str()
        .expect("a report id")
        .to_string();
    let own = server
        .get(SUBMITTER, &format!("/reports/{report_id}"))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert_eq!(
        (&own.body["status"], &own.body["case_id"]),
        (&first["status"], &first["case_id"])
    );

    let second = import(SUBMITTER).await;
    assert_eq!(
        (&second["duplicate"], &second["report_id"]),
        (&json!(true), &first["report_id"])
    );
    let (_, outcomes) = add(&server, SUBMITTER, &[&standalone]).await;
    assert_eq!(
        report_in(&outcomes, &stix_id("indicator", 1), AGAIN),
        report_id
    );
    assert_eq!(reports_stored(&server).await, 1);

    // Another organisation sending the same object makes its own report.
    let theirs = import(READER).await;
    assert_eq!(theirs["duplicate"], false);
    assert_ne!(theirs["report_id"], first["report_id"]);
    assert_eq!(reports_stored(&server).await, 2);
}

/// How long the upload takes is not asserted, only that all of it arrives.
#[tokio::test]
async fn taxii2_client_adds_two_thousand_indicators_in_envelopes_of_a_hundred() {
    let server = TestServer::start().await;
    let args = [server.base.as_str(), server.token(SUBMITTER), "2000", "100"];
    let stdout = isac_tests::python("taxii_add", "taxii_add.py", &args).await;
    let statuses: Vec<Value> = serde_json::from_str(&stdout).expect("a JSON list of statuses");
    assert_eq!(statuses.len(), 20);
    let (mut reports, mut sources, mut not_added) = (Vec::new(), HashSet::new(), Vec::new());
    for status in &statuses {
        assert_eq!(
            (&status["total_count"], &status["success_count"]),
            (&json!(100), &json!(100)),
            "{status}"
        );
        for entry in status["successes"].as_array().expect("successes") {
            sources.insert(entry["id"].as_str().expect("an id").to_string());
            let message = entry["message"].as_str().expect("a message");
            match message.strip_prefix(ADDED) {
                Some(report) => reports.push(report.to_string()),
                None => not_added.push(entry.clone()),
            }
        }
    }
    let first = not_added.first();
    assert!(
        not_added.is_empty(),
        "{} not added, e.g. {first:?}",
        not_added.len()
    );
    let sent: HashSet<String> = (0..2000).map(|n| stix_id("indicator", n)).collect();
    assert_eq!(sources, sent);
    let reports: HashSet<String> = reports.into_iter().collect();
    assert_eq!(reports.len(), 2000, "one report per indicator");
    assert_eq!(reports_stored(&server).await, 2000);
    let listed = server.inbox_reports(READER).await;
    let delivered: HashSet<String> = listed.iter().cloned().collect();
    // Named, not printed whole: two sets of 2,000 ids hide which ones differ.
    let missing: Vec<&String> = reports.difference(&delivered).take(5).collect();
    let extra: Vec<&String> = delivered.difference(&reports).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && listed.len() == reports.len(),
        "the reader received every report once, and nothing else: {} listed, {} distinct; \
         missing (first 5 of {}) {missing:?}; not sent (first 5 of {}) {extra:?}",
        listed.len(),
        delivered.len(),
        reports.difference(&delivered).count(),
        delivered.difference(&reports).count(),
    );
}
