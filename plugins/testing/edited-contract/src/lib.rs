//! A plugin built against an edited `isac:policy@0.2.0` (see `wit/policy.wit`):
//! its `indicator` has a field the frozen contract lacks. Its answers are
//! trivial; the host must refuse it before calling anything.
//! Only a wasm build exports it, as for the other contract test plugins.
#![cfg(target_arch = "wasm32")]

wit_bindgen::generate!({ path: "wit", world: "sharing-policy" });

use exports::isac::policy::policy::Guest;
use isac::policy::types::{CaseSummary, Context, Correlation, Report, Routing};

struct Edited;

impl Guest for Edited {
    fn validate_settings(_: String) -> Result<(), String> {
        Ok(())
    }

    fn fingerprints(_: Context, report: Report) -> Result<Vec<String>, String> {
        Ok(report.indicators.into_iter().map(|i| i.value).collect())
    }

    fn correlate(_: Context, report: Report, _: Vec<CaseSummary>) -> Result<Correlation, String> {
        Ok(Correlation::NewCase(report.title))
    }

    fn route(_: Context, _: Report, _: CaseSummary) -> Result<Routing, String> {
        Ok(Routing {
            groups: Vec::new(),
            forwards: Vec::new(),
        })
    }
}

export!(Edited);
