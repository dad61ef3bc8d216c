//! A plugin whose answers fit the output budget but would multiply what the host
//! stores, as its settings say (`{"flood": "groups"}` or `{"flood": "forwards"}`):
//! the host must store each distinct view once and forward once per community.

use isac_policy_sdk::{
    CaseSummary, Correlation, Ctx, DeliveryGroup, Forward, Member, Policy, Report, Routing,
    export_policy,
};
use serde::Deserialize;

/// Copies asked for: far more than a report should ever be stored or sent as.
const COPIES: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flood {
    /// Thousands of groups without recipients, and each member in a group of its
    /// own with the same (unredacted) view.
    Groups,
    /// The report forwarded thousands of times to the same community.
    Forwards,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub flood: Flood,
    /// Where `forwards` sends its copies.
    #[serde(default)]
    pub target: String,
}

pub struct Flooding;

impl Policy for Flooding {
    type Settings = Settings;

    fn check_settings(_: &Settings) -> Result<(), String> {
        Ok(())
    }

    fn fingerprints(_: &Ctx<Settings>, _: &Report) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }

    fn correlate(_: &Ctx<Settings>, _: &Report, _: &[CaseSummary]) -> Result<Correlation, String> {
        Ok(Correlation::NewCase("flood".into()))
    }

    fn route(
        ctx: &Ctx<Settings>,
        _: &Report,
        _: &CaseSummary,
        audience: &[Member],
    ) -> Result<Routing, String> {
        let group = |recipients: Vec<u64>| DeliveryGroup {
            recipients,
            redactions: Vec::new(),
            delay_seconds: 0,
        };
        let each_alone = audience.iter().map(|m| group(vec![m.id]));
        Ok(match ctx.settings.flood {
            Flood::Groups => Routing {
                groups: (0..COPIES)
                    .map(|_| group(Vec::new()))
                    .chain(each_alone)
                    .collect(),
                forwards: Vec::new(),
            },
            Flood::Forwards => Routing {
                groups: each_alone.collect(),
                forwards: (0..COPIES)
                    .map(|_| Forward {
                        community: ctx.settings.target.clone(),
                        redactions: Vec::new(),
                    })
                    .collect(),
            },
        })
    }
}

export_policy!(Flooding);
