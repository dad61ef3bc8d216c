//! Status columns: each a closed set of values stored as their names, which the
//! database refuses to hold any other of (the CHECK constraints and SQLite
//! triggers of migrations 0011 to 0014). Rows read them with
//! `#[sqlx(try_from = "String")]`, through [`Stored::parse`].

use serde::{Deserialize, Serialize};

/// A stored status the host does not know (the column's name, the value).
#[derive(Debug, thiserror::Error)]
#[error("unknown {0} {1:?}")]
pub struct UnknownStatus(pub &'static str, pub String);

/// A status as its column stores it.
pub trait Stored: Copy + 'static {
    /// `table.column`, for errors.
    const COLUMN: &'static str;
    /// Every value, as the database constraint lists them.
    const ALL: &'static [Self];

    fn as_str(self) -> &'static str;

    fn parse(text: String) -> Result<Self, UnknownStatus> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == text)
            .ok_or(UnknownStatus(Self::COLUMN, text))
    }
}

/// Where a seat stands (`members.status`).
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

impl Stored for MemberStatus {
    const COLUMN: &'static str = "members.status";
    const ALL: &'static [Self] = &[
        MemberStatus::Approved,
        MemberStatus::Suspended,
        MemberStatus::Expelled,
        MemberStatus::Withdrawn,
        MemberStatus::Refused,
        MemberStatus::System,
    ];

    fn as_str(self) -> &'static str {
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

/// What became of a report (`reports.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Decided: its views are delivered (or due later).
    Delivered,
    /// The plugin faulted: kept, never delivered, until a re-run decides it.
    Quarantined,
}

impl Stored for ReportStatus {
    const COLUMN: &'static str = "reports.status";
    const ALL: &'static [Self] = &[ReportStatus::Delivered, ReportStatus::Quarantined];

    fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Delivered => "delivered",
            ReportStatus::Quarantined => "quarantined",
        }
    }
}

/// Where a case stands (`cases.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// New reports may join it.
    Open,
    Closed,
    /// Its reports moved to another case; the row stays so old links resolve.
    Merged,
}

impl Stored for CaseStatus {
    const COLUMN: &'static str = "cases.status";
    const ALL: &'static [Self] = &[CaseStatus::Open, CaseStatus::Closed, CaseStatus::Merged];

    fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
            CaseStatus::Merged => "merged",
        }
    }
}

/// `Display` as stored, and the `TryFrom<String>` rows read the column with.
macro_rules! stored_conversions {
    ($($status:ty),*) => {$(
        impl std::fmt::Display for $status {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(Stored::as_str(*self))
            }
        }

        impl TryFrom<String> for $status {
            type Error = UnknownStatus;

            fn try_from(text: String) -> Result<Self, UnknownStatus> {
                Self::parse(text)
            }
        }
    )*};
}

stored_conversions!(
    MemberStatus,
    ReportStatus,
    CaseStatus,
    crate::registry::Status
);
