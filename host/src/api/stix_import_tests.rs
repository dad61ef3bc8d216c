use sqlx::Row as _;

use crate::store::query_plan;

/// Objects an organisation added before are found by their ids, not by
/// reading every object it added: on PostgreSQL, before the object id led the
/// key, a table without statistics (a new deployment's first feed) was read
/// whole for each add.
#[tokio::test]
async fn objects_added_before_are_looked_up_by_their_ids() {
    let (_data, db) = crate::demo::database_for_test().await;
    let member = sqlx::query(
        "SELECT id, organisation_id FROM members WHERE community_id = 'council' ORDER BY id LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .expect("a Council member");
    let (submitter, organisation): (i64, i64) = (member.get(0), member.get(1));
    let numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)";
    let reports = format!(
        "{numbers} INSERT INTO reports (id, community_id, submitter, organisation, submitted_at, tlp, confidence, original, status) \
         SELECT 'report-' || i, 'council', $1, $2, 0, 'green', 'confirmed', '{{}}', 'delivered' FROM n"
    );
    sqlx::query(&reports)
        .bind(submitter)
        .bind(organisation)
        .execute(&db)
        .await
        .expect("reports");
    let sources = format!(
        "{numbers} INSERT INTO stix_sources (community_id, organisation, object_id, version, report_id) \
         SELECT 'council', $1, 'indicator--' || i, '2026-12-03T00:00:00.000Z', 'report-' || i FROM n"
    );
    sqlx::query(&sources)
        .bind(organisation)
        .execute(&db)
        .await
        .expect("sources");
    let mut conn = db.acquire().await.expect("connection");
    let sql = query_plan::explained(&conn, &super::earlier_sql(3));
    let query = sqlx::query(&sql)
        .bind("council")
        .bind(organisation)
        .bind("indicator--7")
        .bind("indicator--absent")
        .bind("indicator--7999");
    let sqlite_key = "(community_id=? AND organisation=? AND object_id=?)";
    query_plan::assert_uses_whole_key(&mut conn, query, "object_id", sqlite_key).await;
}
