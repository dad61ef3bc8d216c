//! Requests for information (`council::info_request`): the steering committee
//! or a community's operator (and the secretariat, which runs the organs) sends
//! and follows them; recipients read theirs and answer with a report or decline.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path};
use super::feedback::received_in_case;
use super::{
    ApiError, AppState, JSON_LIMIT, Principal, Seat, community_exists, raw_body, require_json,
};
use crate::council::info_request::read::{self, Received, Request, YearCount};
use crate::council::info_request::{self, NewRequest};
use crate::intake;
use crate::pipeline::Committed;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send, requests))
        .routes(routes!(remind))
        .routes(routes!(received))
        .routes(routes!(answer))
        .routes(routes!(decline))
}

#[derive(Debug, Serialize, ToSchema)]
struct Requests {
    /// Newest first.
    requests: Vec<Request>,
    per_fiscal_year: Vec<YearCount>,
}

#[derive(Debug, Serialize, ToSchema)]
struct ReceivedRequests {
    /// Pending first, then newest first.
    requests: Vec<Received>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Decline {
    /// One line, at most 1,000 characters; the requesting officers read it,
    /// other members do not.
    reason: String,
}

/// The steering committee, or whoever operates `id` (its operator, the secretariat).
async fn requester(state: &AppState, principal: &Principal, id: &str) -> Result<(), ApiError> {
    community_exists(&state.db, id).await?;
    if *principal == Principal::SteeringCommittee || principal.operates(id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The community's request `request`, as the officers read it.
async fn officers_view(state: &AppState, id: &str, request: &str) -> Result<Request, ApiError> {
    let all = read::for_officers(&state.db, id, state.clock.now()).await?;
    all.into_iter()
        .find(|r| r.id == request)
        .ok_or(ApiError::NotFound)
}

/// Sends a request for information to named members or a class, maybe about a
/// case, due by a date.
///
/// The steering committee, the community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/requests", operation_id = "send_request", tag = "requests",
    params(("id" = String, Path, description = "the community")),
    request_body = NewRequest,
    responses((status = 201, body = Request)))]
async fn send(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<NewRequest>, ApiError>,
) -> Result<(StatusCode, Json<Request>), ApiError> {
    requester(&state, &principal, &id).await?;
    let ApiJson(request) = body?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let now = state.clock.now();
    let sent = info_request::send(&mut tx, &id, &request, &principal.actor(), now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(officers_view(&state, &id, &sent).await?),
    ))
}

/// The community's requests with every recipient's response (answered with
/// which report, declined and why, pending, overdue, late), and counts per
/// fiscal year.
///
/// The steering committee, the community's operator, the secretariat.
#[utoipa::path(get, path = "/communities/{id}/requests", operation_id = "list_requests", tag = "requests",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = Requests)))]
async fn requests(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Requests>, ApiError> {
    requester(&state, &principal, &id).await?;
    let requests = read::for_officers(&state.db, &id, state.clock.now()).await?;
    let per_fiscal_year = read::per_fiscal_year(&requests);
    Ok(Json(Requests {
        requests,
        per_fiscal_year,
    }))
}

/// Reminds the recipients who have not responded (the inbox stream sends them
/// the request again).
///
/// The steering committee, the community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/requests/{request}/remind", operation_id = "remind_request", tag = "requests",
    params(
        ("id" = String, Path, description = "the community"),
        ("request" = String, Path, description = "the request"),
    ),
    responses((status = 200, body = Request)))]
async fn remind(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, request)): Path<(String, String)>,
) -> Result<Json<Request>, ApiError> {
    requester(&state, &principal, &id).await?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let now = state.clock.now();
    info_request::remind(&mut tx, &id, &request, &principal.actor(), now).await?;
    tx.commit().await?;
    Ok(Json(officers_view(&state, &id, &request).await?))
}

/// The requests addressed to the caller, with its own response; a case is
/// named only if the caller received a report in it.
///
/// A member.
#[utoipa::path(get, path = "/requests", operation_id = "received_requests", tag = "requests",
    responses((status = 200, body = ReceivedRequests)))]
async fn received(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<ReceivedRequests>, ApiError> {
    let requests = addressed_to(&state, principal.seat()?).await?;
    Ok(Json(ReceivedRequests { requests }))
}

/// The requests addressed to `seat`, the case withheld unless it received a
/// report in it.
async fn addressed_to(state: &AppState, seat: &Seat) -> Result<Vec<Received>, ApiError> {
    let mut requests = read::for_recipient(&state.db, seat.member_id, state.clock.now()).await?;
    for request in &mut requests {
        if let Some(case) = &request.case_id
            && received_in_case(&state.db, seat, case).await?.is_empty()
        {
            request.case_id = None;
        }
    }
    Ok(requests)
}

/// Answers a request with a report (the body of `POST /communities/{id}/reports`),
/// submitted to the request's community and decided by its policy like any
/// other (201; 202 when quarantined), and linked to the request.
///
/// A member the request was sent to, once.
#[utoipa::path(post, path = "/requests/{request}/answer", operation_id = "answer_request", tag = "requests",
    params(("request" = String, Path, description = "the request")),
    request_body = intake::Submission,
    responses(
        (status = 201, body = Committed, description = "decided and delivered"),
        (status = 202, body = Committed, description = "quarantined"),
    ))]
async fn answer(
    State(state): State<AppState>,
    principal: Principal,
    Path(request): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Committed>), ApiError> {
    let seat = principal.seat()?;
    let mut conn = state.db.acquire().await?;
    let community = info_request::pending(&mut conn, &request, seat.member_id).await?;
    drop(conn);
    let bytes = raw_body(body, JSON_LIMIT)?;
    require_json(&headers)?;
    let submission = intake::parse(&bytes).and_then(intake::validate)?;
    let committed = super::reports::decide(&state, seat, community, submission).await?;
    let mut conn = state.db.acquire().await?;
    let now = state.clock.now();
    info_request::record_answer(
        &mut conn,
        &request,
        seat.member_id,
        &committed.report_id,
        now,
    )
    .await?;
    let status = super::reports::created_or_quarantined(&committed);
    Ok((status, Json(committed)))
}

/// Declines a request, with a reason only the requesting officers read.
///
/// A member the request was sent to, once.
#[utoipa::path(post, path = "/requests/{request}/decline", operation_id = "decline_request", tag = "requests",
    params(("request" = String, Path, description = "the request")),
    request_body = Decline,
    responses((status = 200, body = Received)))]
async fn decline(
    State(state): State<AppState>,
    principal: Principal,
    Path(request): Path<String>,
    body: Result<ApiJson<Decline>, ApiError>,
) -> Result<Json<Received>, ApiError> {
    let seat = principal.seat()?;
    let mut conn = state.db.acquire().await?;
    info_request::pending(&mut conn, &request, seat.member_id).await?;
    let ApiJson(Decline { reason }) = body?;
    let now = state.clock.now();
    info_request::decline(&mut conn, &request, seat.member_id, &reason, now).await?;
    drop(conn);
    let requests = addressed_to(&state, seat).await?;
    let declined = requests.into_iter().find(|r| r.id == request);
    declined.map(Json).ok_or(ApiError::NotFound)
}
