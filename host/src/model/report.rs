use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Confidence, IndicatorKind, MemberId, OrganisationId, OrganisationKind, Sector, Tlp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub kind: IndicatorKind,
    pub value: String,
}

/// A report as a plugin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub id: String,
    pub community: String,
    #[schema(value_type = u64)]
    pub submitter: MemberId,
    #[schema(value_type = u64)]
    pub submitter_organisation: OrganisationId,
    /// What kind of organisation the submitter acts for, and its sector: the
    /// host fills them in from the organisation when it decides the report.
    #[serde(default)]
    pub submitter_kind: OrganisationKind,
    #[serde(default)]
    pub submitter_sector: Sector,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub tlp: Tlp,
    pub confidence: Confidence,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub victim: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<u64>)]
    pub named_recipients: Vec<MemberId>,
    #[serde(default)]
    pub provenance: Vec<String>,
}

/// An existing case (attack campaign) offered to `correlate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSummary {
    pub id: String,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_report_at: OffsetDateTime,
    pub report_count: u32,
    pub confidence: Confidence,
    #[serde(default)]
    pub shared_fingerprints: Vec<String>,
}

/// Which case a report joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correlation {
    Join(String),
    NewCase(String),
}
