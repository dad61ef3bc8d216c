//! Text the host derives from reports (case titles and figures, feedback titles,
//! forwarded copies) reaches a member only as that member's own views allow, and a
//! report's audience never leaves the community its source chose except through a
//! forward of at most TLP:GREEN.

use isac_tests::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn report(title: &str, tlp: &str, confidence: &str, domain: &str) -> Value {
    json!({
        "title": title, "body": format!("{title}. Details follow."), "tlp": tlp,
        "confidence": confidence, "indicators": [{"kind": "domain", "value": domain}]
    })
}

async fn submit(server: &TestServer, who: &str, community: &str, body: &Value) -> Value {
    let reply = server
        .post(who, &format!("/communities/{community}/reports"), body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// Everything `who` can read about cases, as one text to search.
async fn case_pages(server: &TestServer, who: &str) -> String {
    let list = server.get(who, "/cases").await;
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    let mut text = list.body.to_string();
    for case in list.body["cases"].as_array().expect("cases") {
        let id = case["id"].as_str().expect("case id");
        let page = server.get(who, &format!("/cases/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        text.push_str(&page.body.to_string());
    }
    text
}

/// The one case `who` sees in its list, by id.
async fn case_as_seen_by(server: &TestServer, who: &str, case: &Value) -> Value {
    let list = server.get(who, "/cases").await;
    list.body["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == *case)
        .cloned()
        .unwrap_or_else(|| panic!("{who} does not see case {case}: {:?}", list.body))
}

#[tokio::test]
async fn a_red_report_that_opened_a_case_never_titles_it_for_other_readers() {
    let server = TestServer::start().await;
    let named = server.member_id("example-security@council").await;
    let mut red = report(
        "RED: NISC mail server compromised",
        "red",
        "confirmed",
        "x.example",
    );
    red["named_recipients"] = json!([named]);
    let red = submit(&server, "nisc@council", "council", &red).await;
    let green = submit(
        &server,
        "tokyo@council",
        "council",
        &report(
            "Odd lookups of a domain",
            "green",
            "unconfirmed",
            "x.example",
        ),
    )
    .await;
    assert_eq!(red["case_id"], green["case_id"], "one campaign");

    // A member that received only the GREEN report sees the case through it alone:
    // its title, its time, its (lower) confidence, one visible report.
    let seen = case_as_seen_by(&server, "sakura-bank@council", &green["case_id"]).await;
    assert_eq!(seen["title"], "Odd lookups of a domain");
    assert_eq!(seen["confidence"], "unconfirmed");
    assert_eq!(seen["visible_reports"], 1);
    let pages = case_pages(&server, "sakura-bank@council").await;
    assert!(!pages.contains("NISC"), "{pages}");
    // The case list carried a view's title: the read is in the audit chain.
    let sakura = server.member_id("sakura-bank@council").await;
    let listed: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'views.read' AND object = 'cases' AND actor = $1",
    )
    .bind(format!("member:{sakura}"))
    .fetch_all(&server.db)
    .await
    .unwrap();
    assert_eq!(listed.len(), 2, "one entry per listing: {listed:?}");
    assert!(!pages.contains("compromised"), "{pages}");

    // The named recipient received the RED report first and sees its title.
    let named = case_as_seen_by(&server, "example-security@council", &red["case_id"]).await;
    assert_eq!(named["title"], "RED: NISC mail server compromised");
    assert_eq!(named["confidence"], "confirmed");
    assert_eq!(named["visible_reports"], 2);

    // Another community's member receives neither report, so no case at all.
    let outsider = server.get("example-motors@j-auto-isac", "/cases").await;
    assert_eq!(outsider.body["cases"], json!([]));
    let path = format!("/cases/{}", red["case_id"].as_str().unwrap());
    let page = server.get("example-motors@j-auto-isac", &path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_demo_sample_never_shows_the_masked_victim_to_a_vendor() {
    let server = TestServer::start().await;
    // The demo's sample report (`isac_host::demo::sample_delivery`), as Sakura Bank sends it.
    let sample = json!({
        "title": "Sample: credential phishing against Sakura Bank customers",
        "body": "Look-alike login pages sent by SMS; Sakura Bank confirmed two victims.",
        "tlp": "green", "confidence": "confirmed", "victim": "Sakura Bank",
        "tags": ["phishing"],
        "indicators": [{"kind": "domain", "value": "sakura-bank-secure.example"}]
    });
    let sent = submit(&server, "sakura-bank@council", "council", &sample).await;
    let vendor = "example-security@council";
    let mut everything = case_pages(&server, vendor).await;
    let inbox = server.get(vendor, "/inbox").await;
    everything.push_str(&inbox.body.to_string());
    for item in inbox.body["items"].as_array().expect("items") {
        let path = format!("/inbox/{}", item["delivery_id"]);
        everything.push_str(&server.get(vendor, &path).await.body.to_string());
    }
    let stix = server.get(vendor, "/inbox/stix").await;
    everything.push_str(&stix.body.to_string());
    assert!(everything.contains(sent["report_id"].as_str().unwrap()));
    assert!(
        !everything.to_lowercase().contains("sakura bank"),
        "{everything}"
    );
    let seen = case_as_seen_by(&server, vendor, &sent["case_id"]).await;
    assert_eq!(
        seen["title"],
        "Sample: credential phishing against ███████████ customers"
    );
    // The submitter's own organisation still reads its own words.
    let own = case_as_seen_by(&server, "sakura-bank@council", &sent["case_id"]).await;
    assert_eq!(
        own["title"],
        "Sample: credential phishing against Sakura Bank customers"
    );
}

#[tokio::test]
async fn feedback_does_not_carry_the_case_title() {
    let server = TestServer::start().await;
    let named = server.member_id("example-security@council").await;
    let mut red = report("RED: the secret title", "red", "confirmed", "y.example");
    red["named_recipients"] = json!([named]);
    let red = submit(&server, "tokyo@council", "council", &red).await;
    let case = red["case_id"].as_str().unwrap();
    let given = server
        .post(
            "example-security@council",
            &format!("/cases/{case}/feedback"),
            &json!({"kind": "useful", "comment": ""}),
        )
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{:?}", given.body);
    // Every recipient of the feedback (the task force, the submitters) reads a title
    // naming the case by id, never the RED report's words.
    for who in ["nisc@council", "tokyo@council", "example-security@council"] {
        let inbox = server.get(who, "/inbox?limit=500").await;
        let item = inbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["report_id"] == given.body["delivered_as"])
            .cloned()
            .unwrap_or_else(|| panic!("{who} receives the feedback"));
        assert_eq!(item["title"], format!("Feedback (useful) on case {case}"));
    }
    let nisc = server.get("nisc@council", "/inbox?limit=500").await;
    assert!(
        !nisc.body.to_string().contains("secret title"),
        "{:?}",
        nisc.body
    );
}

#[tokio::test]
async fn amber_never_leaves_its_community_and_green_forwards_show_where_they_came_from() {
    let server = TestServer::start().await;
    let amber = submit(
        &server,
        "momiji-bank@financials-isac",
        "financials-isac",
        &report("Wire fraud tooling", "amber", "confirmed", "amber.example"),
    )
    .await;
    assert_eq!(amber["forwards"], json!([]), "{amber}");
    let council_inbox = server.inbox_reports("tokyo@council").await;
    assert!(council_inbox.is_empty(), "{council_inbox:?}");

    let green = submit(
        &server,
        "momiji-bank@financials-isac",
        "financials-isac",
        &report("Fake MFA page", "green", "confirmed", "green.example"),
    )
    .await;
    let forwards = green["forwards"].as_array().expect("forwarded");
    assert_eq!(forwards.len(), 1, "{green}");
    let copy_id = forwards[0]["report_id"].as_str().unwrap();
    let inbox = server.get("tokyo@council", "/inbox").await;
    let item = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["report_id"] == copy_id)
        .cloned()
        .expect("the Council copy");
    let view = server
        .get("tokyo@council", &format!("/inbox/{}", item["delivery_id"]))
        .await
        .body;
    assert_eq!(
        view["view"]["forwarded_through"],
        json!(["financials-isac"])
    );
    assert_eq!(view["view"]["tlp"], "green");
    assert!(!view.to_string().contains("Momiji"), "{view}");
}

#[tokio::test]
async fn a_report_reaches_only_its_own_community_whatever_its_label() {
    let server = TestServer::start().await;
    for tlp in ["clear", "green", "amber"] {
        let sent = submit(
            &server,
            "tokyo@council",
            "council",
            &report(
                &format!("{tlp} report"),
                tlp,
                "confirmed",
                &format!("{tlp}.example"),
            ),
        )
        .await;
        let id = sent["report_id"].as_str().unwrap().to_string();
        for outsider in [
            "example-motors@j-auto-isac",
            "sakura-bank@financials-isac",
            "example-security@ict-isac",
        ] {
            let inbox = server.inbox_reports(outsider).await;
            assert!(
                !inbox.contains(&id),
                "{outsider} received a {tlp} council report"
            );
        }
        assert!(
            server
                .inbox_reports("sakura-bank@council")
                .await
                .contains(&id)
        );
    }
}

#[tokio::test]
async fn a_red_report_cannot_name_a_recipient_outside_its_community() {
    let server = TestServer::start().await;
    let outsider = server.member_id("example-motors@j-auto-isac").await;
    let insider = server.member_id("nisc@council").await;
    let mut red = report("Named across", "red", "confirmed", "z.example");
    red["named_recipients"] = json!([insider, outsider]);
    let refused = server
        .post("tokyo@council", "/communities/council/reports", &red)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["field"], "named_recipients[1]");
    assert!(
        server
            .inbox_reports("example-motors@j-auto-isac")
            .await
            .is_empty()
    );
}
