//! One policy evaluation (fresh instance + fingerprints + correlate + route,
//! the host applying the plugin's selectors to the audience) with a 1,000- and
//! a 10,000-member audience: the baseline on contract 0.2 in wasm through the
//! real runtime, the same Rust policy compiled natively (through the same SDK
//! glue and the host's selector resolution and checks), and the baseline as
//! built for contract 0.1, which is given the whole audience; then the Python
//! and JavaScript baselines (built by `plugins/polyglot/build.sh`) with the
//! 1,000-member audience, each loaded only when its benchmarks are selected.
//! `cargo bench -p isac-host --bench evaluation` (`-- python`, `-- javascript`
//! for one language).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use criterion::{Criterion, criterion_group, criterion_main};
use isac_host::model;
use isac_host::runtime::selectors::{MemberFilter, SelectedGroup, SelectedRouting, Selector};
use isac_host::runtime::{
    DecisionInput, Plugin, PolicyContext, PolicyRuntime, RuntimeLimits, decide, output,
};
use isac_policy_sdk as sdk;
use isac_policy_sdk::bindings::exports::isac::policy::policy::Guest;
use time::macros::datetime;

const NOW: i64 = 1_778_490_000;

fn model_input(members: u64) -> DecisionInput {
    let report: model::Report = serde_json::from_value(serde_json::json!({
        "id": "r-1", "community": "council", "submitter": 1, "submitter_organisation": 1,
        "submitted_at": "2026-05-11T08:59:00Z", "title": "Phishing kit targeting Example Bank customers",
        "body": "Credential phishing against Example Bank seen since 08:00 JST.",
        "tlp": "green", "confidence": "confirmed", "victim": "Example Bank",
        "indicators": [
            {"kind": "domain", "value": "examplebank-login.example"},
            {"kind": "ipv4", "value": "203.0.113.7"},
            {"kind": "email", "value": "security@examplebank-login.example"},
            {"kind": "sha256", "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
        ]
    }))
    .expect("valid report");
    let candidates: Vec<model::CaseSummary> = serde_json::from_value(serde_json::json!([
        {"id": "case-1", "title": "Old", "opened_at": "2026-05-01T00:00:00Z", "last_report_at": "2026-05-10T00:00:00Z",
         "report_count": 3, "confidence": "confirmed", "shared_fingerprints": ["domain:examplebank-login.example"]},
        {"id": "case-2", "title": "Older", "opened_at": "2026-01-01T00:00:00Z", "last_report_at": "2026-02-01T00:00:00Z",
         "report_count": 9, "confidence": "confirmed", "shared_fingerprints": ["ipv4:203.0.113.7"]}
    ]))
    .expect("valid candidates");
    let audience: Vec<model::Member> = (1..=members)
        .map(|id| model::Member {
            id,
            organisation: id / 3 + 1,
            organisation_kind: model::OrganisationKind::CriticalInfrastructure,
            sector: if id % 2 == 0 {
                model::Sector::Financials
            } else {
                model::Sector::Software
            },
            in_community: id % 5 != 0,
            class: if id % 10 == 0 {
                model::MemberClass::TaskForceClass2
            } else {
                model::MemberClass::General
            },
            contribution: model::Contribution {
                reports_90d: (id % 3) as u32,
                ..Default::default()
            },
        })
        .collect();
    DecisionInput {
        context: PolicyContext {
            community: "council".into(),
            settings: "{}".into(),
            now: datetime!(2026-05-11 09:00 UTC),
        },
        report,
        candidates,
        audience: audience.into(),
    }
}

/// The same input in the SDK's (guest-side) types.
struct NativeInput {
    ctx: sdk::Context,
    report: sdk::Report,
    candidates: Vec<sdk::CaseSummary>,
}

fn native_input(input: &DecisionInput) -> NativeInput {
    let m = &input.report;
    let kind = |k: model::IndicatorKind| match k {
        model::IndicatorKind::Domain => sdk::IndicatorKind::Domain,
        model::IndicatorKind::Ipv4 => sdk::IndicatorKind::Ipv4,
        model::IndicatorKind::Email => sdk::IndicatorKind::Email,
        _ => sdk::IndicatorKind::Sha256,
    };
    let report = sdk::Report {
        id: m.id.clone(),
        community: m.community.clone(),
        submitter: m.submitter,
        submitter_organisation: m.submitter_organisation,
        submitter_kind: sdk::OrganisationKind::Other,
        submitter_sector: sdk::Sector::Other,
        submitted_at: m.submitted_at.unix_timestamp(),
        title: m.title.clone(),
        body: m.body.clone(),
        tlp: sdk::Tlp::Green,
        confidence: sdk::Confidence::Confirmed,
        indicators: m
            .indicators
            .iter()
            .map(|i| sdk::Indicator {
                kind: kind(i.kind),
                value: i.value.clone(),
            })
            .collect(),
        tags: Vec::new(),
        victim: m.victim.clone(),
        named_recipients: Vec::new(),
        provenance: Vec::new(),
    };
    let candidates = input
        .candidates
        .iter()
        .map(|c| sdk::CaseSummary {
            last_report_at: c.last_report_at.unix_timestamp(),
            shared_fingerprints: c.shared_fingerprints.clone(),
            ..sdk::testing::case(&c.id)
        })
        .collect();
    NativeInput {
        ctx: sdk::Context {
            community: "council".into(),
            settings: "{}".into(),
            now: NOW,
        },
        report,
        candidates,
    }
}

fn tlp(t: sdk::Tlp) -> model::Tlp {
    match t {
        sdk::Tlp::Clear => model::Tlp::Clear,
        sdk::Tlp::Green => model::Tlp::Green,
        sdk::Tlp::Amber => model::Tlp::Amber,
        sdk::Tlp::AmberStrict => model::Tlp::AmberStrict,
        sdk::Tlp::Red => model::Tlp::Red,
    }
}

fn field(f: sdk::ReportField) -> model::ReportField {
    match f {
        sdk::ReportField::Title => model::ReportField::Title,
        sdk::ReportField::Body => model::ReportField::Body,
        sdk::ReportField::Victim => model::ReportField::Victim,
        sdk::ReportField::Tags => model::ReportField::Tags,
    }
}

fn redaction(r: &sdk::Redaction) -> model::Redaction {
    match r {
        sdk::Redaction::DropIndicator(i) => model::Redaction::DropIndicator(*i),
        sdk::Redaction::MaskSpan(s) => model::Redaction::MaskSpan(model::Span {
            field: field(s.field),
            start: s.start,
            end: s.end,
        }),
        sdk::Redaction::DropField(f) => model::Redaction::DropField(field(*f)),
        sdk::Redaction::RaiseTlp(t) => model::Redaction::RaiseTlp(tlp(*t)),
    }
}

/// The selectors the baseline answers with, as the host reads them (the
/// runtime's own conversion is private to it; the baseline names classes and
/// the submitter's organisation only).
fn selector(s: &sdk::Selector) -> Selector {
    match s {
        sdk::Selector::Everyone => Selector::Everyone,
        sdk::Selector::Members(ids) => Selector::Members(ids.clone()),
        sdk::Selector::Filter(f) => Selector::Filter(MemberFilter {
            classes: f
                .classes
                .iter()
                .map(|c| match c {
                    sdk::MemberClass::General => model::MemberClass::General,
                    sdk::MemberClass::TaskForceClass1 => model::MemberClass::TaskForceClass1,
                    sdk::MemberClass::TaskForceClass2 => model::MemberClass::TaskForceClass2,
                })
                .collect(),
            submitter_organisation: f.submitter_organisation,
            in_community: f.in_community,
            ..MemberFilter::default()
        }),
    }
}

fn selected(routing: &sdk::Routing) -> SelectedRouting {
    SelectedRouting {
        groups: routing
            .groups
            .iter()
            .map(|g| SelectedGroup {
                selector: selector(&g.recipients),
                redactions: g.redactions.iter().map(redaction).collect(),
                delay_seconds: g.delay_seconds,
            })
            .collect(),
        forwards: Vec::new(),
    }
}

fn evaluation(c: &mut Criterion) {
    let runtime = PolicyRuntime::new(RuntimeLimits::default()).expect("runtime starts");
    let load = |path: &str| {
        let bytes = std::fs::read(path).expect("plugin is built");
        runtime.load(&bytes).expect("plugin loads")
    };
    let baseline = load(isac_plugin_artifacts::BASELINE);
    let baseline_0_1 = load(isac_plugin_artifacts::BASELINE_0_1);
    for members in [1_000, 10_000] {
        let input = model_input(members);
        let check = decide(&baseline, &input).result.expect("baseline decides");
        let delivered: usize = check
            .routing
            .groups
            .iter()
            .map(|g| g.recipients.len())
            .sum();
        assert_eq!(
            delivered, members as usize,
            "a confirmed GREEN report reaches everyone"
        );

        c.bench_function(
            &format!(
                "wasm 0.2: fresh instance + fingerprints + correlate + route, {members} members"
            ),
            |b| b.iter(|| decide(&baseline, &input).result.expect("decides")),
        );
        c.bench_function(
            &format!(
                "wasm 0.1: fresh instance + fingerprints + correlate + route, {members} members"
            ),
            |b| b.iter(|| decide(&baseline_0_1, &input).result.expect("decides")),
        );

        type Native = sdk::Glue<baseline::Baseline>;
        let native = native_input(&input);
        let limit = RuntimeLimits::default().output_bytes;
        c.bench_function(
            &format!("native: fingerprints + correlate + route + selectors, {members} members"),
            |b| {
                b.iter(|| {
                    let n = &native;
                    Native::fingerprints(n.ctx.clone(), n.report.clone()).expect("fingerprints");
                    let correlation =
                        Native::correlate(n.ctx.clone(), n.report.clone(), n.candidates.clone())
                            .expect("correlates");
                    let case = match correlation {
                        sdk::Correlation::Join(id) => n
                            .candidates
                            .iter()
                            .find(|c| c.id == id)
                            .cloned()
                            .expect("a candidate"),
                        sdk::Correlation::NewCase(title) => sdk::CaseSummary {
                            title,
                            ..sdk::testing::case("new")
                        },
                    };
                    let routing =
                        Native::route(n.ctx.clone(), n.report.clone(), case).expect("routes");
                    output::check_selected(
                        selected(&routing),
                        &input.report,
                        &input.audience,
                        limit,
                    )
                    .expect("a valid routing")
                })
            },
        );
    }
    c.bench_function("wasm: fresh instance only", |b| {
        let input = model_input(1);
        b.iter(|| {
            baseline
                .evaluation(&input.context, &input.report)
                .map(|_| ())
                .expect("instantiates")
        })
    });
    polyglot(c, &runtime, &baseline);
}

/// The Python and JavaScript baselines: a whole decision for 1,000 members
/// and a fresh instance alone. Compiling one takes seconds, so a language is
/// loaded the first time one of its benchmarks runs, not when a filter
/// leaves them out.
fn polyglot(c: &mut Criterion, runtime: &PolicyRuntime, rust: &Plugin) {
    let input = model_input(1_000);
    let expected = decide(rust, &input)
        .result
        .expect("the Rust baseline decides");
    for (language, file) in [("python", "baseline_py"), ("javascript", "baseline_js")] {
        let plugin = OnceLock::new();
        let loaded = || -> &Arc<Plugin> {
            plugin.get_or_init(|| {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../target/plugins/polyglot/{file}.wasm"));
                let bytes = std::fs::read(&path).unwrap_or_else(|e| {
                    panic!(
                        "{}: {e}; build it with plugins/polyglot/build.sh",
                        path.display()
                    )
                });
                let plugin = runtime.load(&bytes).expect("plugin loads");
                let decided = decide(&plugin, &input).result.expect("decides");
                assert_eq!(decided, expected, "{language} decides as the Rust baseline");
                plugin
            })
        };
        let whole = "fresh instance + fingerprints + correlate + route, 1000 members";
        c.bench_function(&format!("wasm 0.2 {language}: {whole}"), |b| {
            let plugin = loaded();
            b.iter(|| decide(plugin, &input).result.expect("decides"))
        });
        c.bench_function(&format!("wasm {language}: fresh instance only"), |b| {
            let plugin = loaded();
            b.iter(|| {
                plugin
                    .evaluation(&input.context, &input.report)
                    .map(|_| ())
                    .expect("instantiates")
            })
        });
    }
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
