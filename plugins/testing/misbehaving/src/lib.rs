//! A plugin that misbehaves on purpose, to prove the host contains it. Its settings
//! pick the fault and the call it happens in, e.g. `{"fault": "loop", "stage": "route"}`.
//! Every call not named by `stage` behaves (joins nothing, routes to nobody).

mod wasi;

use std::hint::black_box;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::Duration;

use isac_policy_sdk::{
    CaseSummary, Correlation, Ctx, LogLevel, Member, Policy, Redaction, Report, Routing,
    RoutingBuilder, export_policy, log,
};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Behave.
    None,
    /// Spin forever (the host's epoch deadline must stop it).
    Loop,
    /// Allocate until memory runs out (the host's memory cap must stop it).
    Allocate,
    /// Panic (a trap).
    Panic,
    /// Recurse without end (stack overflow).
    Recursion,
    /// Return far more data than the host accepts.
    OversizedOutput,
    /// Return a structurally wrong answer: an empty fingerprint, a case that was not
    /// a candidate, or a redaction of an indicator that does not exist.
    InvalidOutput,
    /// `std::thread::sleep` for a minute (`wasi:io/poll` `pollable.block`).
    Sleep,
    /// Wait a minute on a clock pollable with `wasi:io/poll` `poll`.
    Poll,
    /// Decide from `wasi:random`: validate-settings accepts on a coin flip, route
    /// delivers to a random subset of the audience. The host seeds every generator
    /// from the evaluation's inputs, so the same inputs still decide the same.
    Random,
    /// Put a NUL byte in the call's answer (a fingerprint, the new case's title, a
    /// forward's target), and in a log line and on stdout.
    Nul,
    /// Refuse the call with a message containing a NUL byte.
    RefuseNul,
    /// Log thousands of empty and long lines and flood stdout and stderr, then
    /// behave: the host keeps one bounded log and the decision stands.
    LogFlood,
    /// Refuse the call with a message of a mebibyte.
    LongRefusal,
    /// Answer `fingerprints` with 1,024 strings that all point at one 16 MiB
    /// buffer: small in the guest's memory, 16 GiB once copied to the host.
    AliasedStrings,
    /// Open a new case whose title is a megabyte long.
    LongTitle,
    /// Look for what an earlier evaluation left behind, then leave some: open a
    /// case titled with the calls counted in a static, the marked bytes of a
    /// zero-initialised static buffer and of a zeroed heap buffer
    /// (`remembered 0 0 0` on a fresh instance).
    Remember,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    ValidateSettings,
    Fingerprints,
    Correlate,
    Route,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub fault: Fault,
    pub stage: Stage,
}

/// Runs the faults that look the same in every stage; returns only for the others.
fn misbehave(fault: Fault) -> Result<(), String> {
    match fault {
        Fault::Loop => {
            let mut spins = 0u64;
            loop {
                spins = black_box(spins.wrapping_add(1));
            }
        }
        Fault::Allocate => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(black_box(vec![1u8; 1 << 20]));
            }
        }
        Fault::Panic => panic!("misbehaving plugin panics on purpose"),
        Fault::Recursion => {
            black_box(recurse(black_box(0)));
        }
        Fault::Sleep => std::thread::sleep(Duration::from_secs(60)),
        Fault::Poll => wasi::poll_for(60_000_000_000),
        Fault::Nul => {
            log(LogLevel::Warn, "a log line with a NUL: \0 here");
            println!("stdout with a NUL: \0 here");
        }
        Fault::RefuseNul => return Err("refused with a NUL: \0 here".into()),
        Fault::LogFlood => flood_log(),
        Fault::LongRefusal => return Err("no".repeat(512 << 10)),
        Fault::None
        | Fault::OversizedOutput
        | Fault::InvalidOutput
        | Fault::Random
        | Fault::AliasedStrings
        | Fault::LongTitle
        | Fault::Remember => {}
    }
    Ok(())
}

/// Calls to `correlate` under `Fault::Remember` this instance has seen.
static CALLS: AtomicU32 = AtomicU32::new(0);
/// Zero-initialised, so it lies in memory the host must hand out zeroed.
static SCRATCH: [AtomicU8; 64 << 10] = [const { AtomicU8::new(0) }; 64 << 10];

/// What earlier evaluations left in this instance's memory, as a title; then
/// marks the same places for the next one to find.
fn remember() -> String {
    let calls = CALLS.fetch_add(1, Ordering::Relaxed);
    let scratch = SCRATCH
        .iter()
        .filter(|b| b.swap(0xA5, Ordering::Relaxed) != 0)
        .count();
    // A zeroed allocation from memory the allocator believes fresh is not
    // cleared again by it: stale bytes would show here.
    let mut heap = black_box(vec![0u8; 256 << 10]);
    let stale = heap.iter().filter(|b| **b != 0).count();
    heap.fill(0xA5);
    std::mem::forget(heap);
    format!("remembered {calls} {scratch} {stale}")
}

