//! The host's own types for what plugins read and decide, with their JSON form
//! (snake_case, as in the REST API and fixtures). They mirror the WIT contract but
//! do not depend on one version of it: each supported contract version converts
//! to and from these (see `runtime::bindings`).

mod label;
mod member;
mod report;
mod routing;

pub use label::{
    Confidence, IndicatorKind, MemberClass, OrganisationKind, ReportField, Sector, Tlp,
};
pub use member::{Contribution, Member, MemberId, OrganisationId};
pub use report::{CaseSummary, Correlation, Indicator, Report};
pub use routing::{DeliveryGroup, Forward, Redaction, Routing, Span};
