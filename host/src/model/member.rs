use serde::{Deserialize, Serialize};

use super::{MemberClass, OrganisationKind, Sector};

pub type MemberId = u64;
pub type OrganisationId = u64;

/// Where a seat stands (`members.status`; the database refuses any other value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Approved,
    /// Keeps its tokens for reinstatement, but may do nothing.
    Suspended,
    /// Every token revoked.
    Expelled,
    /// An application filed before applications had their own table, withdrawn
    /// when they moved there (migration 0007).
    Withdrawn,
    /// An application refused before applications had their own table (its seat
    /// was kept by migration 0007).
    Refused,
    /// The secretariat's seat in a community, which places feedback and trend
    /// reports on its behalf: no organisation's membership.
    System,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 6] = [
        MemberStatus::Approved,
        MemberStatus::Suspended,
        MemberStatus::Expelled,
        MemberStatus::Withdrawn,
        MemberStatus::Refused,
        MemberStatus::System,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Approved => "approved",
            MemberStatus::Suspended => "suspended",
            MemberStatus::Expelled => "expelled",
            MemberStatus::Withdrawn => "withdrawn",
            MemberStatus::Refused => "refused",
            MemberStatus::System => "system",
        }
    }
}

impl std::fmt::Display for MemberStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored status the host does not know (the column's name, the value).
#[derive(Debug, thiserror::Error)]
#[error("unknown {0} {1:?}")]
pub struct UnknownStatus(pub &'static str, pub String);

/// How a row's status column is read (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for MemberStatus {
    type Error = UnknownStatus;

    fn try_from(text: String) -> Result<Self, UnknownStatus> {
        MemberStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or(UnknownStatus("members.status", text))
    }
}

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
