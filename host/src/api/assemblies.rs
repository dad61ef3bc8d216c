//! The general assembly (`council::assembly`): the secretariat sets a
//! community's rules and convenes sessions; member organisations vote, one vote
//! each; members, the community's operator, the steering committee and the
//! secretariat read sessions and, once closed, their results.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path};
use super::{ApiError, AppState, Principal, community_exists};
use crate::council::assembly::{self, Choice, Convening, Rules, session::Session};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_rules))
        .routes(routes!(convene, sessions))
        .routes(routes!(session))
        .routes(routes!(vote))
}

#[derive(Debug, Serialize, ToSchema)]
struct Sessions {
    /// Newest first.
    sessions: Vec<Session>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Vote {
    choice: Choice,
}

/// Who reads the community's sessions: a member of it (as its organisation,
/// seeing its own votes), or its operator, the steering committee or the
/// secretariat (`None`).
async fn reader(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Option<i64>, ApiError> {
    community_exists(&state.db, id).await?;
    match principal {
        Principal::Member(seat) if seat.community_id == id => Ok(Some(seat.organisation_id)),
        Principal::SteeringCommittee => Ok(None),
        officer if officer.operates(id) => Ok(None),
        _ => Err(ApiError::Forbidden),
    }
}

/// Sets the community's quorum and majority for sessions convened from now on.
///
/// The secretariat.
#[utoipa::path(put, path = "/communities/{id}/assembly/rules", tag = "assembly",
    params(("id" = String, Path, description = "the community")),
    request_body = Rules,
    responses((status = 200, body = Rules)))]
async fn set_rules(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<Rules>, ApiError>,
) -> Result<Json<Rules>, ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    community_exists(&state.db, &id).await?;
    let ApiJson(rules) = body?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    assembly::rules::set(&mut tx, &id, rules, &principal.actor()).await?;
    tx.commit().await?;
    Ok(Json(rules))
}

/// Convenes a session of the community's general assembly: its agenda, when
/// votes open and close; the community's rules are copied into it.
///
/// The secretariat.
#[utoipa::path(post, path = "/communities/{id}/assemblies", tag = "assembly",
    params(("id" = String, Path, description = "the community")),
    request_body = Convening,
    responses((status = 201, body = Session)))]
async fn convene(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<Convening>, ApiError>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    community_exists(&state.db, &id).await?;
    let ApiJson(convening) = body?;
    let now = state.clock.now();
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let session = assembly::convene(&mut tx, &id, &convening, &principal.actor(), now).await?;
    tx.commit().await?;
    let read = assembly::session::read(&state.db, &id, &session, None, now).await?;
    Ok((StatusCode::CREATED, Json(read)))
}

/// The community's sessions, newest first (each closed, with its results, once
/// its closing time has passed).
///
/// A member of the community, its operator, the steering committee, the secretariat.
#[utoipa::path(get, path = "/communities/{id}/assemblies", tag = "assembly",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = Sessions)))]
async fn sessions(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Sessions>, ApiError> {
    let organisation = reader(&state, &principal, &id).await?;
    let sessions = assembly::session::list(&state.db, &id, organisation, state.clock.now()).await?;
    Ok(Json(Sessions { sessions }))
}

/// One session: agenda, rules, state, the caller's organisation's votes, and
/// once closed each item's tally and outcome.
///
/// A member of the community, its operator, the steering committee, the secretariat.
#[utoipa::path(get, path = "/communities/{id}/assemblies/{session}", tag = "assembly",
    params(
        ("id" = String, Path, description = "the community"),
        ("session" = String, Path, description = "the session"),
    ),
    responses((status = 200, body = Session)))]
async fn session(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, session)): Path<(String, String)>,
) -> Result<Json<Session>, ApiError> {
    let organisation = reader(&state, &principal, &id).await?;
    let now = state.clock.now();
    let read = assembly::session::read(&state.db, &id, &session, organisation, now).await?;
    Ok(Json(read))
}

/// Casts or changes the caller's organisation's vote on an item while the
/// session is open (409 before opening and from closing): one vote per
/// organisation, whichever of its tokens sends it. Audit-logged.
///
/// A member of the community.
#[utoipa::path(put, path = "/communities/{id}/assemblies/{session}/items/{item}/vote", tag = "assembly",
    params(
        ("id" = String, Path, description = "the community"),
        ("session" = String, Path, description = "the session"),
        ("item" = String, Path, description = "the agenda item"),
    ),
    request_body = Vote,
    responses((status = 200, body = Session)))]
async fn vote(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, session, item)): Path<(String, String, String)>,
    body: Result<ApiJson<Vote>, ApiError>,
) -> Result<Json<Session>, ApiError> {
    community_exists(&state.db, &id).await?;
    let seat = principal.seat()?;
    if seat.community_id != id {
        return Err(ApiError::Forbidden);
    }
    let ApiJson(Vote { choice }) = body?;
    let now = state.clock.now();
    let mut conn = state.db.acquire().await?;
    assembly::cast(&mut conn, &session, &item, seat, choice, now).await?;
    drop(conn);
    let organisation = Some(seat.organisation_id);
    let read = assembly::session::read(&state.db, &id, &session, organisation, now).await?;
    Ok(Json(read))
}
