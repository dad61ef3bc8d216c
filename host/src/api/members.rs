//! Membership lifecycle once admitted (see `applications` for admission): the
//! steering committee suspends, reinstates or expels (expulsion revokes every token
//! at once); class changes. Every transition is an event with actor,
//! time and reason, and an audit entry.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, Path};
use super::{ApiError, AppState, Principal, Role, issue_token};
use crate::model::Stored as _;
use crate::model::{self, MemberClass, MemberStatus};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(transition))
        .routes(routes!(change_class))
        .routes(routes!(new_token))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WithReason {
    /// Why, for the membership events and the audit log (not empty).
    reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ClassChange {
    class: MemberClass,
    /// Why, for the membership events and the audit log (not empty).
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Member {
    id: i64,
    community: String,
    class: String,
    status: String,
    organisation: MemberOrganisation,
    /// Every membership event, oldest first.
    events: Vec<Event>,
}

#[derive(Debug, Serialize, ToSchema)]
struct MemberOrganisation {
    id: i64,
    name: String,
    kind: String,
    sector: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Event {
    /// `applied`, `approved`, `suspended`, `expelled`, `class:<class>`...
    event: String,
    actor: String,
    reason: String,
    /// When (RFC 3339, UTC).
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
struct Transitioned {
    id: i64,
    /// The member's status now.
    status: MemberStatus,
}

#[derive(Debug, Serialize, ToSchema)]
struct Reclassed {
    id: i64,
    class: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Issued {
    member_id: i64,
    /// The bearer token, shown this once (only its sha256 is stored).
    token: String,
}

pub(super) async fn record_event(
    conn: &mut AnyConnection,
    member: i64,
    event: &str,
    actor: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO membership_events (member_id, event, actor, reason, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(member)
        .bind(event)
        .bind(actor)
        .bind(reason)
        .bind(store::now())
        .execute(conn)
        .await?;
    Ok(())
}

/// A member's community and status.
#[derive(Debug, sqlx::FromRow)]
struct Standing {
    community_id: String,
    #[sqlx(try_from = "String")]
    status: MemberStatus,
}

/// The member's community and status, or 404.
async fn member_row(conn: &mut AnyConnection, id: i64) -> Result<Standing, ApiError> {
    sqlx::query_as("SELECT community_id, status FROM members WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `GET /members/{id}` as JSON, for the console.
pub(crate) async fn show_json(
    state: AppState,
    principal: Principal,
    id: i64,
) -> Result<serde_json::Value, ApiError> {
    let Json(member) = show(State(state), principal, Path(id)).await?;
    serde_json::to_value(member).map_err(|e| ApiError::Internal(e.to_string()))
}

/// `POST /members/{id}/{transition}` with `reason`, for the console.
pub(crate) async fn transition_as(
    state: AppState,
    principal: Principal,
    id: i64,
    transition_name: String,
    reason: String,
) -> Result<(), ApiError> {
    let body = Ok(ApiJson(WithReason { reason }));
    let _answer = transition(State(state), principal, Path((id, transition_name)), body).await?;
    Ok(())
}

/// A member: its seat, organisation and membership events.
///
/// The member itself, its community's operator, the steering committee, the
/// secretariat (anyone else: 404).
#[utoipa::path(get, path = "/members/{id}", operation_id = "show_member", tag = "membership",
    params(("id" = i64, Path, description = "the member")),
    responses((status = 200, body = Member)))]
async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Member>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let community = member_row(&mut conn, id).await?.community_id;
    if !sees(&principal, id, &community) {
        return Err(ApiError::NotFound);
    }
    let row = sqlx::query(
        "SELECT m.id, m.community_id, m.class, m.status, o.id, o.name, o.kind, o.sector \
         FROM members m JOIN organisations o ON o.id = m.organisation_id WHERE m.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let events = sqlx::query(
        "SELECT event, actor, reason, at FROM membership_events WHERE member_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let events = events
        .iter()
        .map(|e| {
            Ok(Event {
                event: e.try_get(0)?,
                actor: e.try_get(1)?,
                reason: e.try_get(2)?,
                at: e.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Member {
        id: row.try_get(0)?,
        community: row.try_get(1)?,
        class: row.try_get(2)?,
        status: row.try_get(3)?,
        organisation: MemberOrganisation {
            id: row.try_get(4)?,
            name: row.try_get(5)?,
            kind: row.try_get(6)?,
            sector: row.try_get(7)?,
        },
        events,
    }))
}

/// Whether the caller may know that member `id` (of `community`) exists: itself,
/// its community's operator, the steering committee and the secretariat. Everyone
/// else gets 404 for it, as for an id that does not exist.
fn sees(principal: &Principal, id: i64, community: &str) -> bool {
    match principal {
        Principal::Member(seat) => seat.member_id == id,
        Principal::SteeringCommittee | Principal::Secretariat => true,
        Principal::Operator { .. } => principal.operates(community),
    }
}

/// suspend, reinstate or expel: (allowed from, to). Applicants are admitted or
/// refused through their application (see `applications`).
fn transition_rule(name: &str) -> Option<(&'static [MemberStatus], MemberStatus)> {
    use MemberStatus::{Approved, Expelled, Suspended};
    Some(match name {
        "suspend" => (&[Approved], Suspended),
        "reinstate" => (&[Suspended], Approved),
        "expel" => (&[Approved, Suspended], Expelled),
        _ => return None,
    })
}

/// `suspend` (approved), `reinstate` (suspended) or `expel` (approved or
/// suspended; revokes every token) a member; 409 from any other status.
///
/// The steering committee.
#[utoipa::path(post, path = "/members/{id}/{transition}", tag = "membership",
    params(
        ("id" = i64, Path, description = "the member"),
        ("transition" = String, Path, pattern = "^(suspend|reinstate|expel)$"),
    ),
    request_body = WithReason,
    responses(
        (status = 200, body = Transitioned),
        (status = 409, body = ErrorBody, description = "not from the member's status"),
    ))]
async fn transition(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, name)): Path<(i64, String)>,
    body: Result<ApiJson<WithReason>, ApiError>,
) -> Result<Json<Transitioned>, ApiError> {
    let (from, to) = transition_rule(&name).ok_or(ApiError::NotFound)?;
    if principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    let ApiJson(WithReason { reason }) = body?;
    if reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "must not be empty"));
    }
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let status = member_row(&mut tx, id).await?.status;
    if !from.contains(&status) {
        return Err(ApiError::Conflict(format!(
            "cannot {name} a member whose status is {status}"
        )));
    }
    sqlx::query("UPDATE members SET status = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if to == MemberStatus::Expelled {
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL",
        )
        .bind(store::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let actor = principal.actor();
    record_event(&mut tx, id, to.as_str(), &actor, reason.trim()).await?;
    store::audit(
        &mut tx,
        &actor,
        &format!("member.{name}"),
        &id.to_string(),
        reason.trim(),
    )
    .await?;
    tx.commit().await?;
    state.pipeline.membership_changed();
    Ok(Json(Transitioned { id, status: to }))
}

/// Changes an approved member's class (409 for any other status).
///
/// The steering committee, the member's community's operator, the secretariat.
#[utoipa::path(put, path = "/members/{id}/class", tag = "membership",
    params(("id" = i64, Path, description = "the member")),
    request_body = ClassChange,
    responses(
        (status = 200, body = Reclassed),
        (status = 409, body = ErrorBody, description = "the member is not approved"),
    ))]
