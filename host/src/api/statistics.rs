//! Yearly statistics of a community (cases with the continuing count,
//! publications, trend reports, reports per sector, members over time), for its
//! members, its operator, the steering committee and the secretariat.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Query;
use super::{ApiError, AppState, Principal};
use crate::council::statistics::{self, YearStatistics};
use crate::council::{FiscalYear, fiscal_year, membership_moments};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show))
}

/// Query parameters as text, so that a bad value gets a JSON error naming it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatisticsQuery {
    /// Default `council`.
    pub(crate) community: Option<String>,
    /// The year the fiscal year starts in (FY2023 = April 2023 to March 2024);
    /// default the current one.
    pub(crate) fiscal_year: Option<String>,
    /// Comma-separated dates (YYYY-MM-DD, counted at the end of the day in JST)
    /// for the membership series; default the end of every fiscal year up to this one.
    pub(crate) members_at: Option<String>,
}

/// Who may read a community's statistics.
pub fn may_read(principal: &Principal, community: &str) -> bool {
    match principal {
        Principal::Member(seat) => seat.community_id == community,
        Principal::SteeringCommittee => true,
        other => other.operates(community),
    }
}

/// A community's figures for one Japanese fiscal year (April to March, JST):
/// cases handled, publications, trend reports, reports per sector, and members
/// at each date of `members_at`.
///
/// The community's members and operator, the steering committee, the secretariat.
#[utoipa::path(get, path = "/statistics", operation_id = "show_statistics", tag = "council", params(StatisticsQuery),
    responses((status = 200, body = YearStatistics)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<StatisticsQuery>,
) -> Result<Json<YearStatistics>, ApiError> {
    let community = q.community.unwrap_or_else(|| "council".into());
    if !may_read(&principal, &community) {
        return Err(ApiError::Forbidden);
    }
    super::community_exists(&state.db, &community).await?;
    let year = match q.fiscal_year {
        Some(text) => text
            .trim()
            .parse::<i32>()
            .map_err(|e| e.to_string())
            .and_then(FiscalYear::new)
            .map_err(|e| ApiError::invalid("fiscal_year", e))?,
        None => FiscalYear::containing(store::now()),
    };
    let moments = match q.members_at {
        Some(list) => list
            .split(',')
            .map(|date| fiscal_year::end_of_day(date.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::invalid("members_at", e))?,
        None => membership_moments(&state.db, &community, year).await?,
    };
    Ok(Json(
        statistics::for_year(&state.db, &community, year, &moments).await?,
    ))
}
