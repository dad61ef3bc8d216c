//! Status columns hold only the values the host knows: the database refuses any
//! other (a CHECK constraint on PostgreSQL, triggers on SQLite), on insert and on
//! update, so a typo in a query fails where it is written rather than as a row
//! no reader can decode.

use isac_tests::TestServer;

#[tokio::test]
async fn a_member_status_the_host_does_not_know_is_refused() {
    let server = TestServer::start().await;
    let tokyo = server.member_id("tokyo@council").await;
    let update = sqlx::query("UPDATE members SET status = 'aproved' WHERE id = $1")
        .bind(tokyo)
        .execute(&server.db)
        .await;
    let error = update
        .expect_err("an unknown status is refused")
        .to_string();
    assert!(error.contains("members_status"), "{error}");
    let insert = sqlx::query(
        "INSERT INTO members (organisation_id, community_id, class, status, created_at) \
         SELECT organisation_id, 'ict-isac', class, 'pending', created_at FROM members WHERE id = $1",
    )
    .bind(tokyo)
    .execute(&server.db)
    .await;
    let error = insert
        .expect_err("an unknown status is refused")
        .to_string();
    assert!(error.contains("members_status"), "{error}");
    // Every status the host knows is accepted.
    for status in isac_tests::isac_host::model::MemberStatus::ALL {
        sqlx::query("UPDATE members SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(tokyo)
            .execute(&server.db)
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
    }
}
