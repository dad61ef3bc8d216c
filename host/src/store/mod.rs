//! The database: one SQLite file by default (WAL, migrations applied at start),
//! or a PostgreSQL database that several host nodes share, both reached through
//! sqlx's `Any` driver so that the domain code runs unchanged on either. Times
//! are Unix seconds; JSON documents are text.

mod audit;
mod audit_key;
pub mod availability;
pub mod bulk;
pub mod checkpoint;
pub mod clock;
pub mod collection;
pub mod inbox;
#[cfg(test)]
pub(crate) mod query_plan;
pub mod vacuum;

use std::path::Path;
use std::str::FromStr;

pub use sqlx::AnyPool;
use sqlx::Executor;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

pub use audit::{AuditEntry, ChainBreak, append as audit, verify as verify_audit};
pub use audit_key::{AuditKey, AuditKeyError, FILE_NAME as AUDIT_KEY_FILE};
pub use checkpoint::{Checkpoint, CheckpointBreak};

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Whether `url` names a PostgreSQL database (else it is SQLite).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The SQLite file inside a data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("isac.db").display())
}

/// How long a node keeps trying to reach its database at start (a PostgreSQL
/// server that is restarting, or connections cut while migrating), before it
/// gives up and exits.
const START_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Opens (creating if needed) the database at `url` and applies migrations,
/// retrying while the database is unavailable (see [`availability`]) for up to
/// [`START_PATIENCE`].
pub async fn open(url: &str) -> Result<AnyPool, StoreError> {
    let started = std::time::Instant::now();
    let mut wait = std::time::Duration::from_millis(250);
    loop {
        match open_once(url).await {
            Err(error) if started.elapsed() + wait < START_PATIENCE && error.is_unavailable() => {
                tracing::warn!(%error, retry_in = ?wait, "the database is not available yet");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(5));
            }
            opened => return opened,
        }
    }
}

impl StoreError {
    fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Open { source, .. } | StoreError::Sql(source) => {
                availability::is_unavailable(source)
            }
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(source)) => {
                availability::is_unavailable(source)
            }
            StoreError::Migrate(_) => false,
        }
    }
}

/// How long a pooled PostgreSQL connection may sit idle before it is checked
/// again before use (see `open_once`).
const CHECK_IDLE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

