//! Adversarial plugins against the real runtime: every fault is contained, named
//! precisely, stopped within twice the deadline, and the same runtime then
//! evaluates a good plugin correctly.

use std::time::{Duration, Instant};

use isac_host::model::{Correlation, Member, Report};
use isac_host::runtime::{
    DecisionInput, Fault, PolicyContext, PolicyRuntime, RuntimeLimits, Stage, decide,
};
use isac_plugin_artifacts::{BASELINE, FINANCIALS, FOREIGN_CONTRACT, GIVE_AND_TAKE, MISBEHAVING};
use serde_json::json;

/// The deadline the infinite loop must hit.
const DEADLINE: Duration = Duration::from_millis(100);

/// The deadline while provoking every other fault: allocating 64 MiB or building
/// a 1 MiB answer can take over 100 ms on a loaded 2-core machine, which would
/// turn the fault under test into a deadline fault.
const OTHER_FAULTS_DEADLINE: Duration = Duration::from_secs(1);

fn runtime() -> PolicyRuntime {
    runtime_with(DEADLINE)
}

fn runtime_with(deadline: Duration) -> PolicyRuntime {
    PolicyRuntime::new(RuntimeLimits {
        deadline,
        ..RuntimeLimits::default()
    })
    .expect("runtime starts")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn input(settings: serde_json::Value) -> DecisionInput {
    let report: Report = serde_json::from_value(json!({
        "id": "r-1", "community": "council", "submitter": 1, "submitter_organisation": 10,
        "submitted_at": "2026-05-11T08:59:00Z", "title": "Phishing wave", "body": "Mails to ACME staff",
        "tlp": "green", "confidence": "confirmed", "victim": "ACME",
        "indicators": [{"kind": "domain", "value": "evil.example"}, {"kind": "email", "value": "x@evil.example"}]
    }))
    .expect("report JSON is valid");
    let audience: Vec<Member> = serde_json::from_value(json!([
        {"id": 1, "organisation": 10, "organisation_kind": "critical_infrastructure", "sector": "financials"},
        {"id": 2, "organisation": 20, "organisation_kind": "security_vendor", "sector": "security"}
    ]))
    .expect("audience JSON is valid");
    DecisionInput {
        context: PolicyContext {
            community: "council".into(),
            settings: settings.to_string(),
            now: time::macros::datetime!(2026-05-11 09:00 UTC),
        },
        report,
        candidates: Vec::new(),
        audience: audience.into(),
    }
}

/// The good plugin still decides exactly what it should on this runtime.
fn assert_baseline_works(runtime: &PolicyRuntime) {
    let plugin = runtime.load(&read(BASELINE)).expect("baseline loads");
    let decision = decide(&plugin, &input(json!({})))
        .result
        .expect("baseline decides");
    assert_eq!(
        decision.fingerprints,
        vec!["domain:evil.example", "email:x@evil.example"]
    );
    assert_eq!(
        decision.correlation,
        Correlation::NewCase("Phishing wave".into())
    );
    let recipients: Vec<Vec<u64>> = decision
        .routing
        .groups
        .iter()
        .map(|g| g.recipients.clone())
        .collect();
    assert_eq!(recipients, vec![vec![1], vec![2]]);
}

/// Runs the misbehaving plugin with `fault` in `stage`; returns the error and how long it took.
fn provoke(
    runtime: &PolicyRuntime,
    fault: &str,
    stage: Stage,
) -> (isac_host::runtime::PluginError, Duration) {
    let plugin = runtime
        .load(&read(MISBEHAVING))
        .expect("misbehaving plugin loads");
    let settings = json!({"fault": fault, "stage": stage.to_string()});
    let started = Instant::now();
    let error = if stage == Stage::ValidateSettings {
        plugin
            .validate_settings(&settings.to_string())
            .expect_err("the fault surfaces")
    } else {
        decide(&plugin, &input(settings))
            .result
            .expect_err("the fault surfaces")
    };
    assert_eq!(error.digest, plugin.digest());
    assert_eq!(error.stage, stage, "{error}");
    (error, started.elapsed())
}

/// Timing assertions must not compete with sibling tests for the CPU.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn assert_contained(fault: &str, stage: Stage, expected: impl Fn(&Fault) -> bool) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let deadline = if ["loop", "sleep", "poll"].contains(&fault) {
        DEADLINE
    } else {
        OTHER_FAULTS_DEADLINE
    };
    let runtime = runtime_with(deadline);
    let (error, took) = provoke(&runtime, fault, stage);
    assert!(
        expected(&error.fault),
        "{fault} in {stage}: unexpected {error}"
    );
    assert!(took < 2 * deadline, "{fault} in {stage} took {took:?}");
    assert_baseline_works(&runtime);
}

