//! Group commit: one writer task commits the plans of concurrent requests in one
//! transaction, so a single fsync acknowledges many reports (an fsync costs
//! milliseconds here; one per report would cap ingest at a few hundred per second).
//! The batch's rows are written table by table with multi-row statements; if
//! that fails, plan by plan in savepoints, so one failing plan fails alone. A
//! request is answered only after the transaction holding its plan has committed.

use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Any, AnyPool};
use tokio::sync::{mpsc, oneshot, watch};

use super::commit::{self, Committed, Row, ViewIds};
use super::plan::Plan;
use super::rows::{self, Rows};
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
    let outcome: Result<Vec<Result<Committed, sqlx::Error>>, sqlx::Error> = async {
        if conn.is_none() {
            *conn = Some(db.acquire().await?);
        }
        let Some(conn) = conn.as_mut() else {
            unreachable!("acquired above")
        };
        let mut tx = conn.begin().await?;
        let mut view_ids = ViewIds(rows::last_view_id(&mut tx).await?);
        let mut results: Vec<Result<(Committed, Rows), sqlx::Error>> = batch
            .iter()
            .map(|job| commit::rows(&job.plan, job.row, &mut view_ids))
            .collect();
        // Every job's rows at once; if that fails, job by job, each in a savepoint
        // of its own, so that one bad plan fails alone.
        let together: Vec<&Rows> = results.iter().flatten().map(|(_, rows)| rows).collect();
        let mut savepoint = tx.begin().await?;
        if rows::write(&mut savepoint, &together).await.is_ok() {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
            for result in &mut results {
                let Ok((_, rows)) = result else { continue };
                let mut savepoint = tx.begin().await?;
                match rows::write(&mut savepoint, &[&*rows]).await {
                    Ok(()) => savepoint.commit().await?,
                    Err(error) => {
                        savepoint.rollback().await?;
                        *result = Err(error);
                    }
                }
            }
        }
        let delivered: Vec<(i64, i64)> = results
            .iter()
            .flatten()
            .flat_map(|(committed, _)| committed.delivered.iter().copied())
            .collect();
        store::inbox::record(&mut tx, &delivered).await?;
        tx.commit().await?;
        Ok(results
            .into_iter()
            .map(|result| result.map(|(committed, _)| committed))
            .collect())
    }
    .await;
    match outcome {
        Ok(results) => results,
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

#[cfg(test)]
#[path = "group_commit_tests.rs"]
mod tests;
