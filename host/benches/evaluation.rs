//! One policy evaluation (fresh instance + fingerprints + correlate + route) with
//! a 1,000-member audience, in wasm through the real runtime and as the same Rust
//! policy compiled natively (through the same SDK glue, so settings parsing and
//! owned arguments are alike). `cargo bench -p isac-host --bench evaluation`.

use criterion::{Criterion, criterion_group, criterion_main};
use isac_host::model;
use isac_host::runtime::{DecisionInput, PolicyContext, PolicyRuntime, RuntimeLimits, decide};
use isac_policy_sdk as sdk;
use isac_policy_sdk::bindings::exports::isac::policy::policy::Guest;
use time::macros::datetime;

const MEMBERS: u64 = 1_000;
const NOW: i64 = 1_778_490_000;

fn model_input() -> DecisionInput {
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
    let audience = (1..=MEMBERS)
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
        audience,
    }
}

/// The same input in the SDK's (guest-side) types.
struct NativeInput {
    ctx: sdk::Context,
    report: sdk::Report,
    candidates: Vec<sdk::CaseSummary>,
    audience: Vec<sdk::Member>,
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
    let audience = input
        .audience
        .iter()
        .map(|a| {
            let mut member = sdk::testing::member(a.id, a.organisation);
            member.in_community = a.in_community;
            member.sector = if a.sector == model::Sector::Financials {
                sdk::Sector::Financials
            } else {
                sdk::Sector::Software
            };
            member.class = if a.class == model::MemberClass::General {
                sdk::MemberClass::General
            } else {
                sdk::MemberClass::TaskForceClass2
            };
            member.contribution.reports_90d = a.contribution.reports_90d;
            member
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
        audience,
    }
}

fn evaluation(c: &mut Criterion) {
    let input = model_input();
    let runtime = PolicyRuntime::new(RuntimeLimits::default()).expect("runtime starts");
    let bytes = std::fs::read(isac_plugin_artifacts::BASELINE).expect("baseline is built");
    let plugin = runtime.load(&bytes).expect("baseline loads");
    let check = decide(&plugin, &input).result.expect("baseline decides");
    assert!(
        check
            .routing
            .groups
            .iter()
            .map(|g| g.recipients.len())
            .sum::<usize>()
            > 900
    );

    c.bench_function(
        "wasm: fresh instance + fingerprints + correlate + route, 1000 members",
        |b| b.iter(|| decide(&plugin, &input).result.expect("decides")),
    );
    c.bench_function("wasm: fresh instance only", |b| {
        b.iter(|| {
            plugin
                .evaluation(&input.context, &input.report)
                .map(|_| ())
                .expect("instantiates")
        })
    });

    type Native = sdk::Glue<baseline::Baseline>;
    let native = native_input(&input);
    c.bench_function(
        "native: fingerprints + correlate + route, 1000 members",
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
                Native::route(n.ctx.clone(), n.report.clone(), case, n.audience.clone())
                    .expect("routes")
            })
        },
    );
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
