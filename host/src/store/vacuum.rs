//! Rewriting an existing SQLite database (`isac-host vacuum`): into the page
//! size new databases get, and without its free pages. A database made before
//! 8 KiB pages keeps 4 KiB ones, since WAL mode fixes the page size, and pays
//! for them in every bulk add (docs/benchmarks.md). The page size can change
//! only outside WAL mode, which takes the file for this connection alone: a
//! running server (or any other open connection) makes it refuse, not wait.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

/// The page size [`super::open`] gives a new SQLite database.
pub const PAGE_SIZE: i64 = 8192;

#[derive(Debug, thiserror::Error)]
pub enum VacuumError {
    #[error("{0}: no database here")]
    Missing(PathBuf),
    #[error("{0}: another process has the database open (a running server?): stop it first")]
    InUse(PathBuf),
    #[error("{path}: {source}")]
    Sql { path: PathBuf, source: sqlx::Error },
    #[error("{0}: the page size stayed {1} bytes")]
    Unchanged(PathBuf, i64),
}

/// What a vacuum did.
#[derive(Debug, PartialEq, Eq)]
pub struct Vacuumed {
    pub page_size_before: i64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// Rewrites the SQLite database `file` with [`PAGE_SIZE`] pages, leaving it in
/// WAL mode as the server wants it.
pub async fn vacuum(file: &Path) -> Result<Vacuumed, VacuumError> {
    if !file.is_file() {
        return Err(VacuumError::Missing(file.to_path_buf()));
    }
    let sql = |source| VacuumError::Sql {
        path: file.to_path_buf(),
        source,
    };
    let bytes_before = size_with_wal(file);
    // Exclusive locking keeps the file ours from the first statement to the
    // close: no server can connect between leaving WAL mode and the rewrite.
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(false)
        .busy_timeout(std::time::Duration::ZERO)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive);
    let mut conn = options.connect().await.map_err(sql)?;
    let page_size_before = page_size(&mut conn).await.map_err(sql)?;
    let left_wal = sqlx::query_scalar::<_, String>("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut conn)
        .await;
    match left_wal {
        Ok(mode) if mode == "delete" => {}
        Ok(_) => return Err(VacuumError::InUse(file.to_path_buf())),
        Err(error) if is_busy(&error) => return Err(VacuumError::InUse(file.to_path_buf())),
        Err(error) => return Err(sql(error)),
    }
    let rewrite = format!("PRAGMA page_size = {PAGE_SIZE}");
    sqlx::query(&rewrite)
        .execute(&mut conn)
        .await
        .map_err(sql)?;
    sqlx::query("VACUUM")
        .execute(&mut conn)
        .await
        .map_err(sql)?;
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut conn)
        .await
        .map_err(sql)?;
    let page_size_after = page_size(&mut conn).await.map_err(sql)?;
    conn.close().await.map_err(sql)?;
    if page_size_after != PAGE_SIZE {
        return Err(VacuumError::Unchanged(file.to_path_buf(), page_size_after));
    }
    Ok(Vacuumed {
        page_size_before,
        bytes_before,
        bytes_after: size_with_wal(file),
    })
}

async fn page_size(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("PRAGMA page_size").fetch_one(conn).await
}

/// SQLite's busy or locked: another connection holds the file.
fn is_busy(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(_)) && super::availability::is_unavailable(error)
}

/// The database's bytes on disk, its write-ahead log included.
fn size_with_wal(file: &Path) -> u64 {
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut wal = file.as_os_str().to_owned();
    wal.push("-wal");
    size(file) + size(Path::new(&wal))
}

#[cfg(test)]
#[path = "vacuum_tests.rs"]
mod tests;
