//! The Council's workflows from the source document, beyond storing and routing
//! reports: fiscal-year statistics, membership over time, give-and-take
//! contribution, feedback, countermeasure publications, case merge and split, and
//! trend reports.

pub mod assembly;
pub mod case_admin;
pub mod chart;
pub mod contribution;
pub mod explain;
pub mod fiscal_year;
pub mod info_request;
pub mod membership;
pub mod placement;
pub mod publication;
pub mod statistics;
pub mod trend_report;

pub use fiscal_year::FiscalYear;
pub use membership::fiscal_year_ends as membership_moments;

/// Why a council workflow refused a request.
#[derive(Debug, thiserror::Error)]
pub enum CouncilError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Also for objects the caller may not see.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl CouncilError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CouncilError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
