//! STIX and TAXII with the tools ISACs already run: the OASIS Python packages
//! `taxii2-client` and `stix2-validator` drive the real server
//! (`tests/python/taxii_interop.py`), and STIX import refuses what it cannot map.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::json;

async fn submit_reports(server: &TestServer, count: usize) {
    for n in 0..count {
        let body = json!({"title": format!("Campaign {n}"), "body": "Seen at a bank", "tlp": "green",
            "confidence": "confirmed", "indicators": [{"kind": "domain", "value": format!("interop{n}.example")},
            {"kind": "cve", "value": "CVE-2024-3094"}]});
        let sent = server
            .post("sakura-bank@council", "/communities/council/reports", &body)
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    }
}

#[tokio::test]
async fn standard_taxii_and_stix_tools_work_against_the_server() {
    let server = TestServer::start().await;
    submit_reports(&server, 4).await;
    let (reader, submitter) = (
        server.token("tokyo@council"),
        server.token("sakura-bank@council"),
    );
    let args = [server.base.as_str(), reader, submitter, "4"];
    let stdout = isac_tests::python("interop", "taxii_interop.py", &args).await;
    assert!(stdout.starts_with("OK: "), "{stdout}");
}

#[tokio::test]
async fn a_bundle_that_cannot_be_mapped_is_refused_whole_naming_object_and_field() {
    let server = TestServer::start().await;
    let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    let fine = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000001",
        "pattern": "[domain-name:value = 'fine.example']", "pattern_type": "stix", "confidence": 80,
        "object_marking_refs": [green]});
    let unmarked = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000002",
        "pattern": "[domain-name:value = 'unmarked.example']", "pattern_type": "stix", "confidence": 80});
    let bad_ip = json!({"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000003",
        "pattern": "[ipv4-addr:value = '300.1.1.1']", "pattern_type": "stix", "confidence": 80,
        "object_marking_refs": [green]});
    let cases = [
        (
            unmarked,
            "indicator--00000000-0000-4000-8000-000000000002.object_marking_refs",
        ),
        (
            bad_ip,
            "indicator--00000000-0000-4000-8000-000000000003.pattern",
        ),
    ];
    for (bad, field) in cases {
        let bundle = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
                            "objects": [fine.clone(), bad]});
        let reply = server
            .post("sakura-bank@council", "/communities/council/stix", &bundle)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            reply.body
        );
        assert_eq!(reply.body["field"], field);
    }
    let stored = isac_host::store::scalar_i64(
        &server.db,
        "SELECT COUNT(*) FROM reports WHERE community_id = $1",
        "council",
    )
    .await
    .unwrap();
    assert_eq!(stored, 0, "nothing half-imported");
    let bundle = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [fine]});
    let reply = server
        .post("sakura-bank@council", "/communities/council/stix", &bundle)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(reply.body["imported"][0]["status"], "delivered");
}
