//! The policy registry (`docs/architecture.md`, section 4): every plugin version a community
//! stages (content-addressed plugin + settings), its status (staged, shadow,
//! active, retired), the steering committee's approvals, activation and rollback.
//! Activation writes the version's status and the community's active copy in one
//! transaction, then invalidates the pipeline's cached policy: a report already
//! being evaluated finishes on the `Arc<Plugin>` it holds, the next one gets the
//! new version, and every report records the digest that decided it.

mod activation;
mod approvals;
pub mod content_diff;
pub mod diff;
pub mod fixtures;
pub mod playground;
pub mod replay;
pub mod shadow_diffs;
mod validation;
mod versions;

pub use activation::{activate, rollback, set_shadow};
pub use approvals::{approve, required_approvals, set_required_approvals};
pub use validation::{FixtureReport, validate};
pub use versions::{
    Status, Version, active_version, get, list, load_all, record_initial, shadow_version, stage,
};

/// Why a registry operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no such policy version")]
    NotFound,
    /// Bad input, naming the field (the plugin, its settings, the fixtures).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error(
        "version {version} needs {required} approval(s) from the steering committee before activation; it has {have}"
    )]
    MissingApproval {
        version: i64,
        required: i64,
        have: i64,
    },
    /// The version is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("evaluation thread: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("{0}")]
    Plan(#[from] crate::pipeline::PlanError),
}

impl RegistryError {
    fn invalid(field: &str, message: impl Into<String>) -> RegistryError {
        RegistryError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
