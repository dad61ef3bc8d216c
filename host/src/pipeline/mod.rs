//! The report pipeline (`docs/architecture.md`, section 3): plan (plugin + guardrails),
//! then commit everything in one transaction, then wake inbox streams.

mod audience;
mod bundle;
mod cases;
mod commit;
mod evaluate;
mod group_commit;
mod guardrails;
mod plan;
mod roster_cache;
mod rows;
mod shadow;
mod slots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use sqlx::{AnyPool, Row as _};

pub use commit::Committed;
pub use plan::{Outcome, Plan, PlanError, Policy};
pub use rows::StixSource;

use crate::cluster::{self, Signal};
use crate::model::Report;
use crate::runtime::{Plugin, PolicyRuntime};

/// Why a report could not be decided or stored (never a plugin fault: those quarantine).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("community {0} does not exist")]
    UnknownCommunity(String),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// One evaluation per core: a plugin close to its deadline gets a whole core
/// (the wait for candidate cases in between is short).
fn evaluation_slots() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Shared by every request: the database, the runtime and the loaded plugins.
pub struct Pipeline {
    pub db: AnyPool,
    runtime: Arc<PolicyRuntime>,
    /// Loaded plugins by digest (hex). Requests that find a plugin not loaded
    /// yet wait for one load instead of each compiling it: a dozen requests
    /// arriving at a cold start would otherwise compile it a dozen times at once
    /// and take seconds to be answered.
    plugins: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Arc<Plugin>>>>>,
    /// Bumped after every commit that delivered something, to wake inbox streams.
    /// Requires a Tokio runtime: [`Pipeline::new`] starts the group-commit writer.
    pub deliveries: tokio::sync::watch::Sender<u64>,
    roster: roster_cache::RosterCache,
    /// Community policies by id, until a community is configured again; the
    /// counter lets a lookup that raced with a change avoid caching what it read.
    policies: Mutex<(u64, HashMap<String, Policy>)>,
    writer: group_commit::GroupCommit,
    /// Evaluations running at once, with a budget per community (see [`slots`]).
    evaluations: slots::Slots,
    /// Why a stored plugin (by digest, hex) did not load at its last attempt.
    unusable: Mutex<HashMap<String, String>>,
    shadow: shadow::Shadow,
    /// Tells the other host nodes on the same database what changed here.
    cluster: cluster::Broadcast,
    /// Set when the server shuts down: open inbox streams end, so the graceful
    /// shutdown that waits for every response to finish can finish.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Pipeline {
    /// Shared from the start: the shadow worker holds a weak handle to it.
    pub fn new(db: AnyPool, runtime: Arc<PolicyRuntime>) -> Arc<Pipeline> {
        let (cluster, listener) = cluster::join(&db);
        let pipeline = Arc::new_cyclic(|this: &Weak<Pipeline>| {
            Pipeline::build(db, runtime, this.clone(), cluster)
        });
        if let Some(listener) = listener {
            listener.start(Arc::downgrade(&pipeline));
        }
        pipeline
    }

    fn build(
        db: AnyPool,
        runtime: Arc<PolicyRuntime>,
        this: Weak<Pipeline>,
        cluster: cluster::Broadcast,
    ) -> Pipeline {
        let deliveries = tokio::sync::watch::channel(0).0;
        Pipeline {
            writer: group_commit::GroupCommit::start(
                db.clone(),
                deliveries.clone(),
                cluster.clone(),
            ),
            cluster,
            shadow: shadow::Shadow::start(this, runtime.limits().deadline),
            roster: roster_cache::RosterCache::new(db.clone()),
            policies: Mutex::default(),
            db,
            runtime,
            plugins: Mutex::default(),
            deliveries,
            evaluations: slots::Slots::new(evaluation_slots()),
            unusable: Mutex::default(),
            stopping: tokio::sync::watch::channel(false).0,
        }
    }

    /// Ends every open inbox stream (the server is shutting down).
    pub fn stop_streams(&self) {
        self.stopping.send_replace(true);
    }

