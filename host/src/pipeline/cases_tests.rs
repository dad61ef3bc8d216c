//! Candidate cases for several reports at once are, report by report, what each
//! report would find alone.

use super::candidates_for_each;
use crate::demo;

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
