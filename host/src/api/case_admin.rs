//! Operators (of the case's community) and the secretariat close and reopen cases,
//! and merge or split them when a plugin's dedup was wrong. Audit-logged.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, Path};
use super::{ApiError, AppState, Principal, line};
use crate::council::case_admin;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(close))
        .routes(routes!(reopen))
        .routes(routes!(merge))
        .routes(routes!(split))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    /// The case of the same community that takes this one's reports.
    into: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SplitBody {
    /// The reports of this case that move to a new case.
    reports: Vec<String>,
    /// The new case's title.
    title: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct CaseStatus {
    id: String,
    /// `closed` or `open`.
    status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
struct Merged {
    id: String,
    /// Always `merged`.
    status: &'static str,
    merged_into: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Split {
    id: String,
    new_case: String,
    /// The reports moved to the new case.
    moved: Vec<String>,
}

/// The case's community, if the caller operates it (404 for a case that does not
/// exist, 403 for one in a community the caller does not operate).
async fn operated(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: &str,
) -> Result<(), ApiError> {
    if matches!(
        principal,
        Principal::Member(_) | Principal::SteeringCommittee
    ) {
        return Err(ApiError::Forbidden);
    }
    let community = case_admin::community_and_status(conn, id)
        .await?
        .community_id;
    if principal.operates(&community) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

async fn set_closed(
    state: AppState,
    principal: Principal,
    id: String,
    closed: bool,
) -> Result<Json<CaseStatus>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    operated(&mut tx, &principal, &id).await?;
    case_admin::set_closed(&mut tx, &id, closed).await?;
    let action = if closed { "case.close" } else { "case.reopen" };
    store::audit(&mut tx, &principal.actor(), action, &id, "").await?;
    tx.commit().await?;
    Ok(Json(CaseStatus {
        id,
        status: if closed { "closed" } else { "open" },
    }))
}

/// Closes a case.
///
/// The case's community's operator, the secretariat.
#[utoipa::path(post, path = "/cases/{id}/close", tag = "cases",
    params(("id" = String, Path, description = "the case")),
    responses(
        (status = 200, body = CaseStatus),
        (status = 409, body = ErrorBody, description = "the case is already closed or merged"),
    ))]
async fn close(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CaseStatus>, ApiError> {
    set_closed(state, principal, id, true).await
}

/// Reopens a closed case.
///
/// The case's community's operator, the secretariat.
#[utoipa::path(post, path = "/cases/{id}/reopen", tag = "cases",
    params(("id" = String, Path, description = "the case")),
    responses(
        (status = 200, body = CaseStatus),
        (status = 409, body = ErrorBody, description = "the case is not closed"),
    ))]
async fn reopen(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CaseStatus>, ApiError> {
    set_closed(state, principal, id, false).await
}

/// Merges a case into another of its community: its reports, views,
/// fingerprints, feedback and countermeasures move (a dedup correction).
///
/// The case's community's operator, the secretariat.
#[utoipa::path(post, path = "/cases/{id}/merge", tag = "cases",
    params(("id" = String, Path, description = "the case")),
    request_body = MergeBody,
    responses(
        (status = 200, body = Merged),
        (status = 409, body = ErrorBody, description = "a case that cannot be merged there"),
    ))]
async fn merge(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<MergeBody>, ApiError>,
) -> Result<Json<Merged>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    operated(&mut tx, &principal, &id).await?;
    let ApiJson(MergeBody { into }) = body?;
    case_admin::merge(&mut tx, &id, &into).await?;
    store::audit(
        &mut tx,
        &principal.actor(),
        "case.merge",
        &id,
        &format!("into {into}"),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(Merged {
        id,
        status: "merged",
        merged_into: into,
    }))
}

/// Moves some reports of a case to a new case (a dedup correction).
///
/// The case's community's operator, the secretariat.
#[utoipa::path(post, path = "/cases/{id}/split", tag = "cases",
    params(("id" = String, Path, description = "the case")),
    request_body = SplitBody,
    responses(
        (status = 200, body = Split),
        (status = 409, body = ErrorBody, description = "a case that cannot be split"),
    ))]
async fn split(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<SplitBody>, ApiError>,
) -> Result<Json<Split>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    operated(&mut tx, &principal, &id).await?;
    let ApiJson(SplitBody { reports, title }) = body?;
    let title = line("title", &title, 300)?;
    let new_case = case_admin::split(&mut tx, &id, &reports, &title).await?;
    let detail = format!("{} report(s) into {new_case}", reports.len());
    store::audit(&mut tx, &principal.actor(), "case.split", &id, &detail).await?;
    tx.commit().await?;
    Ok(Json(Split {
        id,
        new_case,
        moved: reports,
    }))
}
