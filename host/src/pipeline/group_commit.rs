//! Group commit: one writer task commits the plans of concurrent requests in one
//! transaction, so a single fsync acknowledges many reports (an fsync costs
//! milliseconds here; one per report would cap ingest at a few hundred per second).
//! The batch's rows are written table by table with multi-row statements; if
//! that fails, plan by plan in savepoints, so one failing plan fails alone. A
//! request is answered only after the transaction holding its plan has committed.

use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Any, AnyPool};
use tokio::sync::{mpsc, oneshot, watch};

use super::commit::{self, Committed, Row, ViewIds};
use super::plan::Plan;
use super::rows::{self, Rows, StixSource};
use crate::cluster::{Broadcast, Signal};
use crate::{store, telemetry};

/// Most requests per transaction (a request carries one plan, or a bundle's).
const MAX_BATCH: usize = 128;
/// How often the inbox index (`store::inbox`) and the collection order
/// (`store::collection`) are brought up to date, within a batch's transaction:
/// the less often, the fewer times each member's index page is rewritten.
/// Readers find what is not indexed yet through the views, and ask for the
/// order to be brought up to date when they need it ([`GroupCommit::flush`]).
const INDEX_EVERY: Duration = Duration::from_millis(200);

/// A plan to commit, with the STIX objects its report was imported from.
pub struct Commit {
    pub plan: Plan,
    pub row: Row,
    pub sources: Vec<StixSource>,
}

struct Job {
    commit: Commit,
    reply: oneshot::Sender<Result<Committed, sqlx::Error>>,
}

/// What the writer task is asked to do.
enum Request {
    /// Plans committed in the same transaction (a bundle's reports stay together).
    Commit(Vec<Job>),
    /// Bring the indexes up to date now, then answer.
    Flush(oneshot::Sender<()>),
}

/// The handle requests commit through.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Request>,
}

impl GroupCommit {
    /// Starts the writer task; it ends when every handle is dropped. `delivered`
    /// is bumped, and the other nodes told, after each commit that delivered
    /// something.
    pub fn start(db: AnyPool, delivered: watch::Sender<u64>, cluster: Broadcast) -> GroupCommit {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(db, queue, delivered, cluster));
        GroupCommit { jobs }
    }

    pub async fn commit(&self, plan: Plan, row: Row) -> Result<Committed, sqlx::Error> {
        let sources = Vec::new();
        let mut results = self.commit_all(vec![Commit { plan, row, sources }]).await;
        results.pop().unwrap_or(Err(sqlx::Error::PoolClosed))
    }

    /// Commits every plan in one transaction; one result per plan, in order
    /// (a plan whose rows cannot be written fails alone).
    pub async fn commit_all(&self, commits: Vec<Commit>) -> Vec<Result<Committed, sqlx::Error>> {
        let (jobs, answers): (Vec<Job>, Vec<_>) = commits
            .into_iter()
            .map(|commit| {
                let (reply, answer) = oneshot::channel();
                (Job { commit, reply }, answer)
            })
            .unzip();
        let sent = self.jobs.send(Request::Commit(jobs)).await.is_ok();
        let mut results = Vec::with_capacity(answers.len());
        for answer in answers {
            let answer = if sent { answer.await.ok() } else { None };
            results.push(answer.unwrap_or(Err(sqlx::Error::PoolClosed)));
        }
        results
    }

    /// Brings the inbox index and the collection order up to date with
    /// everything committed and due, in the writer's next transaction (one pass
    /// answers every reader waiting meanwhile).
    pub async fn flush(&self) -> Result<(), sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let closed = || sqlx::Error::PoolClosed;
        self.jobs
            .send(Request::Flush(reply))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())
    }
}

