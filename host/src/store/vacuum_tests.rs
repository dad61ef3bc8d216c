use std::path::Path;

use sqlx::{AnyPool, Connection, Row as _};

use super::{PAGE_SIZE, VacuumError, vacuum};
use crate::store;

/// A database as an earlier release made it: 4 KiB pages, WAL, the demo in it.
async fn old_database(dir: &Path) -> AnyPool {
    let url = store::sqlite_url(dir);
    let mut first = sqlx::SqliteConnection::connect(&url).await.expect("create");
    for pragma in ["PRAGMA page_size = 4096", "PRAGMA journal_mode = WAL"] {
        sqlx::query(pragma).execute(&mut first).await.expect(pragma);
    }
    first.close().await.expect("close");
    let db = store::open(&url).await.expect("open");
    crate::demo::seed(&db).await.expect("seed");
    db
}

/// Page size, journal mode, and rows per table that the vacuum must keep.
async fn state(db: &AnyPool) -> (i64, String, Vec<i64>) {
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(db)
        .await
        .expect("page size");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db)
        .await
        .expect("journal mode");
    let mut counts = Vec::new();
    for table in ["organisations", "members", "tokens", "plugins", "audit_log"] {
        let row = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db)
            .await
            .expect(table);
        counts.push(row.get(0));
    }
    (page_size, mode, counts)
}

#[tokio::test]
async fn a_database_with_4_kib_pages_is_rewritten_with_8_kib_and_keeps_every_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = old_database(dir.path()).await;
    let (page_size, mode, before) = state(&db).await;
    assert_eq!((page_size, mode.as_str()), (4096, "wal"));
    assert!(before.iter().all(|count| *count > 0), "{before:?}");
    // The vacuum rewrites a copy: a pool closed in this process sometimes
    // keeps one connection to its file open (seen under load), which a
    // vacuum rightly refuses. Checkpointed first, the file alone is the copy.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&db)
        .await
        .expect("checkpoint");
    let copy = tempfile::tempdir().expect("temp dir");
    std::fs::copy(dir.path().join("isac.db"), copy.path().join("isac.db")).expect("copy");

    let vacuumed = vacuum(&copy.path().join("isac.db")).await.expect("vacuum");
    assert_eq!(vacuumed.page_size_before, 4096);

    let db = store::open(&store::sqlite_url(copy.path()))
        .await
        .expect("reopen");
    let (page_size, mode, after) = state(&db).await;
    assert_eq!((page_size, mode.as_str()), (PAGE_SIZE, "wal"));
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_database_a_server_has_open_is_left_as_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = old_database(dir.path()).await;
    let before = state(&db).await;

    let refused = vacuum(&dir.path().join("isac.db")).await;
    assert!(matches!(refused, Err(VacuumError::InUse(_))), "{refused:?}");
    assert_eq!(state(&db).await, before);
}

#[tokio::test]
async fn no_database_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("isac.db");
    let missing = vacuum(&file).await.expect_err("no file");
    assert_eq!(
        missing.to_string(),
        format!("{}: no database here", file.display())
    );
    assert!(!file.exists());
}