async fn open_once(url: &str) -> Result<AnyPool, StoreError> {
    sqlx::any::install_default_drivers();
    let open_error = |source| StoreError::Open {
        url: url.into(),
        source,
    };
    let options = AnyConnectOptions::from_str(url).map_err(open_error)?;
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        // A server can drop a connection while it sits idle in the pool (a
        // restart, a failover, an idle timeout), so a PostgreSQL connection
        // idle for a while is checked before a request gets it. One used
        // moments ago is not: the check is a round trip of its own, and
        // checking every connection doubled the cost of each pooled statement
        // (`SELECT 1` through the pool, `--bench handoff`: 335-494 µs checked,
        // 93-161 µs not; pgbench's bare round trip here: 165 µs). A
        // file on the local disk does not drop a connection, so SQLite
        // connections are never checked.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                use sqlx::Connection as _;
                if meta.idle_for >= CHECK_IDLE_AFTER && conn.backend_name() != "SQLite" {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(|conn, _| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    // A new database gets 8 KiB pages (an existing one keeps its
                    // own, which WAL mode fixes, until `isac-host vacuum`
                    // rewrites it): a bulk add then makes 40% fewer
                    // writes, and the TAXII add went 4-29% faster
                    // (docs/benchmarks.md); inbox reads were unchanged.
                    let page_size = format!("PRAGMA page_size = {}", vacuum::PAGE_SIZE);
                    conn.execute(page_size.as_str()).await?;
                    // WAL lets readers run beside the writer; FULL makes every
                    // acknowledged report survive a crash or power loss.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                } else {
                    // A node that stops mid-transaction (frozen, or its machine
                    // or network gone with the connection left open) would hold
                    // the cluster's write lock (see `begin_write`) until TCP
                    // noticed, by default two hours. The server ends a session
                    // of ours idle in a transaction for 5 s, which releases the
                    // lock; our own transactions never pause that long (plugins
                    // run before them). Its keepalives find a dead peer of an
                    // idle session in about 25 s.
                    conn.execute("SET idle_in_transaction_session_timeout = '5s'")
                        .await?;
                    conn.execute("SET tcp_keepalives_idle = 10").await?;
                    conn.execute("SET tcp_keepalives_interval = 5").await?;
                    conn.execute("SET tcp_keepalives_count = 3").await?;
                    // A writer waiting for the lock outlasts a holder's cut-off
                    // (5 s idle, plus its statement), then gives up: 503.
                    conn.execute("SET lock_timeout = '15s'").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(open_error)?;
    if is_postgres(url) {
        POSTGRES_MIGRATIONS.run(&pool).await?;
    } else {
        SQLITE_MIGRATIONS.run(&pool).await?;
    }
    Ok(pool)
}

/// Begins a transaction that will write, holding the database's write lock:
/// one writing transaction at a time, across every host node. The domain code
/// reads, checks and then writes in one transaction (the next view id, the audit
/// chain's tail, "at most one active version"), which is only sound if no other
/// writer commits in between. On SQLite that is `BEGIN IMMEDIATE` (waiting up to
/// the busy timeout); on PostgreSQL, where rows lock only as they are written, a
/// transaction-scoped advisory lock. Readers never wait for it.
pub async fn begin_write(
    conn: &mut sqlx::AnyConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
    use sqlx::Connection;
    if conn.backend_name() == "SQLite" {
        return conn.begin_with("BEGIN IMMEDIATE").await;
    }
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
        .bind(WRITE_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The advisory lock key of [`begin_write`] on PostgreSQL.
const WRITE_LOCK: i64 = 0x15ac_0001;

/// The database of one test or benchmark run: a fresh database on the
/// PostgreSQL server that `ISAC_TEST_DATABASE_URL` names when it is set (how the
/// test suite runs on PostgreSQL), else the SQLite file in `data`.
pub async fn database_for_run(data: &Path) -> Result<String, StoreError> {
    match std::env::var("ISAC_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => scratch_database(&server).await,
        _ => Ok(sqlite_url(data)),
    }
}

/// Creates a new, empty database on the PostgreSQL server `server_url` points
/// at and returns its URL: each test and benchmark run gets a database of its
/// own. Their names start with `isac_scratch_`, so they can be dropped together.
pub async fn scratch_database(server_url: &str) -> Result<String, StoreError> {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    let open_error = |source| StoreError::Open {
        url: server_url.into(),
        source,
    };
    let mut url = url::Url::parse(server_url)
        .map_err(|e| open_error(sqlx::Error::Configuration(e.into())))?;
    let name = format!("isac_scratch_{}", hex::encode(random_bytes::<6>()));
    let mut conn = sqlx::AnyConnection::connect(server_url)
        .await
        .map_err(open_error)?;
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    conn.close().await?;
    url.set_path(&name);
    Ok(url.to_string())
}

/// The current time in Unix seconds, by the host's [`clock`].
pub fn now() -> i64 {
    clock::now_utc().unix_timestamp()
}

/// A fresh random identifier with a readable prefix, e.g. `r-3f9a…`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", hex::encode(random_bytes::<12>()))
}

/// A fresh report id whose first characters are its submission second, e.g.
/// `r-6650f3a1…`: reports submitted together get neighbouring keys, so a batch
/// of them writes a few pages of each index keyed by report id instead of one
/// page per report. The second is no secret: every view carries `submitted_at`.
pub fn new_report_id(submitted_at: time::OffsetDateTime) -> String {
    let second = u32::try_from(submitted_at.unix_timestamp()).unwrap_or(0);
    format!(
        "r-{}{}",
        hex::encode(second.to_be_bytes()),
        hex::encode(random_bytes::<8>())
    )
}

/// Cryptographically random bytes from the OS.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes
}

/// One integer from a query with one text parameter (for tools and tests).
pub async fn scalar_i64(db: &AnyPool, sql: &str, bind: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql).bind(bind).fetch_one(db).await
}

/// The name of the organisation each member id of `value` acts for (ids are
/// the numbers found under the keys `recipients` and `members`, at any depth),
/// for members of `community`: what operators read decision logs and shadow
/// diffs by. Keys are the ids as text, as JSON objects need.
pub async fn names_of_members(
    db: &AnyPool,
    community: &str,
    value: &serde_json::Value,
) -> Result<serde_json::Map<String, serde_json::Value>, sqlx::Error> {
    let mut wanted = std::collections::BTreeSet::new();
    member_ids(value, &mut wanted);
    let mut names = serde_json::Map::new();
    if wanted.is_empty() {
        return Ok(names);
    }
    let rows = sqlx::query(
        "SELECT m.id, o.name FROM members m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.community_id = $1",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    for row in rows {
        let id: i64 = sqlx::Row::try_get(&row, 0)?;
        if wanted.contains(&id) {
            names.insert(
                id.to_string(),
                sqlx::Row::try_get::<String, _>(&row, 1)?.into(),
            );
        }
    }
    Ok(names)
}

fn member_ids(value: &serde_json::Value, found: &mut std::collections::BTreeSet<i64>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if [
                    "recipients",
                    "members",
                    "recipients_added",
                    "recipients_removed",
                ]
                .contains(&key.as_str())
                {
                    found.extend(
                        inner
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_i64()),
                    );
                } else {
                    member_ids(inner, found);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| member_ids(item, found)),
        _ => {}
    }
}

