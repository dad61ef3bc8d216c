//! Group commit: one writer task commits the plans of concurrent requests in one
//! transaction, so a single fsync acknowledges many reports (an fsync costs
//! milliseconds here; one per report would cap ingest at a few hundred per second).
//! Each plan gets a savepoint of its own, so one failing plan fails alone. A
//! request is answered only after the transaction holding its plan has committed.

use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Any, AnyPool};
use tokio::sync::{mpsc, oneshot, watch};

use super::commit::{self, Committed, Row};
use super::plan::Plan;
use crate::store;

/// Most plans per transaction.
const MAX_BATCH: usize = 128;

struct Job {
    plan: Plan,
    row: Row,
    reply: oneshot::Sender<Result<Committed, sqlx::Error>>,
}

/// The handle requests commit through.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer task; it ends when every handle is dropped.
    pub fn start(db: AnyPool, deliveries: watch::Sender<u64>) -> GroupCommit {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(db, queue, deliveries));
        GroupCommit { jobs }
    }

    pub async fn commit(&self, plan: Plan, row: Row) -> Result<Committed, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let closed = || sqlx::Error::PoolClosed;
        self.jobs
            .send(Job { plan, row, reply })
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

async fn writer(db: AnyPool, mut queue: mpsc::Receiver<Job>, deliveries: watch::Sender<u64>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // The writer keeps a connection of its own: waiting for one behind the
    // readers of concurrent requests would stall every batch.
    let mut conn: Option<PoolConnection<Any>> = None;
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = commit_batch(&db, &mut conn, &batch).await;
        let delivered = results
            .iter()
            .any(|r| r.as_ref().is_ok_and(|c| c.deliveries > 0));
        for (job, result) in batch.drain(..).zip(results) {
            let _ = job.reply.send(result);
        }
        if delivered {
            deliveries.send_modify(|n| *n += 1);
        }
    }
}

/// One result per job: its own outcome, or the batch's if the transaction failed.
async fn commit_batch(
    db: &AnyPool,
    conn: &mut Option<PoolConnection<Any>>,
    batch: &[Job],
) -> Vec<Result<Committed, sqlx::Error>> {
    let mut results = Vec::with_capacity(batch.len());
    let outcome: Result<(), sqlx::Error> = async {
        if conn.is_none() {
            *conn = Some(db.acquire().await?);
        }
        let Some(conn) = conn.as_mut() else {
            unreachable!("acquired above")
        };
        let mut tx = conn.begin().await?;
        let mut delivered = Vec::new();
        for job in batch {
            let mut savepoint = tx.begin().await?;
            match commit::commit(&mut savepoint, &job.plan, job.row).await {
                Ok(committed) => {
                    savepoint.commit().await?;
                    delivered.extend_from_slice(&committed.delivered);
                    results.push(Ok(committed));
                }
                Err(error) => {
                    savepoint.rollback().await?;
                    results.push(Err(error));
                }
            }
        }
        store::inbox::record(&mut tx, &delivered).await?;
        tx.commit().await
    }
    .await;
    match outcome {
        Ok(()) => results,
        Err(error) => {
            // The connection may be broken: take a fresh one next time.
            *conn = None;
            let message = error.to_string();
            batch
                .iter()
                .map(|_| {
                    Err(sqlx::Error::Protocol(format!(
                        "batch commit failed: {message}"
                    )))
                })
                .collect()
        }
    }
}
