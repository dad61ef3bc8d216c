//! Status columns hold only the values the host knows: the database refuses any
//! other (a CHECK constraint on PostgreSQL, triggers on SQLite), on insert and on
//! update, so a typo in a query fails where it is written rather than as a row
//! no reader can decode.

use isac_tests::TestServer;
use isac_tests::isac_host::model::MemberStatus;

/// A status column: the constraint's name, an update of one row to `$1` (the
/// row's id is `$2`), a copy of that row with status `$1` inserted, and every
/// status the host knows.
struct Column {
    constraint: &'static str,
    update: &'static str,
    insert: &'static str,
    known: Vec<&'static str>,
}

#[tokio::test]
async fn a_status_the_host_does_not_know_is_refused() {
    let server = TestServer::start().await;
    let tokyo = server.member_id("tokyo@council").await;
    let columns = [
        (
            Column {
                constraint: "members_status",
                update: "UPDATE members SET status = $1 WHERE id = $2",
                insert: "INSERT INTO members (organisation_id, community_id, class, status, created_at) \
                         SELECT organisation_id, 'ict-isac', class, $1, created_at FROM members WHERE id = $2",
                known: MemberStatus::ALL.map(MemberStatus::as_str).to_vec(),
            },
            tokyo,
        ),
        (
            Column {
                constraint: "policy_versions_status",
                update: "UPDATE policy_versions SET status = $1 WHERE id = $2",
                insert: "INSERT INTO policy_versions (community_id, plugin_digest, settings, wit_version, \
                         status, uploaded_by, uploaded_at) SELECT community_id, plugin_digest, settings, \
                         wit_version, $1, uploaded_by, uploaded_at FROM policy_versions WHERE id = $2",
                known: vec!["staged", "shadow", "retired", "active"],
            },
            1,
        ),
    ];
    for (column, id) in columns {
        for sql in [column.update, column.insert] {
            let refused = sqlx::query(sql)
                .bind("aproved")
                .bind(id)
                .execute(&server.db)
                .await
                .expect_err(sql)
                .to_string();
            assert!(refused.contains(column.constraint), "{sql}: {refused}");
        }
        for status in column.known {
            sqlx::query(column.update)
                .bind(status)
                .bind(id)
                .execute(&server.db)
                .await
                .unwrap_or_else(|e| panic!("{}: {status}: {e}", column.constraint));
        }
    }
}
