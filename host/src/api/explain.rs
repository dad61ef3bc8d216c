//! `GET /communities/{id}/decisions/{report}/explain?member=M`: why member M
//! received a report, or did not ([`crate::council::explain`]). The
//! community's operators (and the secretariat) may ask about any of its
//! members; a member only about a report its inbox shows, so the answer never
//! tells it that a report it did not get (or not yet) exists.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Path, Query};
use super::{ApiError, AppState, Principal};
use crate::council::explain::{self, ExplainError, Explanation};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(explain_one))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Asked {
    /// The member asked about; a member asking about itself may leave it out.
    member: Option<i64>,
}

/// `GET /communities/{id}/decisions/{report}/explain?member=M`, for the console.
pub(crate) async fn explain_json(
    state: AppState,
    principal: Principal,
    community: String,
    report: String,
    member: Option<i64>,
) -> Result<serde_json::Value, ApiError> {
    let asked = Asked { member };
    let Json(explained) = explain_one(
        State(state),
        principal,
        Path((community, report)),
        Query(asked),
    )
    .await?;
    serde_json::to_value(explained).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Why a member received the report, or did not: `received`, the view it got
/// and `reasons` with stable codes in the order the host applied its rules.
///
/// The community's operator and the secretariat, for any of its members (then
/// `member` is required); a member for itself only, about a report its inbox
/// shows (otherwise 404), without the plugin's selectors.
#[utoipa::path(get, path = "/communities/{id}/decisions/{report}/explain", tag = "operations",
    params(
        ("id" = String, Path, description = "the community"),
        ("report" = String, Path, description = "the report"),
        Asked,
    ),
    responses((status = 200, body = Explanation)))]
async fn explain_one(
    State(state): State<AppState>,
    principal: Principal,
    Path((community, report)): Path<(String, String)>,
    Query(asked): Query<Asked>,
) -> Result<Json<Explanation>, ApiError> {
    let member = match &principal {
        Principal::Member(seat) => match asked.member {
            Some(other) if other != seat.member_id => return Err(ApiError::Forbidden),
            _ => seat.member_id,
        },
        operator if operator.operates(&community) => asked
            .member
            .ok_or_else(|| ApiError::invalid("member", "required: the member to explain"))?,
        _ => return Err(ApiError::Forbidden),
    };
    let explained = explain::explain(&state.pipeline, &community, &report, member)
        .await
        .map_err(|e| match e {
            ExplainError::NoReport => ApiError::NotFound,
            ExplainError::NoMember => {
                ApiError::invalid("member", "no such member in this community")
            }
            ExplainError::Database(e) => e.into(),
            ExplainError::Stored(message) => ApiError::Internal(message),
        })?;
    if matches!(principal, Principal::Member(_)) {
        // Nor a delivery still held back: its inbox does not show it yet.
        let now = crate::store::clock::now_utc();
        let readable = explained
            .delivery
            .as_ref()
            .is_some_and(|d| d.available_at <= now);
        if !readable {
            return Err(ApiError::NotFound);
        }
        return Ok(Json(explained.for_the_member()));
    }
    Ok(Json(explained))
}