#[test]
fn infinite_loop_hits_the_deadline_in_every_stage() {
    for stage in [
        Stage::ValidateSettings,
        Stage::Fingerprints,
        Stage::Correlate,
        Stage::Route,
    ] {
        assert_contained("loop", stage, |f| *f == Fault::Deadline(DEADLINE));
    }
}

/// Waiting in a WASI import (std's sleep is `pollable.block`; `poll` called
/// directly) is stopped by the deadline like spinning is, in every stage.
#[test]
fn blocking_wasi_calls_hit_the_deadline_in_every_stage() {
    for fault in ["sleep", "poll"] {
        for stage in [
            Stage::ValidateSettings,
            Stage::Fingerprints,
            Stage::Correlate,
            Stage::Route,
        ] {
            assert_contained(fault, stage, |f| *f == Fault::Deadline(DEADLINE));
        }
    }
}

/// The same settings get the same answer, and the same report the same
/// recipients, however the plugin draws from `wasi:random`.
#[test]
fn randomness_follows_the_inputs() {
    let runtime = runtime_with(OTHER_FAULTS_DEADLINE);
    let plugin = runtime.load(&read(MISBEHAVING)).expect("loads");
    let coin = json!({"fault": "random", "stage": "validate-settings"}).to_string();
    let answers: Vec<_> = (0..8).map(|_| plugin.validate_settings(&coin)).collect();
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");

    let mut many = input(json!({"fault": "random", "stage": "route"}));
    many.audience = (1..=24)
        .map(|id| {
            serde_json::from_value(json!({"id": id, "organisation": id * 10,
                "organisation_kind": "other", "sector": "other"}))
            .expect("member JSON is valid")
        })
        .collect();
    let decided = || decide(&plugin, &many).result.expect("decides").routing;
    let first = decided();
    assert!(!first.groups.is_empty(), "some of 24 members are drawn");
    for _ in 0..5 {
        assert_eq!(decided(), first);
    }
    let mut other_report = many.clone();
    other_report.report.id = "r-2".into();
    let other = decide(&plugin, &other_report)
        .result
        .expect("decides")
        .routing;
    assert_ne!(other, first, "another report draws another subset");
}

#[test]
fn allocation_past_the_memory_cap_is_stopped() {
    let limit = RuntimeLimits::default().memory_bytes;
    assert_contained(
        "allocate",
        Stage::Route,
        |f| matches!(f, Fault::MemoryCap { limit: l, requested } if *l == limit && *requested > limit),
    );
}

#[test]
fn panic_is_reported_with_its_message() {
    assert_contained("panic", Stage::Correlate, |f| {
        *f == Fault::Panic("misbehaving plugin panics on purpose".into())
    });
}

#[test]
fn deep_recursion_overflows_the_stack() {
    assert_contained("recursion", Stage::Fingerprints, |f| {
        *f == Fault::StackOverflow
    });
}

#[test]
fn oversized_output_is_refused_in_every_stage() {
    let limit = RuntimeLimits::default().output_bytes;
    for stage in [Stage::Fingerprints, Stage::Correlate, Stage::Route] {
        assert_contained(
            "oversized-output",
            stage,
            |f| matches!(f, Fault::OutputTooLarge { size, limit: l } if *l == limit && *size > limit),
        );
    }
}

#[test]
fn invalid_output_is_refused_with_the_reason() {
    assert_contained("invalid-output", Stage::Fingerprints, |f| {
        *f == Fault::InvalidOutput("fingerprint 0 is empty".into())
    });
    assert_contained("invalid-output", Stage::Correlate, |f| {
        *f == Fault::InvalidOutput(
            "joins case \"no-such-case\", which is not one of the candidates".into(),
        )
    });
    assert_contained("invalid-output", Stage::Route, |f| {
        *f == Fault::InvalidOutput(
            "group 0: drop_indicator(9) but the report has 2 indicator(s)".into(),
        )
    });
}

