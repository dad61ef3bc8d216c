//! Signed checkpoints of the audit chain. The hash chain alone shows an entry
//! altered or removed in the middle, but not entries cut off its end, nor a
//! chain rewritten from some point on with fresh hashes. A checkpoint is the
//! host's ed25519 signature over the chain's length and head hash at a moment;
//! members receive every checkpoint, so anyone holding one can later show that
//! the chain no longer reaches that length or no longer has that hash there.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyPool, Row};

use super::audit_key::AuditKey;

/// A signed statement of the audit chain's length and head hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Entries in the chain when it was signed (the head's sequence number).
    pub length: i64,
    /// The hash of entry `length` (hex sha256).
    pub head_hash: String,
    /// When it was signed (RFC 3339, UTC).
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    /// ed25519 signature (hex) over the length, head hash and time.
    pub signature: String,
    /// The host's ed25519 public key (hex) that verifies the signature.
    pub public_key: String,
}

/// The bytes a checkpoint's signature covers: a fixed prefix, so a signature
/// made for anything else never passes for a checkpoint.
fn signed_bytes(length: i64, head_hash: &str, at: i64) -> Vec<u8> {
    format!("isac-host audit checkpoint v1\nlength {length}\nhead {head_hash}\nat {at}\n")
        .into_bytes()
}

impl Checkpoint {
    fn sign(key: &SigningKey, length: i64, head_hash: String, at: i64) -> Checkpoint {
        let signature = key.sign(&signed_bytes(length, &head_hash, at));
        Checkpoint {
            length,
            head_hash,
            at,
            signature: hex::encode(signature.to_bytes()),
            public_key: hex::encode(key.verifying_key().to_bytes()),
        }
    }

    /// Whether the signature is the public key's over this checkpoint's fields.
    pub fn signature_holds(&self) -> bool {
        let key = hex::decode(&self.public_key)
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
        let signature = hex::decode(&self.signature)
            .ok()
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
            .map(|bytes| Signature::from_bytes(&bytes));
        match (key, signature) {
            (Some(key), Some(signature)) => key
                .verify(
                    &signed_bytes(self.length, &self.head_hash, self.at),
                    &signature,
                )
                .is_ok(),
            _ => false,
        }
    }
}

/// How a chain fails a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBreak {
    #[error("the checkpoint's signature does not verify with its public key")]
    BadSignature,
    #[error("the chain was truncated: {have} entries, the checkpoint signed {length}")]
    Truncated { length: i64, have: i64 },
    #[error("the chain was rewritten: entry {length} no longer has the signed hash")]
    Rewritten { length: i64 },
}

/// Checks that the stored chain still holds `checkpoint`: signed by its key,
/// at least as long, and with the signed hash at the signed length. (Whether
/// the chain is intact up to there is [`super::verify_audit`]'s part.)
pub async fn verify(
    pool: &AnyPool,
    checkpoint: &Checkpoint,
) -> Result<Result<(), CheckpointBreak>, sqlx::Error> {
    if !checkpoint.signature_holds() {
        return Ok(Err(CheckpointBreak::BadSignature));
    }
    let have = chain_length(pool).await?;
    if have < checkpoint.length {
        return Ok(Err(CheckpointBreak::Truncated {
            length: checkpoint.length,
            have,
        }));
    }
    let hash: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(checkpoint.length)
        .fetch_optional(pool)
        .await?;
    if hash.as_deref() != Some(checkpoint.head_hash.as_str()) {
        return Ok(Err(CheckpointBreak::Rewritten {
            length: checkpoint.length,
        }));
    }
    Ok(Ok(()))
}

/// Signs the chain's head and stores the checkpoint, unless the newest
/// checkpoint already covers it; `None` then. Under the write lock, so two
/// nodes never sign different heads as the same length.
pub async fn cut(
    conn: &mut AnyConnection,
    key: &AuditKey,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    let mut tx = super::begin_write(conn).await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    let Some(head) = head else {
        return Ok(None);
    };
    let (length, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    if latest_length(&mut tx).await? >= length {
        return Ok(None);
    }
    let checkpoint = Checkpoint::sign(key.signing(), length, head_hash, super::now());
    sqlx::query(
        "INSERT INTO audit_checkpoints (length, head_hash, at, signature, public_key) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(checkpoint.length)
    .bind(&checkpoint.head_hash)
    .bind(checkpoint.at)
    .bind(&checkpoint.signature)
    .bind(&checkpoint.public_key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(checkpoint))
}

/// Entries in the audit chain (its head's sequence number; 0 when empty).
pub async fn chain_length<'e, E>(db: E) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
        .fetch_one(db)
        .await
}

/// The chain length the newest checkpoint signed (0 when there is none).
pub async fn latest_length(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(length), 0) FROM audit_checkpoints")
        .fetch_one(conn)
        .await
}

/// The newest `limit` checkpoints longer than `after`, newest first.
pub async fn newest(
    pool: &AnyPool,
    after: i64,
    limit: i64,
) -> Result<Vec<Checkpoint>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT length, head_hash, at, signature, public_key FROM audit_checkpoints \
         WHERE length > $1 ORDER BY length DESC LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Checkpoint {
                length: row.try_get("length")?,
                head_hash: row.try_get("head_hash")?,
                at: row.try_get("at")?,
                signature: row.try_get("signature")?,
                public_key: row.try_get("public_key")?,
            })
        })
        .collect()
}
