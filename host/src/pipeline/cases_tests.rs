//! Candidate cases for several reports at once are, report by report, what each
//! report would find alone.

use super::candidates_for_each;
use crate::demo;
use crate::store::query_plan;

fn fingerprints(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

#[tokio::test]
async fn each_report_finds_the_open_cases_sharing_its_fingerprints() {
    let (_data, db) = demo::database_for_test().await;
    // (case, last report at, status); fa is on c1 and the closed c3, fb on c1
    // and c2, fc on c2, and c4 is another community's.
    for (id, community, last, status) in [
        ("case-c1", "council", 200, "open"),
        ("case-c2", "council", 300, "open"),
        ("case-c3", "council", 400, "closed"),
        ("case-c4", "ict-isac", 500, "open"),
    ] {
        sqlx::query(
            "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence, status) \
             VALUES ($1, $2, 'campaign', 100, $3, 1, 'confirmed', $4)",
        )
        .bind(id)
        .bind(community)
        .bind(last)
        .bind(status)
        .execute(&db)
        .await
        .expect("case");
    }
    for (community, fingerprint, case) in [
        ("council", "fa", "case-c1"),
        ("council", "fa", "case-c3"),
        ("council", "fb", "case-c1"),
        ("council", "fb", "case-c2"),
        ("council", "fc", "case-c2"),
        ("ict-isac", "fa", "case-c4"),
    ] {
        sqlx::query(
            "INSERT INTO case_fingerprints (community_id, fingerprint, case_id) VALUES ($1, $2, $3)",
        )
        .bind(community)
        .bind(fingerprint)
        .bind(case)
        .execute(&db)
        .await
        .expect("fingerprint");
    }
    let reports = [
        fingerprints(&["fa"]),
        fingerprints(&["fc", "fb", "fz"]),
        fingerprints(&["fz"]),
        fingerprints(&["fb", "fa", "fb"]),
        fingerprints(&[]),
    ];
    let wanted: Vec<&[String]> = reports.iter().map(Vec::as_slice).collect();
    let mut conn = db.acquire().await.expect("connection");
    let found = candidates_for_each(&mut conn, "council", &wanted)
        .await
        .expect("lookup");
    let seen: Vec<Vec<(String, Vec<String>)>> = found
        .iter()
        .map(|cases| {
            cases
                .iter()
                .map(|c| (c.id.clone(), c.shared_fingerprints.clone()))
                .collect()
        })
        .collect();
    let case = |id: &str, shared: &[&str]| (id.to_string(), fingerprints(shared));
    assert_eq!(
        seen,
        vec![
            vec![case("case-c1", &["fa"])],
            vec![case("case-c2", &["fb", "fc"]), case("case-c1", &["fb"])],
            vec![],
            vec![case("case-c2", &["fb"]), case("case-c1", &["fa", "fb"])],
            vec![],
        ]
    );
    for (alone, together) in wanted.iter().zip(&found) {
        let by_itself = candidates_for_each(&mut conn, "council", &[alone])
            .await
            .expect("lookup");
        assert_eq!(by_itself, vec![together.clone()]);
    }
    let first = &found[0][0];
    assert_eq!(
        (
            first.title.as_str(),
            first.report_count,
            first.last_report_at.unix_timestamp()
        ),
        ("campaign", 1, 200)
    );
}

/// The cases sharing a bundle's fingerprints are found by those fingerprints,
/// not by reading every fingerprint of the community: on PostgreSQL, before
/// the fingerprint led the key, a table without statistics (a new deployment's
/// first feed) was read whole for each run of reports decided together.
#[tokio::test]
async fn cases_are_looked_up_by_the_fingerprints_asked_for() {
    let (_data, db) = demo::database_for_test().await;
    // 8,000 cases of one fingerprint each: below a few thousand rows, reading
    // the whole table is PostgreSQL's cheapest plan, rightly.
    let numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)";
    for insert in [
        "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence) \
         SELECT 'case-' || i, 'council', 'campaign', 100, 100, 1, 'confirmed' FROM n",
        "INSERT INTO case_fingerprints (community_id, fingerprint, case_id) \
         SELECT 'council', 'domain:' || i || '.example', 'case-' || i FROM n",
    ] {
        sqlx::query(&format!("{numbers} {insert}"))
            .execute(&db)
            .await
            .expect(insert);
    }
    let mut conn = db.acquire().await.expect("connection");
    // As many fingerprints as a run of reports decided together asks for:
    // with two, PostgreSQL used the whole key even before.
    let sql = query_plan::explained(&conn, &super::cases_sharing_sql(16));
    let mut query = sqlx::query(&sql).bind("council");
    for n in 0..16 {
        query = query.bind(format!("domain:{}.example", n * 97));
    }
    let sqlite_key = "(community_id=? AND fingerprint=?)";
    query_plan::assert_uses_whole_key(&mut conn, query, "fingerprint", sqlite_key).await;
}