/// Slots keep the pages an instance wrote (restored in place, not given back):
/// nothing an evaluation writes, in its statics or on its heap, reaches the next.
#[test]
fn an_evaluation_finds_nothing_an_earlier_one_wrote() {
    let runtime = runtime_with(OTHER_FAULTS_DEADLINE);
    let plugin = runtime.load(&read(MISBEHAVING)).expect("misbehaving loads");
    let remember = input(json!({"fault": "remember", "stage": "correlate"}));
    for evaluation in 0..5 {
        let decided = decide(&plugin, &remember).result.expect("decides");
        assert_eq!(
            decided.correlation,
            Correlation::NewCase("remembered 0 0 0".into()),
            "evaluation {evaluation}"
        );
    }
}

/// With one instance at a time (two memory slots), four plugins taking turns
/// must run in memory another plugin used last: what the others wrote while
/// deciding a report (its text among it) is gone before the next one starts.
#[test]
fn a_slot_keeps_nothing_of_another_plugin() {
    let runtime = PolicyRuntime::new(RuntimeLimits {
        deadline: OTHER_FAULTS_DEADLINE,
        concurrent_instances: 1,
        ..RuntimeLimits::default()
    })
    .expect("runtime starts");
    let load = |path| runtime.load(&read(path)).expect("plugin loads");
    let others = [load(BASELINE), load(FINANCIALS), load(GIVE_AND_TAKE)];
    let misbehaving = load(MISBEHAVING);
    let remember = input(json!({"fault": "remember", "stage": "correlate"}));
    for round in 0..3 {
        for other in &others {
            // Whether each decides with empty settings does not matter: it ran.
            let _ = decide(other, &input(json!({})));
            let decided = decide(&misbehaving, &remember).result.expect("decides");
            assert_eq!(
                decided.correlation,
                Correlation::NewCase("remembered 0 0 0".into()),
                "round {round}"
            );
        }
    }
}

#[test]
fn a_faulted_plugin_does_not_poison_the_next_evaluation_of_it() {
    let runtime = runtime();
    let (error, _) = provoke(&runtime, "panic", Stage::Route);
    assert_eq!(
        error.fault,
        Fault::Panic("misbehaving plugin panics on purpose".into())
    );
    let plugin = runtime.load(&read(MISBEHAVING)).expect("cached plugin");
    let fine = decide(&plugin, &input(json!({"fault": "none", "stage": "route"})));
    assert_eq!(
        fine.result.expect("a fresh instance behaves").correlation,
        Correlation::NewCase("Phishing wave".into())
    );
}

#[test]
fn unusable_files_are_refused_at_load_naming_the_problem() {
    let runtime = runtime();
    let not_wasm = runtime
        .load(b"#!/bin/sh\necho hello\n")
        .expect_err("not wasm");
    assert_eq!(not_wasm.stage, Stage::Load);
    assert!(matches!(not_wasm.fault, Fault::NotWasm(_)), "{not_wasm}");

    let core = wat::parse_str("(module (func (export \"route\")))").expect("valid wat");
    assert_eq!(
        runtime.load(&core).expect_err("core module").fault,
        Fault::CoreModule
    );

    let foreign = runtime
        .load(&read(FOREIGN_CONTRACT))
        .expect_err("foreign contract");
    assert_eq!(
        foreign.fault,
        Fault::UnsupportedContract(
            "implements isac:policy@1.0.0; this host supports isac:policy@0.1.x, isac:policy@0.2.x"
                .into()
        )
    );
    assert_baseline_works(&runtime);
}

#[test]
fn loading_the_same_bytes_twice_reuses_the_compiled_plugin() {
    let runtime = runtime();
    let first = runtime.load(&read(BASELINE)).expect("loads");
    let second = runtime.load(&read(BASELINE)).expect("loads");
    assert!(std::sync::Arc::ptr_eq(&first, &second));
}
