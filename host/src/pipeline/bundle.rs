//! Reports submitted together (a STIX bundle, a TAXII envelope): each decided
//! under its community's policy as one submitted alone would be, a community's
//! reports a few at a time on one thread ([`plan::plan_all`]), then all
//! committed in one transaction.

use std::collections::BTreeMap;

use super::{
    Committed, Pipeline, PipelineError, Plan, StixSource, commit, group_commit, plan, shadow,
};
use crate::model::Report;

impl Pipeline {
    /// Decides and stores new reports imported together (a STIX bundle, a
    /// TAXII envelope), each with the STIX objects it came from: every report is
    /// decided under its community's policy as one submitted alone would be, then
    /// all are committed in one transaction. One result per report, in order; a
    /// report that cannot be decided or stored fails alone.
    pub async fn submit_all(
        &self,
        reports: Vec<(Report, Vec<StixSource>)>,
    ) -> Vec<Result<Committed, PipelineError>> {
        let (reports, sources): (Vec<Report>, Vec<Vec<StixSource>>) = reports.into_iter().unzip();
        let decided = self.decide_all(reports).await.into_iter().zip(sources);
        let mut results: Vec<Option<Result<Committed, PipelineError>>> = Vec::new();
        let mut commits = Vec::new();
        let mut waiting = Vec::new();
        for (index, (decision, sources)) in decided.into_iter().enumerate() {
            match decision {
                Ok((plan, shadow)) => {
                    let row = commit::Row::New;
                    commits.push(group_commit::Commit { plan, row, sources });
                    waiting.push((index, shadow));
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
        let committed = self.writer.commit_all(commits).await;
        for ((index, shadow), outcome) in waiting.into_iter().zip(committed) {
            if outcome.is_ok()
                && let Some(job) = shadow
            {
                self.shadow.enqueue(job);
            }
            results[index] = Some(outcome.map_err(PipelineError::from));
        }
        // commit_all answers once per plan, so every result is filled in.
        let closed = || Err(PipelineError::Database(sqlx::Error::PoolClosed));
        results
            .into_iter()
            .map(|result| result.unwrap_or_else(closed))
            .collect()
    }

    /// [`Pipeline::decide`] for new reports submitted together, one result per
    /// report, in order: a community's reports are planned together
    /// ([`plan::plan_all`]) unless a shadow version must decide them too, or its
    /// policy cannot be had; then each is decided alone (and fails alone).
    async fn decide_all(
        &self,
        reports: Vec<Report>,
    ) -> Vec<Result<(Plan, Option<shadow::Job>), PipelineError>> {
        let mut by_community: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, report) in reports.iter().enumerate() {
            by_community
                .entry(report.community.clone())
                .or_default()
                .push(index);
        }
        let mut results: Vec<Option<Result<(Plan, Option<shadow::Job>), PipelineError>>> =
            reports.iter().map(|_| None).collect();
        for (community, indices) in by_community {
            let together = match self.policy(&community).await {
                Ok(Some(policy)) if self.shadow.version_for(self, &community).await.is_none() => {
                    let now = crate::store::clock::now_utc();
                    let chosen = indices.iter().map(|i| reports[*i].clone()).collect();
                    plan::plan_all(self, policy, chosen, now).await.ok()
                }
                _ => None,
            };
            match together {
                Some(plans) => {
                    for (index, plan) in indices.into_iter().zip(plans) {
                        results[index] = Some(plan.map(|p| (p, None)).map_err(PipelineError::from));
                    }
                }
                None => {
                    let alone = indices
                        .iter()
                        .map(|i| self.decide(reports[*i].clone(), commit::Row::New));
                    let decided = futures_util::future::join_all(alone).await;
                    for (index, decision) in indices.into_iter().zip(decided) {
                        results[index] = Some(decision);
                    }
                }
            }
        }
        // Every index belongs to exactly one community, so every result is set.
        let lost = || Err(PipelineError::Database(sqlx::Error::PoolClosed));
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(lost))
            .collect()
    }
}
