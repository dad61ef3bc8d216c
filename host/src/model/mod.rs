//! The host's own types for what plugins read and decide, with their JSON form
//! (snake_case, as in the REST API and fixtures). They mirror the WIT contract but
//! do not depend on one version of it: each supported contract version converts
//! to and from these (see `runtime::bindings`).

mod label;
mod member;
mod report;
mod routing;
mod status;
pub mod unix_time;

pub use label::{
    Confidence, IndicatorKind, MemberClass, OrganisationKind, ReportField, Sector, Tlp,
};
pub use member::{Contribution, Member, MemberId, OrganisationId};
pub use report::{CaseSummary, Correlation, Indicator, Report};
pub use routing::{DeliveryGroup, Forward, Redaction, Routing, Span};
pub use status::{CaseStatus, MemberStatus, ReportStatus, Stored, UnknownStatus};

/// A label's JSON name (`"task_force_class1"`, `"amber+strict"`...), for storing it as text.
pub fn label_name<T: serde::Serialize>(label: &T) -> String {
    match serde_json::to_value(label) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// Reads a label stored with [`label_name`].
pub fn parse_label<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(serde_json::Value::String(name.to_string()))
}
