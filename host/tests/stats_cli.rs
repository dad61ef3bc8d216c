//! `isac-host stats`, run as a process on a database with a few cases around FY2023.

use isac_host::council::FiscalYear;

mod common;

use common::run_on;

const DAY: i64 = 24 * 3600;

/// The demo Council plus four cases: one carried over into FY2023, one opened and
/// closed in it, one closed before it, one opened after it. Returns its URL.
fn database_with_cases(dir: &std::path::Path) -> String {
    let fy = FiscalYear::new(2023).expect("FY2023");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let url = isac_host::store::database_for_run(dir)
            .await
            .expect("a database");
        let db = isac_host::store::open(&url).await.expect("opens");
        isac_host::demo::seed(&db).await.expect("seeded");
        let cases = [
            ("case-carried", fy.start() - 10 * DAY, None),
            ("case-new", fy.start() + 10 * DAY, Some(fy.start() + 20 * DAY)),
            ("case-old", fy.start() - 90 * DAY, Some(fy.start() - DAY)),
            ("case-later", fy.end(), None),
        ];
        for (id, opened, closed) in cases {
            sqlx::query(
                "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence, status, closed_at) \
                 VALUES ($1, 'council', $1, $2, $2, 1, 'confirmed', $3, $4)",
            )
            .bind(id)
            .bind(opened)
            .bind(if closed.is_some() { "closed" } else { "open" })
            .bind(closed)
            .execute(&db)
            .await
            .expect("case inserted");
        }
        url
    })
}

#[test]
fn stats_prints_the_fiscal_year_as_text_or_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = database_with_cases(dir.path());
    let data = dir.path().display().to_string();
    let out = run_on(
        &database,
        &[
            "stats",
            "--data",
            &data,
            "--fiscal-year",
            "2023",
            "--members-at",
            "2019-05-31",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "council FY2023 (April 2023 to March 2024)\n\
         cases: 2 (1 continuing, 1 new, 1 closed)\n\
         publications: 0 (0 public, 0 limited)\n\
         trend reports: 0\n\
         members: 0\n"
    );
    let out = run_on(
        &database,
        &["stats", "--data", &data, "--fiscal-year", "2023", "--json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json["cases"],
        serde_json::json!({"total": 2, "continuing": 1, "new": 1, "closed": 1})
    );
}

#[test]
fn stats_refuses_bad_arguments_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().display().to_string();
    let out = run_on("", &["stats", "--data", &data]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("isac.db: no database here"));
    let database = database_with_cases(dir.path());
    for (args, message) in [
        (
            vec!["--fiscal-year", "1800"],
            "--fiscal-year: must be between",
        ),
        (
            vec!["--members-at", "2024-02-30"],
            "--members-at: 2024-02-30",
        ),
        (
            vec!["--community", "nowhere"],
            "--community: no community nowhere",
        ),
    ] {
        let mut all = vec!["stats", "--data", &data];
        all.extend(args);
        let out = run_on(&database, &all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{all:?}: {err}");
    }
}
