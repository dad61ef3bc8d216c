//! Prometheus metrics (`GET /metrics`): what an operator watches to know the
//! server is sharing, how fast plugins decide and whether the writer keeps up.
//! One recorder per process (the `metrics` crate's global), so every series is
//! named here and recorded through these functions, never by ad-hoc names.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::model::Stored;
use crate::pipeline::Committed;

const REPORTS: &str = "isac_reports_total";
const EVALUATION: &str = "isac_plugin_evaluation_seconds";
const FAULTS: &str = "isac_plugin_faults_total";
const BATCH_SIZE: &str = "isac_group_commit_batch_size";
const BATCH_SECONDS: &str = "isac_group_commit_seconds";
const INDEX_LAG: &str = "isac_inbox_index_lag_seconds";
const STREAMS: &str = "isac_inbox_streams_open";
const AUDIT_LENGTH: &str = "isac_audit_chain_length";

/// Bucket bounds for durations: a plugin call takes tens of microseconds, a
/// batch commit milliseconds, a stalled database seconds.
const SECONDS_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];

/// The process's recorder, installed on first use (tests start many servers
/// in one process: they share it, as a real process has one server).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(BATCH_SIZE.into()), BATCH_BUCKETS))
            .expect("bucket bounds are constant and non-empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only when another recorder is installed already; then this one
        // is not the global, and its handle renders what it records: nothing.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already: /metrics will be empty");
        }
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        REPORTS,
        "Reports by community and outcome: delivered, quarantined (a plugin fault), refused (bad input)."
    );
    metrics::describe_histogram!(
        EVALUATION,
        metrics::Unit::Seconds,
        "One report's plugin evaluation, fresh instance to last answer, by community and plugin digest."
    );
    metrics::describe_counter!(
        FAULTS,
        "Plugin faults by kind (deadline, memory_cap, trap, ...)."
    );
    metrics::describe_histogram!(BATCH_SIZE, "Reports written per group-commit transaction.");
    metrics::describe_histogram!(
        BATCH_SECONDS,
        metrics::Unit::Seconds,
        "One group-commit transaction."
    );
    metrics::describe_gauge!(
        INDEX_LAG,
        metrics::Unit::Seconds,
        "How long committed deliveries have waited for the inbox index (0: up to date)."
    );
    metrics::describe_gauge!(STREAMS, "Open inbox event streams (SSE).");
    metrics::describe_gauge!(
        AUDIT_LENGTH,
        "Entries in the audit hash chain, read at each scrape."
    );
}

/// A stored report (and each copy forwarded to another community).
pub fn committed(report: &Committed) {
    counter!(REPORTS, "community" => report.community.clone(), "outcome" => report.status.as_str())
        .increment(1);
    for forward in &report.forwards {
        committed(forward);
    }
}

/// A report refused before any plugin saw it.
pub fn refused(community: &str) {
    counter!(REPORTS, "community" => community.to_string(), "outcome" => "refused").increment(1);
}

/// One evaluation, and its fault if it had one.
pub fn evaluated(community: &str, digest: &str, took: Duration, fault: Option<&'static str>) {
    histogram!(EVALUATION, "community" => community.to_string(), "plugin" => digest.to_string())
        .record(took.as_secs_f64());
    if let Some(kind) = fault {
        counter!(FAULTS, "kind" => kind).increment(1);
    }
}

/// One group-commit transaction of `size` reports.
pub fn batch(size: usize, took: Duration) {
    histogram!(BATCH_SIZE).record(size as f64);
    histogram!(BATCH_SECONDS).record(took.as_secs_f64());
}

pub fn index_lag(lag: Duration) {
    gauge!(INDEX_LAG).set(lag.as_secs_f64());
}

pub fn audit_length(entries: i64) {
    gauge!(AUDIT_LENGTH).set(entries as f64);
}

/// Counts an inbox stream open while it lives.
pub struct OpenStream(());

impl OpenStream {
    pub fn new() -> OpenStream {
        gauge!(STREAMS).increment(1.0);
        OpenStream(())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(STREAMS).decrement(1.0);
    }
}