async fn writer(
    db: AnyPool,
    mut queue: mpsc::Receiver<Request>,
    delivered_to: watch::Sender<u64>,
    cluster: Broadcast,
) {
    let mut requests = Vec::with_capacity(MAX_BATCH);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut flushes = Vec::new();
    // The writer keeps a connection of its own: waiting for one behind the
    // readers of concurrent requests would stall every batch.
    let mut conn: Option<PoolConnection<Any>> = None;
    // Catch up at start: views committed before a restart may be unindexed.
    let mut unindexed = true;
    let mut indexed_at = Instant::now();
    // When the next delayed view falls due (Unix seconds), to order it then.
    let mut next_due: Option<i64> = None;
    loop {
        let received =
            tokio::time::timeout(INDEX_EVERY, queue.recv_many(&mut requests, MAX_BATCH)).await;
        if let Ok(0) = received {
            return;
        }
        for request in requests.drain(..) {
            match request {
                Request::Commit(jobs) => batch.extend(jobs),
                Request::Flush(reply) => flushes.push(reply),
            }
        }
        let index = !flushes.is_empty()
            || (unindexed && indexed_at.elapsed() >= INDEX_EVERY)
            || next_due.is_some_and(|due| due <= store::now());
        if batch.is_empty() && !index {
            continue;
        }
        let started = Instant::now();
        let results = commit_batch(&db, &mut conn, &batch, index).await;
        telemetry::batch(batch.len(), started.elapsed());
        let delivered = results
            .jobs
            .iter()
            .any(|r| r.as_ref().is_ok_and(|c| c.deliveries > 0));
        unindexed = (unindexed || delivered) && results.indexed.is_none();
        if let Some(due) = results.indexed {
            indexed_at = Instant::now();
            next_due = due;
        }
        for reply in flushes.drain(..) {
            let _ = reply.send(());
        }
        for (job, result) in batch.drain(..).zip(results.jobs) {
            // A quarantined report run again was counted when it first came.
            if let (Row::New, Ok(committed)) = (job.commit.row, &result) {
                telemetry::committed(committed);
            }
            let _ = job.reply.send(result);
        }
        telemetry::index_lag(if unindexed {
            indexed_at.elapsed()
        } else {
            Duration::ZERO
        });
        if delivered {
            delivered_to.send_modify(|n| *n += 1);
            cluster.send(Signal::Deliveries);
        }
    }
}

/// What a batch transaction did.
struct BatchResults {
    /// One result per job: its own outcome, or the batch's if the transaction failed.
    jobs: Vec<Result<Committed, sqlx::Error>>,
    /// Whether the indexes were brought up to date: then, when the next delayed
    /// view falls due.
    indexed: Option<Option<i64>>,
}

async fn commit_batch(
    db: &AnyPool,
    conn: &mut Option<PoolConnection<Any>>,
    batch: &[Job],
    index: bool,
) -> BatchResults {
    type Outcome = (Vec<Result<Committed, sqlx::Error>>, Option<Option<i64>>);
    let outcome: Result<Outcome, sqlx::Error> = async {
        if conn.is_none() {
            *conn = Some(db.acquire().await?);
        }
        let Some(conn) = conn.as_mut() else {
            unreachable!("acquired above")
        };
        let mut tx = store::begin_write(conn).await?;
        let mut view_ids = ViewIds(rows::last_view_id(&mut tx).await?);
        let mut results: Vec<Result<(Committed, Rows), sqlx::Error>> = batch
            .iter()
            .map(|job| {
                let Commit { plan, row, sources } = &job.commit;
                commit::rows(plan, *row, sources, &mut view_ids)
            })
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
        let mut next_due = None;
        if index {
            store::inbox::index_pending(&mut tx).await?;
            next_due = Some(store::collection::order_pending(&mut tx).await?);
        }
        tx.commit().await?;
        let jobs = results
            .into_iter()
            .map(|result| result.map(|(committed, _)| committed))
            .collect();
        Ok((jobs, next_due))
    }
    .await;
    match outcome {
        Ok((jobs, indexed)) => BatchResults { jobs, indexed },
        Err(error) => {
            // The connection may be broken: take a fresh one next time.
            *conn = None;
            let jobs = batch
                .iter()
                .map(|_| Err(store::availability::for_each_request(&error)))
                .collect();
            BatchResults {
                jobs,
                indexed: None,
            }
        }
    }
}

#[cfg(test)]
#[path = "group_commit_tests.rs"]
mod tests;
