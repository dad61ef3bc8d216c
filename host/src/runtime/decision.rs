//! One whole decision on a report: fingerprints, correlate, route on one fresh
//! instance. Used by fixtures, benchmarks and (with a database lookup between
//! fingerprints and correlate) the report pipeline.

use time::OffsetDateTime;

use super::log::EvaluationLog;
use super::plugin::{Plugin, PolicyContext, StageTimes, timed};
use super::{Fault, PluginError, Stage};
use crate::model::{CaseSummary, Correlation, Member, Report, Routing};

/// Id given to the case a report opens, until the host stores it.
pub const NEW_CASE_ID: &str = "new";

/// Everything a plugin reads for one report.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub context: PolicyContext,
    pub report: Report,
    pub candidates: Vec<CaseSummary>,
    pub audience: Vec<Member>,
}

/// Everything a plugin decided for one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub fingerprints: Vec<String>,
    pub correlation: Correlation,
    pub routing: Routing,
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

/// Runs fingerprints, correlate and route for `input` on one fresh instance.
pub fn decide(plugin: &Plugin, input: &DecisionInput) -> DecisionRun {
    let mut times = StageTimes::default();
    let evaluation = timed(&mut times.instantiate, || {
        plugin.evaluation(&input.context, &input.report)
    });
    let mut evaluation = match evaluation {
        Ok(evaluation) => evaluation,
        Err(error) => {
            return DecisionRun {
                result: Err(error),
                log: EvaluationLog::default(),
                times,
            };
        }
    };
    let mut steps = || -> Result<Decision, PluginError> {
        let fingerprints = timed(&mut times.fingerprints, || evaluation.fingerprints())?;
        let correlation = timed(&mut times.correlate, || {
            evaluation.correlate(&input.candidates)
        })?;
        let case = case_for_route(
            &correlation,
            &input.candidates,
            &input.report,
            input.context.now,
        )
        .ok_or_else(|| PluginError {
            digest: plugin.digest(),
            stage: Stage::Correlate,
            fault: Fault::InvalidOutput(format!("{correlation:?} names no candidate")),
        })?;
        let routing = timed(&mut times.route, || {
            evaluation.route(&case, &input.audience)
        })?;
        Ok(Decision {
            fingerprints,
            correlation,
            routing,
        })
    };
    let result = steps();
    DecisionRun {
        result,
        log: evaluation.log(),
        times,
    }
}