async fn change_class(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Result<ApiJson<ClassChange>, ApiError>,
) -> Result<Json<Reclassed>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let Standing {
        community_id: community,
        status,
    } = member_row(&mut conn, id).await?;
    if !sees(&principal, id, &community) {
        return Err(ApiError::NotFound);
    }
    if !(principal == Principal::SteeringCommittee || principal.operates(&community)) {
        return Err(ApiError::Forbidden);
    }
    let ApiJson(change) = body?;
    if change.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "must not be empty"));
    }
    if status != MemberStatus::Approved {
        return Err(ApiError::Conflict(format!(
            "cannot change the class of a member whose status is {status}"
        )));
    }
    let class = model::label_name(&change.class);
    let mut tx = store::begin_write(&mut conn).await?;
    sqlx::query("UPDATE members SET class = $1 WHERE id = $2")
        .bind(&class)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let actor = principal.actor();
    record_event(
        &mut tx,
        id,
        &format!("{}{class}", crate::council::membership::CLASS_CHANGE),
        &actor,
        change.reason.trim(),
    )
    .await?;
    store::audit(&mut tx, &actor, "member.class", &id.to_string(), &class).await?;
    tx.commit().await?;
    state.pipeline.membership_changed();
    Ok(Json(Reclassed { id, class }))
}

/// Issues a new token to an approved member (409 for any other status).
///
/// The steering committee, the secretariat.
#[utoipa::path(post, path = "/members/{id}/tokens", tag = "membership",
    params(("id" = i64, Path, description = "the member")),
    responses(
        (status = 201, body = Issued),
        (status = 409, body = ErrorBody, description = "the member is not approved"),
    ))]
async fn new_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Issued>), ApiError> {
    if !matches!(
        principal,
        Principal::SteeringCommittee | Principal::Secretariat
    ) {
        return Err(ApiError::Forbidden);
    }
    let mut conn = state.db.acquire().await?;
    let status = member_row(&mut conn, id).await?.status;
    if status != MemberStatus::Approved {
        return Err(ApiError::Conflict(format!(
            "tokens are issued to approved members; this one is {status}"
        )));
    }
    let mut tx = store::begin_write(&mut conn).await?;
    let token = issue_token(
        &mut tx,
        Role::Member,
        Some(id),
        None,
        "issued through the API",
    )
    .await?;
    store::audit(
        &mut tx,
        &principal.actor(),
        "token.issue",
        &id.to_string(),
        "member token",
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Issued {
            member_id: id,
            token,
        }),
    ))
}
