use serde::{Deserialize, Serialize};

use super::{MemberClass, OrganisationKind, Sector};

pub type MemberId = u64;
pub type OrganisationId = u64;

/// What a member gave lately (90 days) and in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Contribution {
    pub reports_90d: u32,
    pub confirmed_90d: u32,
    pub feedback_90d: u32,
    pub countermeasures_90d: u32,
    pub reports_total: u32,
    pub confirmed_total: u32,
    pub feedback_total: u32,
    pub countermeasures_total: u32,
}

/// A member who may receive a report, as a plugin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub id: MemberId,
    pub organisation: OrganisationId,
    pub organisation_kind: OrganisationKind,
    pub sector: Sector,
    /// Whether the member belongs to the report's community.
    #[serde(default = "yes")]
    pub in_community: bool,
    #[serde(default = "general")]
    pub class: MemberClass,
    #[serde(default)]
    pub contribution: Contribution,
}

fn yes() -> bool {
    true
}

fn general() -> MemberClass {
    MemberClass::General
}
