//! Shadow runs: a community's shadow version decides every new live report
//! beside the active version, on the same snapshot (before the report is
//! committed, so neither sees the report's own case among the candidates) with
//! the same audience and the same `now`. A plugin cannot tell it is shadowed.
//! Both decisions are reduced to what each reader would read; a background worker
//! fed by a bounded queue diffs them and stores the diff. The live report waits
//! for the shadow evaluation at most [`Shadow::wait`]; a shadow fault, error or
//! timeout only shows up in the stored diff (a full queue skips the diff).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, Weak};
use std::time::Duration;

use sqlx::Row as _;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::Pipeline;
use super::plan::{self, Plan, PlanError, Policy};
use crate::model::Report;
use crate::registry::content_diff::{Seen, diff};
use crate::registry::shadow_diffs::{self, ShadowRun};

/// Shadow runs waiting at most; past this, new ones are skipped (and counted).
const QUEUE_CAPACITY: usize = 1024;

/// Calls a decision makes (fingerprints, correlate, route), each with its own
/// deadline; the wait for a shadow decision allows them all plus this much for
/// the candidate lookup and an evaluation slot, which take seconds only on a
/// machine so loaded that the active decision is slow too.
const DECISION_CALLS: u32 = 3;
const LOOKUP_ALLOWANCE: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub(crate) struct ShadowVersion {
    id: i64,
    policy: Policy,
}

/// A shadow decision made beside the active one, waiting to be diffed.
pub(crate) struct Job {
    version: i64,
    community: String,
    report_id: String,
    active_digest: String,
    shadow_digest: String,
    active: Seen,
    shadow: Seen,
}

impl Job {
    /// What `active` (about to be committed) and the shadow decision let each reader see.
    pub(crate) fn new(version: &ShadowVersion, active: &Plan, shadow: Seen) -> Job {
        Job {
            version: version.id,
            community: active.report.community.clone(),
            report_id: active.report.id.clone(),
            active_digest: active.decision.plugin_digest.clone(),
            shadow_digest: version.policy.plugin.digest().hex(),
            active: Seen::of_plan(active),
            shadow,
        }
    }
}

pub(crate) struct Shadow {
    /// Each community's shadow version (or none), until a policy change; the counter
    /// keeps a lookup that raced with a change from caching what it read.
    versions: Mutex<(u64, HashMap<String, Option<ShadowVersion>>)>,
    queue: mpsc::Sender<Job>,
    skipped: AtomicU64,
    /// How long a live report waits for its shadow decision.
    wait: Duration,
}

impl Shadow {
    /// Starts the worker; it ends when the pipeline is dropped.
    pub(crate) fn start(pipeline: Weak<Pipeline>, deadline: Duration) -> Shadow {
        let (queue, jobs) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(worker(pipeline, jobs));
        Shadow {
            versions: Mutex::default(),
            queue,
            skipped: AtomicU64::new(0),
            wait: deadline * DECISION_CALLS + LOOKUP_ALLOWANCE,
        }
    }

    /// Forgets the shadow version of `community`, or of every community.
    pub(crate) fn invalidate(&self, community: Option<&str>) {
        let mut versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
        versions.0 += 1;
        match community {
            Some(community) => versions.1.remove(community),
            None => {
                versions.1.clear();
                None
            }
        };
    }

    /// Shadow runs skipped because the queue was full.
    pub(crate) fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// The community's shadow version, if any. Errors are logged, never returned:
    /// live processing goes on.
    pub(crate) async fn version_for(
        &self,
        pipeline: &Pipeline,
        community: &str,
    ) -> Option<ShadowVersion> {
        match self.version(pipeline, community).await {
            Ok(version) => version,
            Err(error) => {
                tracing::warn!(%error, %community, "shadow version unavailable");
                None
            }
        }
    }

    /// Decides `report` under the shadow version with the active decision's
    /// inputs. Never fails: a fault, a host error or running past [`Shadow::wait`]
    /// is the shadow's outcome.
    pub(crate) async fn decide(
        &self,
        pipeline: &Pipeline,
        version: &ShadowVersion,
        report: Report,
        now: OffsetDateTime,
    ) -> Seen {
        let decided = plan::plan_at(pipeline, version.policy.clone(), report, now);
        match tokio::time::timeout(self.wait, decided).await {
            Ok(Ok(plan)) => Seen::of_plan(&plan),
            Ok(Err(error)) => Seen::Faulted(error.to_string()),
            Err(_) => Seen::Faulted(format!(
                "did not decide within {} ms; the live report went on without it",
                self.wait.as_millis()
            )),
        }
    }

    pub(crate) fn enqueue(&self, job: Job) {
        if self.queue.try_send(job).is_err() {
            self.skipped.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn version(
        &self,
        pipeline: &Pipeline,
        community: &str,
    ) -> Result<Option<ShadowVersion>, PlanError> {
        let generation = {
            let versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(version) = versions.1.get(community) {
                return Ok(version.clone());
            }
            versions.0
        };
        let row = sqlx::query(
            "SELECT id, plugin_digest, settings FROM policy_versions WHERE community_id = $1 AND status = 'shadow'",
        )
        .bind(community)
        .fetch_optional(&pipeline.db)
        .await?;
        let version = match row {
            Some(row) => Some(ShadowVersion {
                id: row.try_get(0)?,
                policy: Policy {
                    community: community.into(),
                    plugin: pipeline.plugin(&row.try_get::<String, _>(1)?).await?,
                    settings: row.try_get(2)?,
                },
            }),
            None => None,
        };
        let mut versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
        if versions.0 == generation {
            versions.1.insert(community.into(), version.clone());
        }
        Ok(version)
    }
}

async fn worker(pipeline: Weak<Pipeline>, mut jobs: mpsc::Receiver<Job>) {
    while let Some(job) = jobs.recv().await {
        let Some(pipeline) = pipeline.upgrade() else {
            return;
        };
        let run = run(job);
        if let Err(error) = shadow_diffs::record(&pipeline.db, &run).await {
            tracing::warn!(%error, report = %run.report_id, "cannot store a shadow diff");
        }
    }
}

fn run(job: Job) -> ShadowRun {
    let fault = match &job.shadow {
        Seen::Faulted(fault) => Some(fault.clone()),
        Seen::Decided { .. } => None,
    };
    let diff = diff(&job.active, &job.shadow);
    ShadowRun {
        community: job.community,
        report_id: job.report_id,
        shadow_version: job.version,
        active_digest: job.active_digest,
        shadow_digest: job.shadow_digest,
        diff: serde_json::to_value(&diff).unwrap_or_default(),
        fault,
    }
}