/// Empty lines cost the host as much as any (each is a stored entry), so they
/// come first; then lines and writes far past any log budget.
fn flood_log() {
    for _ in 0..5_000 {
        log(LogLevel::Debug, "");
    }
    let line = "x".repeat(1_000);
    for _ in 0..200 {
        log(LogLevel::Info, &line);
        println!("{line}");
        eprintln!("{line}");
    }
}

/// 1,024 strings over one leaked 16 MiB buffer. Each `String` claims the whole
/// buffer as its own allocation with no spare capacity, so the bindings hand its
/// pointer to the host unchanged; the instance is never entered again (nor its
/// strings freed) once the host refuses the answer.
fn aliased_strings() -> Vec<String> {
    let buffer: &'static mut [u8] = Vec::leak(vec![b'x'; 16 << 20]);
    let (ptr, len) = (buffer.as_mut_ptr(), buffer.len());
    (0..1_024)
        // SAFETY: the buffer is valid UTF-8 and leaked; the aliasing is the
        // misbehaviour under test, and nothing in this instance drops these strings
        // before the host has refused them.
        .map(|_| unsafe { String::from_raw_parts(ptr, len, len) })
        .collect()
}

// Recursing without a base case is the point: the host must survive the stack
// overflow. Only scalars, so frames live on the wasm stack, not in linear memory.
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    recurse(black_box(depth + 1)).wrapping_mul(black_box(depth))
}

fn active(ctx: &Ctx<Settings>, stage: Stage) -> Fault {
    if ctx.settings.stage == stage {
        ctx.settings.fault
    } else {
        Fault::None
    }
}

pub struct Misbehaving;

impl Policy for Misbehaving {
    type Settings = Settings;

    fn check_settings(settings: &Settings) -> Result<(), String> {
        if settings.stage != Stage::ValidateSettings {
            return Ok(());
        }
        misbehave(settings.fault)?;
        if settings.fault == Fault::Random && wasi::random_u64() % 2 == 0 {
            return Err("the coin came up tails".into());
        }
        Ok(())
    }

    fn fingerprints(ctx: &Ctx<Settings>, _: &Report) -> Result<Vec<String>, String> {
        let fault = active(ctx, Stage::Fingerprints);
        misbehave(fault)?;
        Ok(match fault {
            Fault::Nul => vec!["domain:evil\0.example".into()],
            Fault::OversizedOutput => (0..20)
                .map(|i| format!("domain:{i}.{}", "x".repeat(100_000)))
                .collect(),
            Fault::InvalidOutput => vec![String::new()],
            Fault::AliasedStrings => aliased_strings(),
            _ => Vec::new(),
        })
    }

    fn correlate(
        ctx: &Ctx<Settings>,
        report: &Report,
        _: &[CaseSummary],
    ) -> Result<Correlation, String> {
        let fault = active(ctx, Stage::Correlate);
        misbehave(fault)?;
        Ok(match fault {
            Fault::Nul => Correlation::NewCase(format!("{}\0", report.title)),
            Fault::OversizedOutput => Correlation::NewCase("x".repeat(4 << 20)),
            Fault::InvalidOutput => Correlation::Join("no-such-case".into()),
            Fault::LongTitle => Correlation::NewCase("t".repeat(1_000_000)),
            Fault::Remember => Correlation::NewCase(remember()),
            _ => Correlation::NewCase(report.title.clone()),
        })
    }

    fn route(
        ctx: &Ctx<Settings>,
        report: &Report,
        _: &CaseSummary,
        audience: &[Member],
    ) -> Result<Routing, String> {
        let fault = active(ctx, Stage::Route);
        misbehave(fault)?;
        let mut routing = RoutingBuilder::new();
        match fault {
            Fault::Nul => {
                routing.forward("j-auto-isac\0", Vec::new());
            }
            Fault::Random => {
                for member in audience {
                    if wasi::random_u64() % 2 == 0 {
                        routing.deliver(member.id, &[], 0);
                    }
                }
            }
            Fault::OversizedOutput => {
                routing.forward("elsewhere", vec![Redaction::DropIndicator(0); 200_000]);
            }
            Fault::InvalidOutput => {
                let missing = report.indicators.len() as u32 + 7;
                for member in audience {
                    routing.deliver(member.id, &[Redaction::DropIndicator(missing)], 0);
                }
            }
            _ => {}
        }
        Ok(routing.build())
    }
}

export_policy!(Misbehaving);
