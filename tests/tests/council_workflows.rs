//! The Council's workflows from the source document, end to end over HTTP on a
//! real SQLite file: fiscal-year statistics (with the FY2023 and membership
//! fixtures), early reports and their upgrade, feedback and contribution,
//! countermeasure publications, task-force notes, merge and split, trend reports.

use isac_tests::TestServer;
use isac_tests::council_fixture::{self, MEMBERSHIP_COUNTS, MEMBERSHIP_DATES};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn report(title: &str, tlp: &str, confidence: &str, indicator: (&str, &str)) -> Value {
    json!({
        "title": title, "body": format!("{title}: details."), "tlp": tlp, "confidence": confidence,
        "indicators": [{"kind": indicator.0, "value": indicator.1}]
    })
}

async fn submit(server: &TestServer, who: &str, body: &Value) -> Value {
    let reply = server.post(who, "/communities/council/reports", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

/// The member's inbox items (delivery id, report id, case id, title).
async fn inbox(server: &TestServer, who: &str) -> Vec<Value> {
    let reply = server.get(who, "/inbox?limit=500").await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["items"].as_array().expect("items").clone()
}

async fn delivery_of(server: &TestServer, who: &str, report_id: &str) -> Option<Value> {
    inbox(server, who)
        .await
        .into_iter()
        .find(|item| item["report_id"] == report_id)
}

async fn contribution(server: &TestServer, who: &str) -> Value {
    let reply = server.get(who, "/contribution").await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["contribution"].clone()
}

async fn this_year(server: &TestServer, who: &str) -> Value {
    let reply = server.get(who, "/statistics?community=council").await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

/// The members of the Council counted at a moment after every change made here.
async fn council_members_later(server: &TestServer) -> i64 {
    let stats = server
        .get(
            "secretariat",
            "/statistics?community=council&members_at=2099-12-31",
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    stats.body["members"][0]["count"].as_i64().expect("count")
}

#[tokio::test]
async fn a_class_change_leaves_the_member_counted() {
    let server = TestServer::start().await;
    let before = council_members_later(&server).await;
    let tokyo = server.member_id("tokyo@council").await;
    let change = json!({"class": "task_force_class2", "reason": "joins the task force"});
    let changed = server
        .put(
            "steering_committee",
            &format!("/members/{tokyo}/class"),
            &change,
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(council_members_later(&server).await, before);
    // A suspension keeps it a member; an expulsion ends that.
    for (transition, members) in [("suspend", before), ("expel", before - 1)] {
        let path = format!("/members/{tokyo}/{transition}");
        let reason = json!({"reason": "audit"});
        let done = server.post("steering_committee", &path, &reason).await;
        assert_eq!(done.status, StatusCode::OK, "{transition}: {:?}", done.body);
        assert_eq!(
            council_members_later(&server).await,
            members,
            "{transition}"
        );
    }
}

#[tokio::test]
async fn fy2023_statistics_and_membership_match_the_source_document() {
    let server = TestServer::start().await;
    council_fixture::load_fy2023(&server.db)
        .await
        .expect("FY2023 fixture");
    council_fixture::load_membership(&server.db)
        .await
        .expect("membership fixture");
    let path = format!(
        "/statistics?community=council&fiscal_year=2023&members_at={}",
        MEMBERSHIP_DATES.join(",")
    );
    let stats = server.get("secretariat", &path).await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    let body = &stats.body;
    assert_eq!(body["fiscal_year"], 2023);
    assert_eq!(
        body["cases"],
        json!({"total": 52, "continuing": 17, "new": 35, "closed": 10})
    );
    assert_eq!(
        body["publications"],
        json!({"total": 36, "public": 20, "limited": 16})
    );
    assert_eq!(body["trend_reports"], 29);
    let counts: Vec<i64> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, MEMBERSHIP_COUNTS);

    // The year before: 12 trend reports, the 3 publications, and the cases then active.
    let before = server
        .get(
            "steering_committee",
            "/statistics?fiscal_year=2022&members_at=2023-03-31",
        )
        .await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body["trend_reports"], 12);
    assert_eq!(before.body["publications"]["total"], 3);
    assert_eq!(before.body["cases"]["total"], 23);
    assert_eq!(before.body["members"][0]["count"], 303);

    // Members of the Council may read it; members of other communities may not.
    assert_eq!(
        server
            .get("tokyo@council", "/statistics?fiscal_year=2023")
            .await
            .status,
        StatusCode::OK
    );
    let outsider = server
        .get("example-motors@j-auto-isac", "/statistics?fiscal_year=2023")
        .await;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN);
    let bad = server
        .get("secretariat", "/statistics?fiscal_year=twenty")
        .await;
    assert_eq!(
        (bad.status, &bad.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("fiscal_year"))
    );
    let bad = server
        .get("secretariat", "/statistics?members_at=2024-02-30")
        .await;
    assert_eq!(
        (bad.status, &bad.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("members_at"))
    );
}

#[tokio::test]
async fn cases_are_open_until_closed_and_count_in_this_fiscal_year() {
    let server = TestServer::start().await;
    let first = submit(
        &server,
        "sakura-bank@council",
        &report("Phishing", "green", "confirmed", ("domain", "a.example")),
    )
    .await;
    submit(
        &server,
        "tokyo@council",
        &report("Scan", "green", "confirmed", ("ipv4", "192.0.2.7")),
    )
    .await;
    let case = first["case_id"].as_str().unwrap();
    let shown = server.get("tokyo@council", &format!("/cases/{case}")).await;
    assert_eq!(shown.body["status"], "open");
    assert_eq!(
        this_year(&server, "tokyo@council").await["cases"],
        json!({"total": 2, "continuing": 0, "new": 2, "closed": 0})
    );

    assert_eq!(
        server
            .post("tokyo@council", &format!("/cases/{case}/close"), &json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server
            .post(
                "operator@j-auto-isac",
                &format!("/cases/{case}/close"),
                &json!({})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let closed = server
        .post(
            "operator@council",
            &format!("/cases/{case}/close"),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    let again = server
        .post(
            "operator@council",
            &format!("/cases/{case}/close"),
            &json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        server
            .get("tokyo@council", &format!("/cases/{case}"))
            .await
            .body["status"],
        "closed"
    );
    // Closed this year: still handled this year, and counted as closed.
    assert_eq!(
        this_year(&server, "tokyo@council").await["cases"],
        json!({"total": 2, "continuing": 0, "new": 2, "closed": 1})
    );
    let audit = server.get("secretariat", "/audit").await;
    assert!(
        audit.body.to_string().contains("case.close"),
        "{:?}",
        audit.body
    );
    // A closed case is no longer a dedup candidate: the same indicator opens a new one.
    let later = submit(
        &server,
        "tokyo@council",
        &report(
            "Phishing again",
            "green",
            "confirmed",
            ("domain", "a.example"),
        ),
    )
    .await;
    assert_ne!(later["case_id"], first["case_id"]);
}

#[tokio::test]
async fn an_early_suspicion_reaches_the_task_force_and_is_upgraded_by_follow_ups() {
    let server = TestServer::start().await;
    let early = submit(
        &server,
        "sakura-bank@council",
        &report(
            "Something odd",
            "green",
            "suspicion",
            ("domain", "odd.example"),
        ),
    )
    .await;
    let early_id = early["report_id"].as_str().unwrap();
    assert!(
        delivery_of(&server, "example-university@council", early_id)
            .await
            .is_some(),
        "class 2 gets it"
    );
    assert!(
        delivery_of(&server, "nisc@council", early_id)
            .await
            .is_some(),
        "class 1 gets it"
    );
    assert!(
        delivery_of(&server, "tokyo@council", early_id)
            .await
            .is_none(),
        "general members do not"
    );
    let case = early["case_id"].as_str().unwrap();
    let shown = server.get("nisc@council", &format!("/cases/{case}")).await;
    assert_eq!(shown.body["confidence"], "suspicion");
    assert_eq!(
        contribution(&server, "sakura-bank@council").await["confirmed_total"],
        0
    );

    let follow_up = submit(
        &server,
        "kanto-power@council",
        &report(
            "Confirmed: odd.example serves malware",
            "green",
            "unconfirmed",
            ("domain", "odd.example"),
        ),
    )
    .await;
    assert_eq!(follow_up["case_id"], early["case_id"]);
    assert_eq!(
        server
            .get("nisc@council", &format!("/cases/{case}"))
            .await
            .body["confidence"],
        "unconfirmed"
    );
    let confirmed = submit(
        &server,
        "tokyo@council",
        &report("Analysed", "green", "confirmed", ("domain", "odd.example")),
    )
    .await;
    assert_eq!(confirmed["case_id"], early["case_id"]);
    assert_eq!(
        server
            .get("nisc@council", &format!("/cases/{case}"))
            .await
            .body["confidence"],
        "confirmed"
    );
    // The early reporter's suspicion became a confirmed report.
    let mine = contribution(&server, "sakura-bank@council").await;
    assert_eq!(
        (
            mine["reports_total"].as_i64(),
            mine["confirmed_total"].as_i64(),
            mine["confirmed_90d"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
}

#[tokio::test]
async fn feedback_reaches_the_submitter_and_the_task_force_and_counts_as_contribution() {
    let server = TestServer::start().await;
    let sent = submit(
        &server,
        "sakura-bank@council",
        &report(
            "Phishing kit",
            "amber",
            "unconfirmed",
            ("domain", "kit.example"),
        ),
    )
    .await;
    let case = sent["case_id"].as_str().unwrap();
    let path = format!("/cases/{case}/feedback");

    let bad = server
        .post("tokyo@council", &path, &json!({"kind": "liked"}))
        .await;
    assert_eq!(
        (bad.status, &bad.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("kind"))
    );
    let empty = server
        .post(
            "tokyo@council",
            &path,
            &json!({"kind": "comment", "comment": " "}),
        )
        .await;
    assert_eq!(
        (empty.status, &empty.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("comment"))
    );
    let other = server
        .post(
            "tokyo@council",
            &path,
            &json!({"kind": "useful", "report": "r-nonexistent"}),
        )
        .await;
    assert_eq!(
        (other.status, &other.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("report"))
    );
    // AMBER stays in the Council: an ISAC member never received the case.
    let outsider = server
        .post(
            "example-motors@j-auto-isac",
            &path,
            &json!({"kind": "sighting"}),
        )
        .await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);

    let given = server
        .post("tokyo@council", &path, &json!({"kind": "sighting", "comment": "Seen it too, 40 mails.", "report": sent["report_id"]}))
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{:?}", given.body);
    let carried = given.body["delivered_as"].as_str().unwrap();
    for who in [
        "sakura-bank@council",
        "nisc@council",
        "example-security@council",
        "example-university@council",
    ] {
        let item = delivery_of(&server, who, carried)
            .await
            .unwrap_or_else(|| panic!("{who} gets the feedback"));
        assert_eq!(item["case_id"], case);
        let view = server
            .get(who, &format!("/inbox/{}", item["delivery_id"]))
            .await
            .body["view"]
            .clone();
        assert_eq!(view["title"], format!("Feedback (sighting) on case {case}"));
        assert_eq!(view["body"], "Seen it too, 40 mails.");
        assert!(
            !view.to_string().contains("Tokyo"),
            "the giver is not named: {view}"
        );
    }
    assert!(
        delivery_of(&server, "kanto-power@council", carried)
            .await
            .is_none(),
        "not the submitter, not task force"
    );

    let giver = contribution(&server, "tokyo@council").await;
    assert_eq!(
        (
            giver["feedback_total"].as_i64(),
            giver["feedback_90d"].as_i64(),
            giver["reports_total"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(
        contribution(&server, "sakura-bank@council").await["reports_total"],
        1
    );
    assert!(
        server
            .get("secretariat", "/audit")
            .await
            .body
            .to_string()
            .contains("feedback.give")
    );
}

#[tokio::test]
async fn countermeasures_are_published_publicly_or_to_a_limited_scope_and_counted() {
    let server = TestServer::start().await;
    let sent = submit(
        &server,
        "sakura-bank@council",
        &report(
            "Ransomware loader",
            "green",
            "confirmed",
            ("sha256", "ab".repeat(32).as_str()),
        ),
    )
    .await;
    let case = sent["case_id"].as_str().unwrap();
    let write = format!("/cases/{case}/countermeasures");
    let text = json!({"title": "Block the loader", "body": "Add the hash to EDR block lists."});
    assert_eq!(
        server.post("tokyo@council", &write, &text).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server
            .post("example-university@council", &write, &text)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = server
        .post(
            "example-security@council",
            &write,
            &json!({"title": "", "body": "x"}),
        )
        .await;
    assert_eq!(
        (bad.status, &bad.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("title"))
    );
    let written = server.post("example-security@council", &write, &text).await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    let cm = written.body["id"].as_str().unwrap();
    let publish = format!("/countermeasures/{cm}/publications");

    let wrong = server
        .post("secretariat", &publish, &json!({"scope": "everyone"}))
        .await;
    assert_eq!(
        (wrong.status, &wrong.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("scope"))
    );
    let unknown = server
        .post(
            "secretariat",
            &publish,
            &json!({"scope": "limited", "communities": ["nowhere"]}),
        )
        .await;
    assert_eq!(
        (unknown.status, &unknown.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("communities[0]"))
    );

    let public = server
        .post(
            "example-security@council",
            &publish,
            &json!({"scope": "public"}),
        )
        .await;
    assert_eq!(public.status, StatusCode::CREATED, "{:?}", public.body);
    let again = server
        .post("secretariat", &publish, &json!({"scope": "public"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    let kanto = server.member_id("kanto-power@council").await;
    let limited = server
        .post(
            "secretariat",
            &publish,
            &json!({"scope": "limited", "members": [kanto], "communities": ["electricity-isac"]}),
        )
        .await;
    assert_eq!(limited.status, StatusCode::CREATED, "{:?}", limited.body);
    assert_eq!(limited.body["recipients"], 2);

    let feed = server.get("", "/public/publications").await;
    assert_eq!(feed.status, StatusCode::OK);
    let entries = feed.body["publications"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only the public one: {entries:?}");
    assert_eq!(
        (entries[0]["title"].as_str(), entries[0]["scope"].as_str()),
        (Some("Block the loader"), Some("public"))
    );
    let atom = reqwest::get(format!("{}/api/v1/public/publications.atom", server.base))
        .await
        .unwrap();
    assert_eq!(
        atom.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let atom = atom.text().await.unwrap();
    assert!(
        atom.contains("<feed") && atom.contains(">Block the loader</title>"),
        "{atom}"
    );
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    // Each entry's id is the publication's own address, readable by anyone.
    let public_id = public.body["id"].as_i64().unwrap();
    let address = format!("/api/v1/public/publications/{public_id}");
    assert!(
        atom.contains(&format!(
            "<id>http://{}{address}</id>",
            server.base.trim_start_matches("http://")
        )),
        "{atom}"
    );
    let entry = server
        .get("", &format!("/public/publications/{public_id}"))
        .await;
    assert_eq!(entry.status, StatusCode::OK, "{:?}", entry.body);
    assert_eq!(entry.body["title"], "Block the loader");
    let limited_id = limited.body["id"].as_i64().unwrap();
    let hidden = server
        .get("", &format!("/public/publications/{limited_id}"))
        .await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "a limited one is not public"
    );

    let scopes = |reply: Value| -> Vec<String> {
        reply["publications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["scope"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        scopes(
            server
                .get("kanto-power@council", "/publications")
                .await
                .body
        ),
        ["limited", "public"]
    );
    assert_eq!(
        scopes(
            server
                .get("kanto-power@electricity-isac", "/publications")
                .await
                .body
        ),
        ["limited", "public"]
    );
    assert_eq!(
        scopes(server.get("tokyo@council", "/publications").await.body),
        ["public"]
    );

    assert_eq!(
        this_year(&server, "secretariat").await["publications"],
        json!({"total": 2, "public": 1, "limited": 1})
    );
    assert_eq!(
        contribution(&server, "example-security@council").await["countermeasures_total"],
        1
    );
    let audit = server.get("secretariat", "/audit").await.body.to_string();
    assert!(audit.contains("countermeasure.write") && audit.contains("publication.publish"));
}

#[tokio::test]
async fn task_force_notes_on_a_case_stay_within_the_task_force() {
    let server = TestServer::start().await;
    let sent = submit(
        &server,
        "sakura-bank@council",
        &report(
            "C2 beacon",
            "green",
            "unconfirmed",
            ("ipv4", "198.51.100.4"),
        ),
    )
    .await;
    let case = sent["case_id"].as_str().unwrap();
    let path = format!("/cases/{case}/notes");
    let note = json!({"title": "Looks like the same actor as last spring", "body": "Unverified: the beacon interval matches."});
    assert_eq!(
        server.post("tokyo@council", &path, &note).await.status,
        StatusCode::FORBIDDEN
    );
    let missing = server
        .post("example-university@council", &path, &json!({"title": "x"}))
        .await;
    assert_eq!(
        (missing.status, &missing.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("body"))
    );
    let written = server
        .post("example-university@council", &path, &note)
        .await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    assert_eq!(written.body["note"]["case_id"], case);
    let id = written.body["note"]["report_id"].as_str().unwrap();
    for who in [
        "example-university@council",
        "nisc@council",
        "example-security@council",
    ] {
        assert!(
            delivery_of(&server, who, id).await.is_some(),
            "{who} is task force"
        );
    }
    for who in [
        "sakura-bank@council",
        "tokyo@council",
        "kanto-power@council",
        "example-security@ict-isac",
    ] {
        assert!(
            delivery_of(&server, who, id).await.is_none(),
            "{who} is not"
        );
    }
    // A note is not a confirmation: the case keeps its confidence.
    assert_eq!(
        server
            .get("nisc@council", &format!("/cases/{case}"))
            .await
            .body["confidence"],
        "unconfirmed"
    );
}

#[tokio::test]
async fn operators_merge_and_split_cases_and_members_see_them_consistently() {
    let server = TestServer::start().await;
    let a = submit(
        &server,
        "sakura-bank@council",
        &report(
            "Campaign A",
            "green",
            "unconfirmed",
            ("domain", "a.example"),
        ),
    )
    .await;
    let b = submit(
        &server,
        "tokyo@council",
        &report("Campaign B", "green", "confirmed", ("domain", "b.example")),
    )
    .await;
    let (case_a, case_b) = (
        a["case_id"].as_str().unwrap(),
        b["case_id"].as_str().unwrap(),
    );
    assert_ne!(case_a, case_b);
    assert_eq!(this_year(&server, "secretariat").await["cases"]["total"], 2);

    let merge = format!("/cases/{case_b}/merge");
    assert_eq!(
        server
            .post("operator@ict-isac", &merge, &json!({"into": case_a}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let itself = server
        .post("operator@council", &merge, &json!({"into": case_b}))
        .await;
    assert_eq!(
        (itself.status, &itself.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("into"))
    );
    let merged = server
        .post("operator@council", &merge, &json!({"into": case_a}))
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{:?}", merged.body);

    let shown = server
        .get("kanto-power@council", &format!("/cases/{case_a}"))
        .await;
    let reports: Vec<&str> = shown.body["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        reports,
        [
            a["report_id"].as_str().unwrap(),
            b["report_id"].as_str().unwrap()
        ]
    );
    assert_eq!(shown.body["confidence"], "confirmed");
    assert_eq!(
        server
            .get("kanto-power@council", &format!("/cases/{case_b}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(this_year(&server, "secretariat").await["cases"]["total"], 1);
    // A later report on B's indicator joins the merged case.
    let later = submit(
        &server,
        "kanto-power@council",
        &report("B again", "green", "unconfirmed", ("domain", "b.example")),
    )
    .await;
    assert_eq!(later["case_id"], case_a);

    let split = format!("/cases/{case_a}/split");
    let bad = server
        .post(
            "operator@council",
            &split,
            &json!({"reports": ["r-unknown"], "title": "B"}),
        )
        .await;
    assert_eq!(
        (bad.status, &bad.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("reports[0]"))
    );
    let moved =
        json!({"reports": [b["report_id"], later["report_id"]], "title": "Campaign B (split)"});
    let done = server.post("operator@council", &split, &moved).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let case_c = done.body["new_case"].as_str().unwrap();
    let shown = server
        .get("kanto-power@council", &format!("/cases/{case_c}"))
        .await;
    // The operator's title is for operators; a member reads the case titled by
    // the first view of it that it received.
    assert_eq!(shown.body["title"], "Campaign B");
    assert_eq!(shown.body["reports"].as_array().unwrap().len(), 2);
    assert_eq!(shown.body["confidence"], "confirmed");
    let left = server
        .get("kanto-power@council", &format!("/cases/{case_a}"))
        .await;
    assert_eq!(left.body["reports"].as_array().unwrap().len(), 1);
    assert_eq!(left.body["confidence"], "unconfirmed");
    assert_eq!(this_year(&server, "secretariat").await["cases"]["total"], 2);
    // B's indicator now belongs to the split-off case alone.
    let again = submit(
        &server,
        "kanto-power@council",
        &report(
            "B once more",
            "green",
            "unconfirmed",
            ("domain", "b.example"),
        ),
    )
    .await;
    assert_eq!(again["case_id"], case_c);
    let audit = server.get("secretariat", "/audit").await.body.to_string();
    assert!(audit.contains("case.merge") && audit.contains("case.split"));
}

#[tokio::test]
async fn a_trend_report_has_the_figures_and_a_chart_and_reaches_members_only() {
    let server = TestServer::start().await;
    submit(
        &server,
        "sakura-bank@council",
        &report("Phishing", "green", "confirmed", ("domain", "p.example")),
    )
    .await;
    submit(
        &server,
        "kanto-power@council",
        &report("Scanning", "amber", "confirmed", ("ipv4", "203.0.113.9")),
    )
    .await;
    // A RED report reached one named recipient: its submitter's sector (education)
    // and its indicator kind (url) stay out of figures that every member reads.
    let mut red = report(
        "Lab breach",
        "red",
        "confirmed",
        ("url", "https://lab.example/x"),
    );
    red["named_recipients"] = json!([server.member_id("nisc@council").await]);
    submit(&server, "example-university@council", &red).await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .date();
    let period =
        json!({"from": (today - time::Duration::days(30)).to_string(), "to": today.to_string()});
    let path = "/communities/council/trend-reports";
    assert_eq!(
        server.post("operator@council", path, &period).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = server
        .post(
            "secretariat",
            path,
            &json!({"from": "2024-13-01", "to": "2024-12-31"}),
        )
        .await;
    assert_eq!(
        (bad.status, &bad.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("from"))
    );

    let made = server.post("secretariat", path, &period).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let figures = &made.body["figures"];
    assert_eq!(
        (figures["cases"].as_i64(), figures["new_cases"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(
        figures["cases_by_sector"],
        json!({"electricity": 1, "financials": 1})
    );
    assert_eq!(
        figures["cases_by_indicator_kind"],
        json!({"domain": 1, "ipv4": 1})
    );
    let report_id = made.body["report_id"].as_str().unwrap();

    let item = delivery_of(&server, "tokyo@council", report_id)
        .await
        .expect("a member gets it");
    let view = server
        .get("tokyo@council", &format!("/inbox/{}", item["delivery_id"]))
        .await
        .body["view"]
        .clone();
    let html = view["body"].as_str().unwrap();
    assert!(html.contains("<li>Cases handled: 3</li>"), "{html}");
    assert!(
        html.contains("<tr><td>financials</td><td>1</td></tr>"),
        "{html}"
    );
    assert!(
        html.contains("<svg") && html.contains("Cases by sector"),
        "a chart"
    );
    assert_eq!(view["tlp"], "amber+strict");

    for outsider in ["example-motors@j-auto-isac", "kanto-power@electricity-isac"] {
        assert!(
            delivery_of(&server, outsider, report_id).await.is_none(),
            "{outsider}"
        );
        let read = server
            .get(outsider, &format!("/inbox/{}", item["delivery_id"]))
            .await;
        assert_eq!(read.status, StatusCode::NOT_FOUND);
    }
    let stats = this_year(&server, "secretariat").await;
    assert_eq!(
        (
            stats["trend_reports"].as_i64(),
            stats["cases"]["total"].as_i64()
        ),
        (Some(1), Some(3))
    );
    let listed = server.get("operator@council", path).await;
    assert_eq!(listed.body["trend_reports"][0]["report_id"], report_id);
}
