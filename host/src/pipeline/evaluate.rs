//! Evaluating reports on their community's plugin, all on one blocking thread:
//! each report on a fresh instance, the runtime's one decision sequence
//! ([`runtime::fingerprint`] then [`Fingerprinted::conclude`]) with the
//! candidate cases looked up in between, then the host's guardrails. Forwards
//! are planned after, in [`super::plan`].

use std::time::{Duration, Instant};

use sqlx::AnyPool;
use time::OffsetDateTime;

use super::audience::{self, Candidates};
use super::cases::{self, BundleCases};
use super::guardrails::{self, Decided};
use super::plan::Policy;
use crate::model::{CaseSummary, Correlation, Report};
use crate::runtime::{self, Cases, EvaluationLog, Fingerprinted, PluginError, PolicyContext};
use crate::store;

/// The plugin's answer and what it logged.
pub(super) struct Evaluated {
    /// The decision after the guardrails, with the id of the case the report
    /// joins or opens.
    pub result: Result<(Decided, String), PluginError>,
    pub log: EvaluationLog,
    pub audience_size: usize,
    /// From the fresh instance to the last answer, the report's share of the
    /// candidate lookup included.
    pub duration_us: i64,
}

/// A report after `fingerprints`: decided (it faulted), or waiting on its
/// instance for its cases.
enum Begun<'p, 'r> {
    Done(Evaluated),
    Fingerprinted {
        fingerprinted: Box<Fingerprinted<'p, 'r>>,
        placed: Option<CaseSummary>,
        audience: crate::runtime::Audience,
        spent: Duration,
    },
}

/// What [`evaluate`] gives back: one result per report, and the bundle's
/// cases with those its reports opened added.
pub(super) type EvaluatedAll = (Vec<Result<Evaluated, sqlx::Error>>, BundleCases);

/// Runs the plugin for each report, each on a fresh instance: every report's
/// fingerprints first, then one candidate-case lookup for all of them over one
/// database connection, then, one report after the other, `correlate` (among
/// the stored candidates and the cases `opened` earlier in the bundle) and
/// `route` on the instance that fingerprinted it, and the guardrails.
pub(super) async fn evaluate(
    db: AnyPool,
    policy: Policy,
    items: Vec<(Report, Option<CaseSummary>)>,
    candidates: Candidates,
    now: OffsetDateTime,
    mut opened: BundleCases,
) -> Result<EvaluatedAll, tokio::task::JoinError> {
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let context = PolicyContext {
            community: policy.community.clone(),
            settings: policy.settings.clone(),
            now,
        };
        let begun: Vec<Begun> = items
            .iter()
            .map(|(report, placed)| begin(&policy, &context, report, placed, &candidates))
            .collect();
        let wanted: Vec<&[String]> = begun
            .iter()
            .filter_map(|begun| match begun {
                Begun::Fingerprinted {
                    fingerprinted,
                    placed: None,
                    ..
                } => Some(fingerprinted.fingerprints()),
                _ => None,
            })
            .collect();
        // Reports without fingerprints have no candidates: no connection for them.
        let mut found = if wanted.iter().all(|fingerprints| fingerprints.is_empty()) {
            Ok(wanted.iter().map(|_| Default::default()).collect())
        } else {
            let started = Instant::now();
            let looked_up = handle.block_on(async {
                let mut conn = db.acquire().await?;
                cases::candidates_for_each(&mut conn, &policy.community, &wanted).await
            });
            // Each report is charged an equal share of the lookup.
            let share = started.elapsed() / wanted.len() as u32;
            looked_up.map(|found| found.into_iter().map(|cases| (cases, share)).collect())
        }
        .map(Vec::into_iter);
        let evaluated = begun
            .into_iter()
            .zip(&items)
            .map(|(begun, (report, _))| match begun {
                Begun::Done(evaluated) => Ok(evaluated),
                Begun::Fingerprinted {
                    fingerprinted,
                    placed,
                    audience,
                    mut spent,
                } => {
                    let cases = match (placed, &mut found) {
                        (Some(case), _) => Cases::Placed(case),
                        (None, Ok(found)) => {
                            let (stored, share) = found.next().unwrap_or_default();
                            spent += share;
                            let fingerprints = fingerprinted.fingerprints();
                            Cases::Candidates(opened.candidates(fingerprints, stored))
                        }
                        (None, Err(error)) => {
                            let error = format!("candidate cases: {error}");
                            return Err(sqlx::Error::Protocol(error));
                        }
                    };
                    let started = Instant::now();
                    let run = fingerprinted.conclude(cases, &audience);
                    let result = run
                        .result
                        .and_then(|d| guardrails::apply(&policy, report, &candidates, d))
                        .map(|decided| {
                            let case_id = match &decided.correlation {
                                Correlation::Join(id) => id.clone(),
                                Correlation::NewCase(_) => store::new_id("case"),
                            };
                            let (correlation, fingerprints) =
                                (&decided.correlation, &decided.fingerprints);
                            opened.record(report, correlation, &case_id, fingerprints);
                            (decided, case_id)
                        });
                    Ok(Evaluated {
                        result,
                        log: run.log,
                        audience_size: audience.len(),
                        duration_us: (spent + started.elapsed()).as_micros() as i64,
                    })
                }
            })
            .collect();
        (evaluated, opened)
    })
    .await
}

/// A fresh instance for `report` and its fingerprints.
fn begin<'p, 'r>(
    policy: &'p Policy,
    context: &PolicyContext,
    report: &'r Report,
    placed: &Option<CaseSummary>,
    candidates: &Candidates,
) -> Begun<'p, 'r> {
    let started = Instant::now();
    let audience = audience::within_ceiling(report, candidates);
    match runtime::fingerprint(&policy.plugin, context, report) {
        Ok(fingerprinted) => Begun::Fingerprinted {
            fingerprinted: Box::new(fingerprinted),
            placed: placed.clone(),
            audience,
            spent: started.elapsed(),
        },
        Err(faulted) => Begun::Done(Evaluated {
            result: Err(faulted.error),
            log: faulted.log,
            audience_size: audience.len(),
            duration_us: started.elapsed().as_micros() as i64,
        }),
    }
}
