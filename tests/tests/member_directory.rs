//! `GET /communities/{id}/members`: staff see every seat and its status; a
//! member sees the approved members' organisations of its own community only.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn organisations(directory: &Value) -> Vec<&str> {
    let members = directory["members"].as_array().expect("members");
    members
        .iter()
        .map(|m| m["organisation"].as_str().expect("name"))
        .collect()
}

#[tokio::test]
async fn staff_see_every_seat_and_members_see_who_they_can_name() {
    let server = TestServer::start().await;
    let path = "/communities/council/members";
    let tokyo = server.member_id("tokyo@council").await;
    let suspend = format!("/members/{tokyo}/suspend");
    let reason = json!({"reason": "audit pending"});
    let suspended = server.post("steering_committee", &suspend, &reason).await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);

    let staff = server.get("operator@council", path).await;
    assert_eq!(staff.status, StatusCode::OK, "{:?}", staff.body);
    assert_eq!(
        organisations(&staff.body),
        [
            "Example Security KK",
            "Example University",
            "Kanto Electric Power",
            "National Incident Readiness Center",
            "Sakura Bank",
            "Tokyo Metropolitan Government",
        ]
    );
    let entry = &staff.body["members"][5];
    assert_eq!(entry["id"], tokyo);
    assert_eq!(
        (
            &entry["kind"],
            &entry["sector"],
            &entry["class"],
            &entry["status"]
        ),
        (
            &json!("local_government"),
            &json!("government"),
            &json!("general"),
            &json!("suspended")
        )
    );
    for who in ["steering_committee", "secretariat"] {
        assert_eq!(server.get(who, path).await.body, staff.body, "{who}");
    }

    // A member: the approved organisations and their ids, nothing about seats.
    let nisc = server.get("nisc@council", path).await;
    assert_eq!(nisc.status, StatusCode::OK, "{:?}", nisc.body);
    assert_eq!(
        organisations(&nisc.body).len(),
        5,
        "the suspended member is left out"
    );
    let first = nisc.body["members"][0].as_object().expect("an entry");
    assert_eq!(first.keys().collect::<Vec<_>>(), ["id", "organisation"]);

    for (who, status) in [
        ("momiji-bank@financials-isac", StatusCode::FORBIDDEN),
        ("operator@ict-isac", StatusCode::FORBIDDEN),
        ("", StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(server.get(who, path).await.status, status, "{who}");
    }
    let unknown = server
        .get("secretariat", "/communities/nowhere/members")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
