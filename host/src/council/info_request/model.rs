//! A recipient's response as stored, and how a request names its recipients.

use serde::{Deserialize, Serialize};

use crate::model::{MemberClass, Stored};

/// Where a recipient stands (`info_request_recipients.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Pending,
    /// With a report, delivered under the community's policy.
    Answered,
    /// With a reason, for the requesting officers only.
    Declined,
}

impl Stored for Response {
    const COLUMN: &'static str = "info_request_recipients.status";
    const ALL: &'static [Self] = &[Response::Pending, Response::Answered, Response::Declined];

    fn as_str(self) -> &'static str {
        match self {
            Response::Pending => "pending",
            Response::Answered => "answered",
            Response::Declined => "declined",
        }
    }
}

/// Who a request goes to: approved members named by id, or every approved
/// member of a class when it is sent.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Addressees {
    Members(Vec<i64>),
    Class(MemberClass),
}
