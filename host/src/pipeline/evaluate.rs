//! Evaluating reports on their community's plugin: a fresh instance per report,
//! `fingerprints`, the candidate cases, `correlate` and `route`, all on one
//! blocking thread. The host's guardrails come after, in [`super::plan`].

use std::time::{Duration, Instant};

use sqlx::AnyPool;
use time::OffsetDateTime;

use super::audience::{self, Candidates};
use super::cases;
use super::plan::Policy;
use crate::model::{CaseSummary, Correlation, Report};
use crate::runtime::{Evaluation, Fault, PluginError, PolicyContext, Stage, case_for_route};

/// The plugin's raw answer and what it logged.
pub(super) struct Evaluated {
    pub result: Result<Raw, PluginError>,
    pub log: crate::runtime::EvaluationLog,
    pub audience_size: usize,
    /// From the fresh instance to the last answer, the candidate lookup included.
    pub duration_us: i64,
}

pub(super) struct Raw {
    pub fingerprints: Vec<String>,
    pub correlation: Correlation,
    pub routing: crate::model::Routing,
}

/// Runs the plugin on one blocking thread (wasm calls are synchronous) for each
/// report, each on a fresh instance: every report's fingerprints first, then one
/// candidate-case lookup for all of them over one database connection, then
/// each report's `correlate` and `route` on the instance that fingerprinted it.
pub(super) async fn evaluate(
    db: AnyPool,
    policy: Policy,
    items: Vec<(Report, Option<CaseSummary>)>,
    candidates: Candidates,
    now: OffsetDateTime,
) -> Result<Vec<Result<Evaluated, sqlx::Error>>, tokio::task::JoinError> {
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
            .filter_map(|b| match b {
                Begun::Fingerprinted(f) if f.placed.is_none() => Some(&f.fingerprints[..]),
                _ => None,
            })
            .collect();
        let mut found = if wanted.is_empty() {
            Ok(Vec::new())
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
        begun
            .into_iter()
            .map(|begun| match begun {
                Begun::Done(evaluated) => Ok(evaluated),
                Begun::Fingerprinted(f) if f.placed.is_some() => {
                    Ok(conclude(&policy, &context, f, Vec::new()))
                }
                Begun::Fingerprinted(mut f) => match &mut found {
                    Ok(found) => {
                        let (cases, share) = found.next().unwrap_or_default();
                        f.spent += share;
                        Ok(conclude(&policy, &context, f, cases))
                    }
                    Err(error) => Err(sqlx::Error::Protocol(format!("candidate cases: {error}"))),
                },
            })
            .collect()
    })
    .await
}

/// A report's evaluation after `fingerprints`: finished (a fault), or waiting
/// for its candidate cases on the instance that fingerprinted it.
enum Begun<'p, 'r> {
    Done(Evaluated),
    Fingerprinted(Fingerprinted<'p, 'r>),
}

struct Fingerprinted<'p, 'r> {
    evaluation: Evaluation<'p, 'r>,
    report: &'r Report,
    fingerprints: Vec<String>,
    /// The case the host placed the report in; otherwise the plugin correlates.
    placed: Option<CaseSummary>,
    audience: Vec<crate::model::Member>,
    /// Time spent on this report so far (its share of the lookup included).
    spent: Duration,
}

fn begin<'p, 'r>(
    policy: &'p Policy,
    context: &PolicyContext,
    report: &'r Report,
    placed: &Option<CaseSummary>,
    candidates: &Candidates,
) -> Begun<'p, 'r> {
    let started = Instant::now();
    let audience = audience::within_ceiling(report, candidates);
    let fault = |error, log| {
        Begun::Done(Evaluated {
            result: Err(error),
            log,
            audience_size: audience.len(),
            duration_us: started.elapsed().as_micros() as i64,
        })
    };
    let mut evaluation = match policy.plugin.evaluation(context, report) {
        Ok(evaluation) => evaluation,
        Err(error) => return fault(error, Default::default()),
    };
    match evaluation.fingerprints() {
        Ok(fingerprints) => Begun::Fingerprinted(Fingerprinted {
            evaluation,
            report,
            fingerprints,
            placed: placed.clone(),
            audience,
            spent: started.elapsed(),
        }),
        Err(error) => fault(error, evaluation.log()),
    }
}

/// Correlates among `found` (unless the host placed the report in a case: it
/// joins that one) and routes, on the report's instance.
fn conclude(
    policy: &Policy,
    context: &PolicyContext,
    f: Fingerprinted<'_, '_>,
    found: Vec<CaseSummary>,
) -> Evaluated {
    let started = Instant::now();
    let Fingerprinted {
        mut evaluation,
        report,
        fingerprints,
        placed,
        audience,
        spent,
    } = f;
    let run = || -> Result<Raw, PluginError> {
        let (cases, correlation) = match placed {
            Some(case) => {
                let join = Correlation::Join(case.id.clone());
                (vec![case], join)
            }
            None => {
                let correlation = evaluation.correlate(&found)?;
                (found, correlation)
            }
        };
        let Some(case) = case_for_route(&correlation, &cases, report, context.now) else {
            return Err(PluginError {
                digest: policy.plugin.digest(),
                stage: Stage::Correlate,
                fault: Fault::InvalidOutput("joins a case that is not a candidate".into()),
            });
        };
        let routing = evaluation.route(&case, &audience)?;
        Ok(Raw {
            fingerprints,
            correlation,
            routing,
        })
    };
    let result = run();
    Evaluated {
        result,
        log: evaluation.log(),
        audience_size: audience.len(),
        duration_us: (spent + started.elapsed()).as_micros() as i64,
    }
}
