//! Reports submitted together (a STIX bundle, a TAXII envelope): each decided
//! under its community's policy as one submitted alone would be, a community's
//! reports a few at a time on one thread ([`BundlePlanner`]); each few is
//! handed to the group commit as soon as it is decided, so the writer commits
//! them while the next are decided, and the bundle is answered once every one
//! is committed.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;

use super::plan::{BundlePlanner, EVALUATIONS_PER_SLOT};
use super::{Committed, Pipeline, PipelineError, Plan, StixSource, commit, group_commit, shadow};
use crate::model::Report;

/// One result per report of a bundle, filled in as they come.
type Results = Vec<Option<Result<Committed, PipelineError>>>;

/// Reports decided and handed to the writer: their places in the bundle, the
/// shadow evaluation each is owed once committed, and the writer's answer.
struct Committing {
    waiting: Vec<(usize, Option<shadow::Job>)>,
    answer: BoxFuture<'static, Vec<Result<Committed, sqlx::Error>>>,
}

type Decided = Result<(Plan, Option<shadow::Job>), PipelineError>;

impl Pipeline {
    /// Decides and stores new reports imported together (a STIX bundle, a
    /// TAXII envelope), each with the STIX objects it came from: every report is
    /// decided under its community's policy as one submitted alone would be, and
    /// committed through the group commit. One result per report, in order; a
    /// report that cannot be decided or stored fails alone. Nothing is answered
    /// before everything is committed.
    pub async fn submit_all(
        &self,
        reports: Vec<(Report, Vec<StixSource>)>,
    ) -> Vec<Result<Committed, PipelineError>> {
        let mut by_community: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, (report, _)) in reports.iter().enumerate() {
            by_community
                .entry(report.community.clone())
                .or_default()
                .push(index);
        }
        let (reports, mut sources): (Vec<Report>, Vec<Vec<StixSource>>) =
            reports.into_iter().unzip();
        let mut results: Results = reports.iter().map(|_| None).collect();
        let mut committing = Vec::new();
        for (community, indices) in by_community {
            let mut rest = &indices[..];
            if let Some(mut planner) = self.bundle_planner(&community).await {
                while !rest.is_empty() {
                    let (chunk, after) = rest.split_at(rest.len().min(EVALUATIONS_PER_SLOT));
                    let chosen = chunk.iter().map(|i| reports[*i].clone()).collect();
                    // Should the planner fail (its thread, its connection), the
                    // reports it did not plan are decided alone.
                    let Ok(plans) = planner.plan(self, chosen).await else {
                        break;
                    };
                    let decided = plans
                        .into_iter()
                        .map(|plan| plan.map(|p| (p, None)).map_err(PipelineError::from));
                    let decided = chunk.iter().copied().zip(decided).collect();
                    committing.extend(
                        self.commit_decided(decided, &mut sources, &mut results)
                            .await,
                    );
                    rest = after;
                }
            }
            let alone = rest
                .iter()
                .map(|i| self.decide(reports[*i].clone(), commit::Row::New));
            let decided = futures_util::future::join_all(alone).await;
            let decided = rest.iter().copied().zip(decided).collect();
            committing.extend(
                self.commit_decided(decided, &mut sources, &mut results)
                    .await,
            );
        }
        for Committing { waiting, answer } in committing {
            let mut answers = answer.await.into_iter();
            for (index, shadow) in waiting {
                let outcome = answers.next().unwrap_or(Err(sqlx::Error::PoolClosed));
                if outcome.is_ok()
                    && let Some(job) = shadow
                {
                    self.shadow.enqueue(job);
                }
                results[index] = Some(outcome.map_err(PipelineError::from));
            }
        }
        // Every report was decided, then failed or was committed: every result is set.
        let closed = || Err(PipelineError::Database(sqlx::Error::PoolClosed));
        results
            .into_iter()
            .map(|result| result.unwrap_or_else(closed))
            .collect()
    }

    /// A planner for a bundle's reports of `community`, unless a shadow version
    /// must decide them too or its policy cannot be had: then each is decided
    /// alone (and fails alone).
    async fn bundle_planner(&self, community: &str) -> Option<BundlePlanner> {
        match self.policy(community).await {
            Ok(Some(policy)) if self.shadow.version_for(self, community).await.is_none() => {
                let now = crate::store::clock::now_utc();
                BundlePlanner::new(self, policy, now).await.ok()
            }
            _ => None,
        }
    }

    /// Hands the reports decided (by their place in the bundle) to the writer,
    /// with the STIX objects each came from; those that could not be decided
    /// fail now.
    async fn commit_decided(
        &self,
        decided: Vec<(usize, Decided)>,
        sources: &mut [Vec<StixSource>],
        results: &mut Results,
    ) -> Option<Committing> {
        let mut commits = Vec::new();
        let mut waiting = Vec::new();
        for (index, decision) in decided {
            match decision {
                Ok((plan, shadow)) => {
                    let sources = std::mem::take(&mut sources[index]);
                    let row = commit::Row::New;
                    commits.push(group_commit::Commit { plan, row, sources });
                    waiting.push((index, shadow));
                }
                Err(error) => results[index] = Some(Err(error)),
            }
        }
        if commits.is_empty() {
            return None;
        }
        // Sent to the writer now, not when the bundle's last reports are
        // decided: it commits these while the next are evaluated, and always
        // before them (a later report may join a case one of these opens).
        let answer = Box::pin(self.writer.send_all(commits).await);
        Some(Committing { waiting, answer })
    }
}
