//! The append-only audit log. Each entry's hash covers the previous entry's hash,
//! so altering or removing an entry breaks the chain at that point.

use sha2::{Digest as _, Sha256};
use sqlx::{AnyConnection, AnyPool, Row};

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}

const GENESIS: &str = "genesis";

fn chain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    // Length-prefixed fields: no two different entries hash the same input.
    for part in [
        prev,
        &e.seq.to_string(),
        &e.at.to_string(),
        &e.actor,
        &e.action,
        &e.object,
        &e.detail,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Appends an entry: inside the caller's transaction if it is in one (which must
/// have been begun with [`super::begin_write`]), else in a transaction of its own.
/// The tail is read under the write lock, so concurrent appends cannot both
/// claim the same sequence number.
pub async fn append(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    use sqlx::Connection as _;
    if conn.is_in_transaction() {
        return append_locked(conn, actor, action, object, detail).await;
    }
    let mut tx = super::begin_write(conn).await?;
    append_locked(&mut tx, actor, action, object, detail).await?;
    tx.commit().await
}

async fn append_locked(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let tail = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (seq, prev) = match tail {
        Some(row) => (row.try_get::<i64, _>(0)? + 1, row.try_get::<String, _>(1)?),
        None => (1, GENESIS.to_string()),
    };
    let entry = AuditEntry {
        seq,
        at: super::now(),
        actor: actor.into(),
        action: action.into(),
        object: object.into(),
        detail: detail.into(),
    };
    let hash = chain_hash(&prev, &entry);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.seq)
    .bind(entry.at)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.object)
    .bind(entry.detail)
    .bind(prev)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first entry that was altered, or that follows a removed one.
    pub seq: i64,
    pub reason: String,
}

/// Checks the whole chain; `Ok(count)` when intact.
pub async fn verify(pool: &AnyPool) -> Result<Result<i64, ChainBreak>, sqlx::Error> {
    let rows = sqlx::query("SELECT seq, at, actor, action, object, detail, prev_hash, hash FROM audit_log ORDER BY seq")
        .fetch_all(pool)
        .await?;
    let mut prev = GENESIS.to_string();
    for (expected_seq, row) in (1i64..).zip(&rows) {
        let entry = AuditEntry {
            seq: row.try_get(0)?,
            at: row.try_get(1)?,
            actor: row.try_get(2)?,
            action: row.try_get(3)?,
            object: row.try_get(4)?,
            detail: row.try_get(5)?,
        };
        let (stored_prev, stored_hash): (String, String) = (row.try_get(6)?, row.try_get(7)?);
        let broken = |reason: &str| {
            Ok(Err(ChainBreak {
                seq: entry.seq,
                reason: reason.into(),
            }))
        };
        if entry.seq != expected_seq {
            return broken(&format!("entry {expected_seq} is missing"));
        }
        if stored_prev != prev {
            return broken("its link to the previous entry does not match");
        }
        if chain_hash(&prev, &entry) != stored_hash {
            return broken("its content does not match its hash");
        }
        prev = stored_hash;
    }
    Ok(Ok(rows.len() as i64))
}
