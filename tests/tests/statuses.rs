//! Status columns hold only the values the host knows: the database refuses any
//! other (a CHECK constraint on PostgreSQL, triggers on SQLite), on insert and on
//! update, so a typo in a query fails where it is written rather than as a row
//! no reader can decode.

use isac_tests::TestServer;
use isac_tests::isac_host::model::{CaseStatus, MemberStatus, ReportStatus, Stored};
use isac_tests::isac_host::registry;

/// A status column: the constraint's name, an update of one row to `$1` (the
/// row's id is `$2`), a copy of that row with status `$1` inserted, and every
/// status the host knows.
struct Column {
    constraint: &'static str,
    update: &'static str,
    insert: &'static str,
    known: Vec<&'static str>,
}

fn known<S: Stored>() -> Vec<&'static str> {
    S::ALL.iter().map(|s| s.as_str()).collect()
}

#[tokio::test]
async fn a_status_the_host_does_not_know_is_refused() {
    let server = TestServer::start().await;
    let tokyo = server.member_id("tokyo@council").await;
    let report = serde_json::json!({"title": "a case", "tlp": "green", "confidence": "confirmed"});
    let sent = server
        .post(
            "sakura-bank@council",
            "/communities/council/reports",
            &report,
        )
        .await;
    let case = sent.body["case_id"].as_str().expect("a case").to_string();
    let report = sent.body["report_id"]
        .as_str()
        .expect("a report")
        .to_string();
    let columns = [
        (
            Column {
                constraint: "members_status",
                update: "UPDATE members SET status = $1 WHERE id = CAST($2 AS BIGINT)",
                insert: "INSERT INTO members (organisation_id, community_id, class, status, created_at) \
                         SELECT organisation_id, 'ict-isac', class, $1, created_at FROM members WHERE id = CAST($2 AS BIGINT)",
                known: known::<MemberStatus>(),
            },
            tokyo.to_string(),
        ),
        (
            Column {
                constraint: "policy_versions_status",
                update: "UPDATE policy_versions SET status = $1 WHERE id = CAST($2 AS BIGINT)",
                insert: "INSERT INTO policy_versions (community_id, plugin_digest, settings, wit_version, \
                         status, uploaded_by, uploaded_at) SELECT community_id, plugin_digest, settings, \
                         wit_version, $1, uploaded_by, uploaded_at FROM policy_versions WHERE id = CAST($2 AS BIGINT)",
                known: known::<registry::Status>(),
            },
            "1".to_string(),
        ),
        (
            Column {
                constraint: "cases_status",
                update: "UPDATE cases SET status = $1 WHERE id = $2",
                insert: "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, \
                         report_count, confidence, status) SELECT id || '-copy', community_id, title, \
                         opened_at, last_report_at, report_count, confidence, $1 FROM cases WHERE id = $2",
                known: known::<CaseStatus>(),
            },
            case,
        ),
        (
            Column {
                constraint: "reports_status",
                update: "UPDATE reports SET status = $1 WHERE id = $2",
                insert: "INSERT INTO reports (id, community_id, submitter, organisation, submitted_at, \
                         tlp, confidence, original, status) SELECT id || '-copy', community_id, submitter, \
                         organisation, submitted_at, tlp, confidence, original, $1 FROM reports WHERE id = $2",
                known: known::<ReportStatus>(),
            },
            report,
        ),
    ];
    for (column, id) in columns {
        for sql in [column.update, column.insert] {
            let refused = sqlx::query(sql)
                .bind("aproved")
                .bind(&id)
                .execute(&server.db)
                .await
                .expect_err(sql)
                .to_string();
            assert!(refused.contains(column.constraint), "{sql}: {refused}");
        }
        for status in column.known {
            sqlx::query(column.update)
                .bind(status)
                .bind(&id)
                .execute(&server.db)
                .await
                .unwrap_or_else(|e| panic!("{}: {status}: {e}", column.constraint));
        }
    }
}
