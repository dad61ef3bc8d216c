//! Write isac-host sharing-policy plugins in Rust.
//!
//! A plugin is a type implementing [`Policy`] plus one [`export_policy!`] line:
//!
//! ```text
//! use isac_policy_sdk::*;
//!
//! struct MyPolicy;
//!
//! impl Policy for MyPolicy {
//!     type Settings = MySettings; // any serde type; parsed from the community's JSON
//!     fn fingerprints(ctx: &Ctx<MySettings>, report: &Report) -> Result<Vec<String>, String> { ... }
//!     fn correlate(ctx: &Ctx<MySettings>, report: &Report, candidates: &[CaseSummary]) -> Result<Correlation, String> { ... }
//!     fn route(ctx: &Ctx<MySettings>, report: &Report, case: &CaseSummary) -> Result<Routing, String> { ... }
//! }
//!
//! export_policy!(MyPolicy);
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2` and a `cdylib` crate type.
//! The types are those of contract 0.2, `wit/v0.2/policy.wit`, whose doc comments
//! are the reference: `route` names its recipients with selectors ([`select`])
//! that the host applies to the audience. Off wasm (for native unit tests and
//! benchmarks) the same code compiles and runs; [`log`] becomes a no-op and
//! [`audience`] answers nothing. Plugins for contract 0.1 build with the frozen
//! 0.1 SDK (`plugins/sdk-0.1`).

pub mod correlate;
pub mod fingerprint;
mod glue;
pub mod redact;
pub mod routing;
pub mod select;
pub mod testing;
pub mod tlp;

/// Bindings generated from `wit/policy.wit` (a copy of the frozen `wit/v0.2/policy.wit`
/// packed with the crate). Plugins normally use the re-exports at
/// the crate root instead.
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "sharing-policy",
        pub_export_macro: true,
        additional_derives: [PartialEq, Eq],
    });
}

pub use bindings::isac::policy::types::{
    CaseSummary, Confidence, Context, Contribution, ContributionMinimum, Correlation,
    DeliveryGroup, Forward, Indicator, IndicatorKind, LogLevel, Member, MemberClass, MemberFilter,
    MemberId, OrganisationId, OrganisationKind, Redaction, Report, ReportField, Routing, Sector,
    Selector, Span, Timestamp, Tlp,
};
pub use correlate::within_window;
pub use fingerprint::{fingerprint_of, fingerprints_of};
pub use glue::Glue;
pub use routing::RoutingBuilder;

/// One second, minute, hour and day in [`Timestamp`] units.
pub const SECOND: i64 = 1;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// What every call of a policy receives: the community, the current time and the
/// community's parsed settings.
#[derive(Debug, Clone)]
pub struct Ctx<S> {
    /// The community whose policy this is.
    pub community: String,
    /// The current time (seconds since the Unix epoch). Plugins have no clock.
    pub now: Timestamp,
    /// The community's settings for this plugin.
    pub settings: S,
}

/// A community's sharing policy. See `wit/v0.2/policy.wit` for what each call means.
///
/// Returning `Err(message)` refuses the report: the host quarantines it (keeps it,
/// delivers nothing) with the message, for an operator to look at.
pub trait Policy: 'static {
    /// The plugin's settings, parsed from the community's JSON. Use
    /// `#[serde(deny_unknown_fields)]` so that a misspelt setting is refused.
    type Settings: serde::de::DeserializeOwned;

    /// Checks beyond what parsing catches (ranges, non-empty strings...). The message
    /// must name the bad field.
    fn check_settings(settings: &Self::Settings) -> Result<(), String> {
        let _ = settings;
        Ok(())
    }

    /// The keys under which the host indexes this report to find candidate cases.
    fn fingerprints(ctx: &Ctx<Self::Settings>, report: &Report) -> Result<Vec<String>, String>;

    /// Which case the report joins: one of `candidates`, or a new one.
    fn correlate(
        ctx: &Ctx<Self::Settings>,
        report: &Report,
        candidates: &[CaseSummary],
    ) -> Result<Correlation, String>;

    /// Who receives the report, what each group sees, and when: groups of
    /// selectors, matched in order (a member gets the first group that
    /// chooses it). Call [`audience`] only if the rules must look at members
    /// one by one.
    fn route(
        ctx: &Ctx<Self::Settings>,
        report: &Report,
        case: &CaseSummary,
    ) -> Result<Routing, String>;
}

/// Parses and checks settings the way the host's `validate-settings` call does.
/// An empty string means "no settings" and parses as `{}`.
pub fn parse_settings<P: Policy>(json: &str) -> Result<P::Settings, String> {
    let json = if json.trim().is_empty() { "{}" } else { json };
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let settings: P::Settings =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                format!("settings: {}", e.inner())
            } else {
                format!("settings.{path}: {}", e.inner())
            }
        })?;
    P::check_settings(&settings)?;
    Ok(settings)
}

/// Writes a line to the evaluation's log (kept, bounded, with the decision).
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    bindings::isac::policy::host::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}

/// Every member the host's guardrails allow to receive the report, from within
/// `route` (empty elsewhere, and off wasm). Selectors cost less: the members
/// are copied into the plugin only when it asks.
pub fn audience() -> Vec<Member> {
    #[cfg(target_arch = "wasm32")]
    return bindings::isac::policy::host::audience();
    #[cfg(not(target_arch = "wasm32"))]
    Vec::new()
}

/// Exports a [`Policy`] implementation as the plugin's `policy` interface.
/// Only has an effect when building for wasm, so the crate also compiles natively.
#[macro_export]
macro_rules! export_policy {
    ($policy:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type IsacPolicyGlue = $crate::Glue<$policy>;
    $crate::bindings::export!(IsacPolicyGlue with_types_in $crate::bindings);
        };
    };
}
