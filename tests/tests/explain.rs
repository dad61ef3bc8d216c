//! "Why did this member get this?" (`GET /communities/{id}/decisions/{report}/explain`):
//! a member who received the original, a redacted view, a delayed view, and
//! nothing (TLP:RED, the plugin's routing, a contract 0.2 selector); who may
//! ask, and what a member is never told.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Sakura Bank's report to `community`; its id.
async fn submit(server: &TestServer, community: &str, report: Value) -> String {
    let path = format!("/communities/{community}/reports");
    let reply = server
        .post(&format!("sakura-bank@{community}"), &path, &report)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body["report_id"]
        .as_str()
        .expect("report id")
        .to_string()
}

fn report(tlp: &str, confidence: &str) -> Value {
    json!({
        "title": "Look-alike login pages at Sakura Bank", "body": "SMS lures.", "tlp": tlp,
        "confidence": confidence, "victim": "Sakura Bank",
        "indicators": [{"kind": "domain", "value": "sakura-login.example"}]
    })
}

/// The explanation an operator of `community` gets for `member`.
async fn explained(server: &TestServer, community: &str, report: &str, member: &str) -> Value {
    let id = server.member_id(member).await;
    let path = format!("/communities/{community}/decisions/{report}/explain?member={id}");
    let reply = server.get(&format!("operator@{community}"), &path).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

fn codes(explanation: &Value) -> Vec<&str> {
    explanation["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect()
}

#[tokio::test]
async fn each_member_is_told_the_rule_that_decided_what_it_got() {
    let server = TestServer::start().await;
    let green = submit(&server, "council", report("green", "confirmed")).await;

    let own = explained(&server, "council", &green, "sakura-bank@council").await;
    assert_eq!(own["received"], true);
    assert_eq!(codes(&own), ["own_organisation"]);
    assert_eq!(own["delivery"]["redacted"]["masked_spans"], 0);
    assert_eq!(own["member"]["organisation"], "Sakura Bank");

    // The baseline is on contract 0.2: its second group's selector chose Tokyo.
    // The decision log names the recipients by their organisations.
    let log = server
        .get("operator@council", "/communities/council/decisions")
        .await;
    let tokyo_id = server.member_id("tokyo@council").await.to_string();
    assert_eq!(
        log.body["member_names"][tokyo_id.as_str()],
        "Tokyo Metropolitan Government"
    );

    let outsider = explained(&server, "council", &green, "tokyo@council").await;
    assert_eq!(outsider["received"], true);
    assert_eq!(codes(&outsider), ["routed", "selector", "redacted"]);
    assert_eq!(outsider["reasons"][1]["selector"][0], 1);
    assert_eq!(outsider["delivery"]["redacted"]["masked_spans"], 2);
    assert_eq!(outsider["delivery"]["delay_seconds"], 0);

    let tokyo = server.member_id("tokyo@council").await;
    let red = json!({"named_recipients": [tokyo]});
    let mut red_report = report("red", "confirmed");
    red_report
        .as_object_mut()
        .unwrap()
        .extend(red.as_object().unwrap().clone());
    let red = submit(&server, "council", red_report).await;
    let unnamed = explained(&server, "council", &red, "nisc@council").await;
    assert_eq!(unnamed["received"], false);
    assert_eq!(codes(&unnamed), ["tlp_red"]);
    assert!(unnamed.get("delivery").is_none());

    let suspicion = submit(&server, "council", report("green", "suspicion")).await;
    let general = explained(&server, "council", &suspicion, "tokyo@council").await;
    assert_eq!(general["received"], false);
    assert_eq!(codes(&general), ["not_routed", "no_selector"]);

    // Give-and-take holds reports back a day from members who gave nothing lately.
    let settings = json!({"free_rider_delay_hours": 24});
    let plugin = isac_plugin_artifacts::GIVE_AND_TAKE;
    server
        .activate("council", plugin, settings, "plugins/give-and-take")
        .await;
    let later = submit(&server, "council", report("green", "confirmed")).await;
    let free_rider = explained(&server, "council", &later, "tokyo@council").await;
    assert_eq!(free_rider["received"], true);
    assert_eq!(
        codes(&free_rider),
        ["routed", "selector", "redacted", "delayed"]
    );
    assert_eq!(
        free_rider["reasons"][1]["selector"][0], 4,
        "everyone, after the providers"
    );
    assert_eq!(free_rider["delivery"]["delay_seconds"], 86_400);
}

#[tokio::test]
async fn a_member_hears_only_about_what_it_can_already_read() {
    let server = TestServer::start().await;
    let green = submit(&server, "council", report("green", "confirmed")).await;
    let suspicion = submit(&server, "council", report("green", "suspicion")).await;
    let path = |report: &str| format!("/communities/council/decisions/{report}/explain");

    let own = server.get("tokyo@council", &path(&green)).await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert_eq!(codes(&own.body), ["routed", "selector", "redacted"]);
    assert!(
        own.body["reasons"][1].get("selector").is_none(),
        "{}",
        own.body
    );

    // A report it did not receive is not found, as if it did not exist.
    let missed = server.get("tokyo@council", &path(&suspicion)).await;
    assert_eq!(missed.status, StatusCode::NOT_FOUND, "{:?}", missed.body);
    let unknown = server.get("tokyo@council", &path("r-unknown")).await;
    assert_eq!(
        (missed.status, &missed.body),
        (unknown.status, &unknown.body)
    );

    let nisc = server.member_id("nisc@council").await;
    let other = server
        .get("tokyo@council", &format!("{}?member={nisc}", path(&green)))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{:?}", other.body);

    let elsewhere = server
        .get(
            "operator@ict-isac",
            &format!("{}?member={nisc}", path(&green)),
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        elsewhere.body
    );

    let unnamed = server.get("operator@council", &path(&green)).await;
    assert_eq!(
        unnamed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        unnamed.body
    );
    assert_eq!(unnamed.body["field"], "member");

    let outsider = server.member_id("momiji-bank@financials-isac").await;
    let foreign = server
        .get(
            "operator@council",
            &format!("{}?member={outsider}", path(&green)),
        )
        .await;
    assert_eq!(
        foreign.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        foreign.body
    );
}

#[tokio::test]
async fn a_contract_0_2_decision_names_the_selector_that_chose_the_member() {
    let server = TestServer::start().await;
    let plugin = isac_plugin_artifacts::SELECTORS;
    let fixtures = "plugins/testing/selectors";
    server
        .activate("financials-isac", plugin, json!({}), fixtures)
        .await;
    let id = submit(&server, "financials-isac", report("green", "confirmed")).await;

    let peer = explained(
        &server,
        "financials-isac",
        &id,
        "momiji-bank@financials-isac",
    )
    .await;
    assert_eq!(codes(&peer), ["routed", "selector"]);
    let selector = &peer["reasons"][1]["selector"];
    assert_eq!(selector[0], 1, "{peer}");
    assert_eq!(selector[1]["filter"]["sectors"], json!(["financials"]));

    // The member itself is not shown the plugin's selectors.
    let path = format!("/communities/financials-isac/decisions/{id}/explain");
    let own = server.get("momiji-bank@financials-isac", &path).await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert!(
        !own.body.to_string().contains("selector\":["),
        "{}",
        own.body
    );
}
