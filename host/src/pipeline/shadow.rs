//! Shadow runs: a community's shadow version decides every new live report again,
//! after the active decision has been committed, on one background worker fed by a
//! bounded queue. The request never waits for it: a full queue skips the run, and
//! a shadow fault, error or slowness only shows up in the stored diff.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, Weak};

use serde_json::json;
use sqlx::Row as _;
use tokio::sync::mpsc;

use super::plan::{self, Plan, PlanError, Policy};
use super::{Committed, Pipeline};
use crate::model::Report;
use crate::registry::diff::{Decided, diff};
use crate::registry::shadow_diffs::{self, ShadowRun};

/// Shadow runs waiting at most; past this, new ones are skipped (and counted).
const QUEUE_CAPACITY: usize = 1024;

#[derive(Clone)]
struct ShadowVersion {
    id: i64,
    policy: Policy,
}

/// A shadow run prepared before the active plan is committed.
pub(crate) struct Pending {
    version: ShadowVersion,
    report: Report,
    active_digest: String,
    outputs: Option<serde_json::Value>,
    fault: Option<String>,
}

struct Job {
    pending: Pending,
    case_id: Option<String>,
}

pub(crate) struct Shadow {
    /// Each community's shadow version (or none), until a policy change; the counter
    /// keeps a lookup that raced with a change from caching what it read.
    versions: Mutex<(u64, HashMap<String, Option<ShadowVersion>>)>,
    queue: mpsc::Sender<Job>,
    skipped: AtomicU64,
}

impl Shadow {
    /// Starts the worker; it ends when the pipeline is dropped.
    pub(crate) fn start(pipeline: Weak<Pipeline>) -> Shadow {
        let (queue, jobs) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(worker(pipeline, jobs));
        Shadow {
            versions: Mutex::default(),
            queue,
            skipped: AtomicU64::new(0),
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

    /// The shadow run to queue once `plan` is committed, if its community has a
    /// shadow version. Errors are logged, never returned: live processing goes on.
    pub(crate) async fn prepare(&self, pipeline: &Pipeline, plan: &Plan) -> Option<Pending> {
        let version = match self.version(pipeline, &plan.report.community).await {
            Ok(version) => version?,
            Err(error) => {
                tracing::warn!(%error, community = %plan.report.community, "shadow version unavailable");
                return None;
            }
        };
        Some(Pending {
            version,
            report: plan.report.clone(),
            active_digest: plan.decision.plugin_digest.clone(),
            outputs: plan.decision.outputs.clone(),
            fault: plan.decision.fault.clone(),
        })
    }

    pub(crate) fn enqueue(&self, pending: Pending, committed: &Committed) {
        let job = Job {
            pending,
            case_id: committed.case_id.clone(),
        };
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
        let run = run(&pipeline, job).await;
        if let Err(error) = shadow_diffs::record(&pipeline.db, &run).await {
            tracing::warn!(%error, report = %run.report_id, "cannot store a shadow diff");
        }
    }
}

/// Plans the report under the shadow version (nothing is written) and diffs it.
async fn run(pipeline: &Pipeline, job: Job) -> ShadowRun {
    let Job { pending, case_id } = job;
    let active = Decided::from_outputs(
        pending.outputs.as_ref(),
        pending.fault.as_deref(),
        case_id.as_deref(),
    );
    let shadow_digest = pending.version.policy.plugin.digest().hex();
    let report_id = pending.report.id.clone();
    let community = pending.report.community.clone();
    let (diff, fault) =
        match plan::plan(pipeline, pending.version.policy, pending.report, None).await {
            Ok(shadow) => {
                let fault = shadow.decision.fault.clone();
                let candidate =
                    Decided::from_outputs(shadow.decision.outputs.as_ref(), fault.as_deref(), None);
                (diff(&active, &candidate), fault)
            }
            Err(error) => (json!({}), Some(error.to_string())),
        };
    ShadowRun {
        community,
        report_id,
        shadow_version: pending.version.id,
        active_digest: pending.active_digest,
        shadow_digest,
        diff,
        fault,
    }
}
