//! `isac-host stats`, run as a process on a database with a few cases around FY2023.

use std::process::{Command, Output};

use isac_host::council::FiscalYear;

fn isac_host(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isac-host"))
        .args(args)
        .output()
        .expect("isac-host runs")
}

const DAY: i64 = 24 * 3600;

/// The demo Council plus four cases: one carried over into FY2023, one opened and
/// closed in it, one closed before it, one opened after it.
fn database_with_cases(dir: &std::path::Path) {
    let fy = FiscalYear::new(2023).expect("FY2023");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let db = isac_host::store::open(&isac_host::store::sqlite_url(dir))
            .await
            .expect("opens");
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
    });
}

#[test]
fn stats_prints_the_fiscal_year_as_text_or_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    database_with_cases(dir.path());
    let data = dir.path().display().to_string();
    let out = isac_host(&[
        "stats",
        "--data",
        &data,
        "--fiscal-year",
        "2023",
        "--members-at",
        "2019-05-31",
    ]);
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
    let out = isac_host(&["stats", "--data", &data, "--fiscal-year", "2023", "--json"]);
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
    let out = isac_host(&["stats", "--data", &data]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("isac.db: no database here"));
    database_with_cases(dir.path());
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
        let out = isac_host(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{all:?}: {err}");
    }
}
