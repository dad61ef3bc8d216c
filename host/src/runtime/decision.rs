//! One whole decision on a report: fingerprints, correlate, route on one fresh
//! instance. The one sequence every caller runs: fixtures, `plugin test`,
//! benchmarks, and (with a database lookup between fingerprints and correlate)
//! the report pipeline, its replays and shadow runs.

use time::OffsetDateTime;

use super::log::EvaluationLog;
use super::plugin::{Evaluation, Plugin, PolicyContext, StageTimes, timed};
use super::selectors::Selector;
use super::{Audience, Fault, PluginError, Stage};
use crate::model::{CaseSummary, Correlation, Report, Routing};

/// Id given to the case a report opens, until the host stores it.
pub const NEW_CASE_ID: &str = "new";

/// Everything a plugin reads for one report.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub context: PolicyContext,
    pub report: Report,
    pub candidates: Vec<CaseSummary>,
    pub audience: Audience,
}

/// Everything a plugin decided for one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub fingerprints: Vec<String>,
    pub correlation: Correlation,
    pub routing: Routing,
    /// A contract 0.2 plugin's selectors, one per group it answered, in order
    /// (empty for 0.1): what explains which group chose a member.
    pub selectors: Vec<Selector>,
}

/// The outcome of [`decide`], with the log and timings whether it succeeded or not.
#[derive(Debug)]
pub struct DecisionRun {
    pub result: Result<Decision, PluginError>,
    pub log: EvaluationLog,
    pub times: StageTimes,
}

/// The case `route` is told about: the joined candidate, or the case the report
/// opens. `None` when the correlation joins a case that is not a candidate (the
/// runtime's output check refuses such answers before they get here).
pub fn case_for_route(
    correlation: &Correlation,
    candidates: &[CaseSummary],
    report: &Report,
    now: OffsetDateTime,
) -> Option<CaseSummary> {
    match correlation {
        Correlation::Join(id) => candidates.iter().find(|c| c.id == *id).cloned(),
        Correlation::NewCase(title) => Some(CaseSummary {
            id: NEW_CASE_ID.into(),
            title: title.clone(),
            opened_at: now,
            last_report_at: now,
            report_count: 0,
            confidence: report.confidence,
            shared_fingerprints: Vec::new(),
        }),
    }
}

/// Where the case of a report being decided comes from.
#[derive(Debug, Clone)]
pub enum Cases {
    /// The open cases sharing its fingerprints: the plugin correlates among them.
    Candidates(Vec<CaseSummary>),
    /// The case the host placed it in (a note or feedback on that case): the
    /// plugin is not asked to correlate, the report joins this one.
    Placed(CaseSummary),
}

/// A decision halfway: `fingerprints` answered on a fresh instance, which waits
/// for the report's candidate cases (a database lookup, in the pipeline) to
/// correlate and route. Every decision, the pipeline's, the fixtures', `plugin
/// test`'s and the benchmarks', is [`fingerprint`] then [`Fingerprinted::conclude`].
pub struct Fingerprinted<'p, 'r> {
    plugin: &'p Plugin,
    evaluation: Evaluation<'p, 'r>,
    report: &'r Report,
    now: OffsetDateTime,
    fingerprints: Vec<String>,
    times: StageTimes,
}

/// A decision that ended before its candidate cases were needed.
#[derive(Debug)]
pub struct Faulted {
    pub error: PluginError,
    pub log: EvaluationLog,
    pub times: StageTimes,
}

impl From<Faulted> for DecisionRun {
    fn from(faulted: Faulted) -> DecisionRun {
        DecisionRun {
            result: Err(faulted.error),
            log: faulted.log,
            times: faulted.times,
        }
    }
}

/// Instantiates `plugin` for `report` and asks for its fingerprints; a fault
/// ends the decision there.
pub fn fingerprint<'p, 'r>(
    plugin: &'p Plugin,
    context: &PolicyContext,
    report: &'r Report,
) -> Result<Fingerprinted<'p, 'r>, Faulted> {
    let mut times = StageTimes::default();
    let evaluation = timed(&mut times.instantiate, || {
        plugin.evaluation(context, report)
    });
    let mut evaluation = evaluation.map_err(|error| Faulted {
        error,
        log: EvaluationLog::default(),
        times,
    })?;
    match timed(&mut times.fingerprints, || evaluation.fingerprints()) {
        Ok(fingerprints) => Ok(Fingerprinted {
            plugin,
            evaluation,
            report,
            now: context.now,
            fingerprints,
            times,
        }),
        Err(error) => Err(Faulted {
            error,
            log: evaluation.log(),
            times,
        }),
    }
}

impl Fingerprinted<'_, '_> {
    /// The fingerprints the plugin gave, to look the candidate cases up by.
    pub fn fingerprints(&self) -> &[String] {
        &self.fingerprints
    }

    /// Correlates among the candidates (or joins the placed case) and routes to
    /// `audience`, on the instance that fingerprinted the report.
    pub fn conclude(self, cases: Cases, audience: &Audience) -> DecisionRun {
        let Fingerprinted {
            plugin,
            mut evaluation,
            report,
            now,
            fingerprints,
            mut times,
        } = self;
        let steps = || -> Result<Decision, PluginError> {
            let (candidates, correlation) = match cases {
                Cases::Placed(case) => {
                    let join = Correlation::Join(case.id.clone());
                    (vec![case], join)
                }
                Cases::Candidates(candidates) => {
                    let correlation =
                        timed(&mut times.correlate, || evaluation.correlate(&candidates))?;
                    (candidates, correlation)
                }
            };
            let case = case_for_route(&correlation, &candidates, report, now).ok_or_else(|| {
                PluginError {
                    digest: plugin.digest(),
                    stage: Stage::Correlate,
                    fault: Fault::InvalidOutput(format!("{correlation:?} names no candidate")),
                }
            })?;
            let (routing, selectors) =
                timed(&mut times.route, || evaluation.route(&case, audience))?;
            Ok(Decision {
                fingerprints,
                correlation,
                routing,
                selectors,
            })
        };
        let result = steps();
        DecisionRun {
            result,
            log: evaluation.log(),
            times,
        }
    }
}

/// Runs fingerprints, correlate and route for `input` on one fresh instance.
pub fn decide(plugin: &Plugin, input: &DecisionInput) -> DecisionRun {
    match fingerprint(plugin, &input.context, &input.report) {
        Ok(fingerprinted) => {
            let candidates = Cases::Candidates(input.candidates.clone());
            fingerprinted.conclude(candidates, &input.audience)
        }
        Err(faulted) => faulted.into(),
    }
}
