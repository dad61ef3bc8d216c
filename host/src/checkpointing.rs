//! When the host signs audit checkpoints: once the chain has grown by
//! `every_entries` since the last one, or `every` has passed with anything new.
//! A background task looks once a second; on PostgreSQL every node runs it, and
//! the write lock in [`store::checkpoint::cut`] keeps their checkpoints apart.

use std::time::{Duration, Instant};

use sqlx::AnyPool;

use crate::store::{self, AuditKey};

/// How often a background task checks whether a checkpoint is due.
const TICK: Duration = Duration::from_secs(1);

/// The signing key and when to sign.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    pub key: AuditKey,
    /// Sign once the chain has this many entries beyond the last checkpoint.
    pub every_entries: i64,
    /// Sign when this long has passed since the last checkpoint (or the
    /// start) and the chain has grown.
    pub every: Duration,
}

impl Checkpoints {
    pub fn new(key: AuditKey) -> Checkpoints {
        Checkpoints {
            key,
            every_entries: 1000,
            every: Duration::from_secs(60 * 60),
        }
    }

    /// Signs checkpoints as they fall due, for as long as the process runs. A
    /// failure is logged and tried again at the next tick.
    pub async fn run(self, db: AnyPool) {
        let mut last = Instant::now();
        loop {
            tokio::time::sleep(TICK).await;
            match self.cut_if_due(&db, last.elapsed()).await {
                Ok(Some(checkpoint)) => {
                    tracing::info!(length = checkpoint.length, "audit checkpoint signed");
                    last = Instant::now();
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "cannot sign an audit checkpoint"),
            }
        }
    }

    async fn cut_if_due(
        &self,
        db: &AnyPool,
        since_last: Duration,
    ) -> Result<Option<store::Checkpoint>, sqlx::Error> {
        let mut conn = db.acquire().await?;
        let signed = store::checkpoint::latest_length(&mut conn).await?;
        let length = store::checkpoint::chain_length(&mut *conn).await?;
        let grown = length - signed;
        let due = grown >= self.every_entries || (grown > 0 && since_last >= self.every);
        if !due {
            return Ok(None);
        }
        store::checkpoint::cut(&mut conn, &self.key).await
    }
}