/// The id of the organisation with this name, creating it if it is new.
pub async fn upsert_organisation(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    kind: crate::model::OrganisationKind,
    sector: crate::model::Sector,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO organisations (name, kind, sector, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(crate::model::label_name(&kind))
    .bind(crate::model::label_name(&sector))
    .bind(now())
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::new_report_id;

    fn at(second: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(second).expect("a valid time")
    }

    #[test]
    fn report_ids_follow_the_submission_second_and_stay_unique() {
        let earlier = new_report_id(at(1_780_000_000));
        let later = new_report_id(at(1_780_000_001));
        assert!(earlier.starts_with("r-6a18a500"), "{earlier}");
        assert_eq!(earlier.len(), "r-".len() + 24);
        assert!(earlier < later);
        assert_ne!(new_report_id(at(5)), new_report_id(at(5)));
    }

    #[tokio::test]
    async fn a_new_sqlite_database_has_8_kib_pages_in_wal_mode() {
        let data = tempfile::tempdir().expect("temp dir");
        let db = super::open(&super::sqlite_url(data.path()))
            .await
            .expect("db");
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&db)
            .await
            .expect("page size");
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&db)
            .await
            .expect("journal mode");
        assert_eq!((page_size, journal.as_str()), (8192, "wal"));
    }

    /// Several connections at once, each asked for `SELECT 1`.
    async fn use_connections_at_once(
        db: &super::AnyPool,
        count: usize,
    ) -> Vec<Result<i64, sqlx::Error>> {
        let mut held = Vec::new();
        for _ in 0..count {
            held.push(db.acquire().await.expect("a connection"));
        }
        let mut answers = Vec::new();
        for conn in &mut held {
            answers.push(sqlx::query_scalar("SELECT 1").fetch_one(&mut **conn).await);
        }
        answers
    }

    /// On PostgreSQL the server ends every pooled connection (a restart or a
    /// failover would); once they have been idle a while, requests still get
    /// working ones. On SQLite nothing can end them, and the same holds.
    #[tokio::test]
    async fn a_pooled_connection_the_server_ended_is_replaced_before_use() {
        let data = tempfile::tempdir().expect("temp dir");
        let url = super::database_for_run(data.path())
            .await
            .expect("database");
        let db = super::open(&url).await.expect("db");
        let answers = use_connections_at_once(&db, 4).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(1))), "{answers:?}");
        if super::is_postgres(&url) {
            let ended: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_all(&db)
            .await
            .expect("end the other connections");
            assert!(ended.len() >= 3, "{ended:?}");
        }
        tokio::time::sleep(super::CHECK_IDLE_AFTER + std::time::Duration::from_millis(200)).await;
        let answers = use_connections_at_once(&db, 4).await;
        assert!(answers.iter().all(|a| matches!(a, Ok(1))), "{answers:?}");
    }
}