    /// Becomes true when the server shuts down.
    pub fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Call after any change of who is an approved member, or of a member's class:
    /// the next report reads the roster afresh, so revocation is immediate.
    pub fn membership_changed(&self) {
        self.roster.invalidate();
        self.cluster.send(Signal::Membership);
    }

    /// A number that changes with every membership change (for caches keyed on membership).
    pub fn membership_generation(&self) -> u64 {
        self.roster.generation()
    }

    /// Wakes at every membership change, on this node or another (the value is
    /// the generation): inbox streams then check their member is still approved.
    pub fn membership_watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.roster.subscribe()
    }

    /// Brings every member's collection order (`store::collection`) up to date
    /// with what is committed and due, if it lags: readers of the order call
    /// this first, so a member sees its deliveries as soon as they are due.
    pub async fn ordered(&self) -> Result<(), sqlx::Error> {
        if crate::store::collection::lagging(&self.db).await? {
            self.writer.flush().await?;
        }
        Ok(())
    }

    /// Call after a community's active or shadow policy version changes.
    pub fn policy_changed(&self, community: &str) {
        self.forget_policies(Some(community));
        self.cluster.send(Signal::Policy(community.into()));
    }

    /// Forgets the cached policy of `community`, or of every community.
    fn forget_policies(&self, community: Option<&str>) {
        let mut policies = self.policies.lock().unwrap_or_else(PoisonError::into_inner);
        policies.0 += 1;
        match community {
            Some(community) => policies.1.remove(community),
            None => {
                policies.1.clear();
                None
            }
        };
        self.shadow.invalidate(community);
    }

    /// Shadow runs skipped so far because the shadow queue was full.
    pub fn shadow_runs_skipped(&self) -> u64 {
        self.shadow.skipped()
    }

    /// Every approved member, cached (see [`roster_cache`]).
    pub(crate) async fn roster(&self) -> Result<Arc<audience::Roster>, sqlx::Error> {
        self.roster.get().await
    }

    pub fn runtime(&self) -> &PolicyRuntime {
        &self.runtime
    }

    /// The stored plugin with this digest (hex), loaded once.
    pub async fn plugin(&self, digest: &str) -> Result<Arc<Plugin>, PlanError> {
        let cell = self
            .plugins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(digest.into())
            .or_default()
            .clone();
        // A load that fails leaves the cell empty: the next request tries again.
        let plugin = cell.get_or_try_init(|| self.load(digest)).await?;
        Ok(plugin.clone())
    }

    async fn load(&self, digest: &str) -> Result<Arc<Plugin>, PlanError> {
        let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM plugins WHERE digest = $1")
            .bind(digest)
            .fetch_optional(&self.db)
            .await?
            .ok_or_else(|| PlanError::Plugin {
                digest: digest.into(),
                reason: "not stored".into(),
            })?;
        // Loading runs the plugin's warm-up: guest code, never on an async worker.
        let runtime = self.runtime.clone();
        let loaded = tokio::task::spawn_blocking(move || runtime.load(&bytes)).await?;
        let mut unusable = self.unusable.lock().unwrap_or_else(PoisonError::into_inner);
        match loaded {
            Ok(plugin) => {
                unusable.remove(digest);
                Ok(plugin)
            }
            Err(error) => {
                let reason = format!("{}: {}", error.stage, error.fault);
                unusable.insert(digest.into(), reason.clone());
                Err(PlanError::Plugin {
                    digest: digest.into(),
                    reason,
                })
            }
        }
    }

    /// Why the stored plugin `digest` (hex) did not load at its last attempt on
    /// this node, if it did not.
    pub fn unusable(&self, digest: &str) -> Option<String> {
        self.unusable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(digest)
            .cloned()
    }

    /// The community's policy as configured now, or `None` if there is no such community.
    pub async fn policy(&self, community: &str) -> Result<Option<Policy>, PlanError> {
        let version = {
            let policies = self.policies.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(policy) = policies.1.get(community) {
                return Ok(Some(policy.clone()));
            }
            policies.0
        };
        let row = sqlx::query("SELECT plugin_digest, settings FROM communities WHERE id = $1")
            .bind(community)
            .fetch_optional(&self.db)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let digest: String = row.try_get(0)?;
        let plugin = self.plugin(&digest).await?;
        let policy = Policy {
            community: community.into(),
            plugin,
            settings: row.try_get(1)?,
        };
        let mut policies = self.policies.lock().unwrap_or_else(PoisonError::into_inner);
        if policies.0 == version {
            policies.1.insert(community.into(), policy.clone());
        }
        Ok(Some(policy))
    }

    /// Decides `report` under `policy` without writing anything (replays).
    pub async fn dry_run(&self, policy: Policy, report: Report) -> Result<Plan, PlanError> {
        plan::plan(self, policy, report, None).await
    }

    /// [`Pipeline::dry_run`] with the plugins told that the time is `now`, so two
    /// versions compared (the playground) decide at the same moment.
    pub async fn dry_run_at(
        &self,
        policy: Policy,
        report: Report,
        now: time::OffsetDateTime,
    ) -> Result<Plan, PlanError> {
        plan::plan_at(self, policy, report, now).await
    }

    /// Decides and stores a new report (and its forwards) in one transaction.
    pub async fn submit(&self, report: Report) -> Result<Committed, PipelineError> {
        self.decide_and_commit(report, commit::Row::New).await
    }

    /// Decides and stores a report the host places in an existing `case` (notes,
    /// feedback, trend reports): the plugin fingerprints and routes it as usual.
    pub async fn submit_to_case(
        &self,
        report: Report,
        case: crate::model::CaseSummary,
    ) -> Result<Committed, PipelineError> {
        let policy = self
            .policy(&report.community)
            .await?
            .ok_or_else(|| PipelineError::UnknownCommunity(report.community.clone()))?;
        let now = crate::store::clock::now_utc();
        let plan = plan::plan_placed(self, policy, report, None, Some(case), now).await?;
        Ok(self.writer.commit(plan, commit::Row::New).await?)
    }

    /// Runs a stored report again under the community's current policy.
    pub async fn rerun(&self, report: Report) -> Result<Committed, PipelineError> {
        self.decide_and_commit(report, commit::Row::Existing).await
    }

    async fn decide_and_commit(
        &self,
        report: Report,
        row: commit::Row,
    ) -> Result<Committed, PipelineError> {
        let (plan, shadow) = self.decide(report, row).await?;
        let committed = self.writer.commit(plan, row).await?;
        if let Some(job) = shadow {
            self.shadow.enqueue(job);
        }
        Ok(committed)
    }

    /// Decides `report` under its community's policy; for a new report while a
    /// shadow version runs, that version decides it too, at the same time and
    /// from the same inputs (its outcome never stops the live report).
    async fn decide(
        &self,
        report: Report,
        row: commit::Row,
    ) -> Result<(Plan, Option<shadow::Job>), PipelineError> {
        let policy = self
            .policy(&report.community)
            .await?
            .ok_or_else(|| PipelineError::UnknownCommunity(report.community.clone()))?;
        let version = match row {
            commit::Row::New => self.shadow.version_for(self, &report.community).await,
            commit::Row::Existing => None,
        };
        let Some(version) = version else {
            return Ok((plan::plan(self, policy, report, None).await?, None));
        };
        let now = crate::store::clock::now_utc();
        let (active, shadow) = tokio::join!(
            plan::plan_at(self, policy, report.clone(), now),
            self.shadow.decide(self, &version, report, now),
        );
        let plan = active?;
        let job = shadow::Job::new(&version, &plan, shadow);
        Ok((plan, Some(job)))
    }
}

/// Another node's change: drop what it made stale here, wake the streams.
impl cluster::Receiver for Pipeline {
    fn received(&self, signal: &Signal) {
        match signal {
            Signal::Deliveries => self.deliveries.send_modify(|n| *n += 1),
            Signal::Membership => self.roster.invalidate(),
            Signal::Policy(community) => self.forget_policies(Some(community)),
        }
    }

    fn missed(&self) {
        self.roster.invalidate();
        self.forget_policies(None);
        self.deliveries.send_modify(|n| *n += 1);
    }
}
