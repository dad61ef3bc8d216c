//! Membership lifecycle once admitted (see `applications` for admission): the
//! steering committee suspends, reinstates or expels (expulsion revokes every token
//! at once); class changes. Every transition is an event with actor,
//! time and reason, and an audit entry.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use super::extract::Path;
use super::{ApiError, AppState, Principal, Role, issue_token, json_body};
use crate::model::{self, MemberClass};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/members/{id}", get(show))
        .route("/members/{id}/{transition}", post(transition))
        .route("/members/{id}/class", put(change_class))
        .route("/members/{id}/tokens", post(new_token))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassChange {
    class: MemberClass,
    reason: String,
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

/// The member's community and status, or 404.
async fn member_row(conn: &mut AnyConnection, id: i64) -> Result<(String, String), ApiError> {
    let row = sqlx::query("SELECT community_id, status FROM members WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let (community, _) = member_row(&mut conn, id).await?;
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
    let events: Result<Vec<Value>, sqlx::Error> = events
        .iter()
        .map(|e| {
            Ok(
                json!({"event": e.try_get::<String, _>(0)?, "actor": e.try_get::<String, _>(1)?,
                      "reason": e.try_get::<String, _>(2)?, "at": e.try_get::<i64, _>(3)?}),
            )
        })
        .collect();
    Ok(Json(json!({
        "id": row.try_get::<i64, _>(0)?, "community": row.try_get::<String, _>(1)?,
        "class": row.try_get::<String, _>(2)?, "status": row.try_get::<String, _>(3)?,
        "organisation": {"id": row.try_get::<i64, _>(4)?, "name": row.try_get::<String, _>(5)?,
                         "kind": row.try_get::<String, _>(6)?, "sector": row.try_get::<String, _>(7)?},
        "events": events?,
    })))
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
fn transition_rule(name: &str) -> Option<(&'static [&'static str], &'static str)> {
    Some(match name {
        "suspend" => (&["approved"], "suspended"),
        "reinstate" => (&["suspended"], "approved"),
        "expel" => (&["approved", "suspended"], "expelled"),
        _ => return None,
    })
}

async fn transition(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, name)): Path<(i64, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let (from, to) = transition_rule(&name).ok_or(ApiError::NotFound)?;
    if principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    let Reason { reason } = json_body(&headers, body)?;
    if reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "must not be empty"));
    }
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let (_, status) = member_row(&mut tx, id).await?;
    if !from.contains(&status.as_str()) {
        return Err(ApiError::Conflict(format!(
            "cannot {name} a member whose status is {status}"
        )));
    }
    sqlx::query("UPDATE members SET status = $1 WHERE id = $2")
        .bind(to)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if to == "expelled" {
        sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE member_id = $2 AND revoked_at IS NULL",
        )
        .bind(store::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let actor = principal.actor();
    record_event(&mut tx, id, to, &actor, reason.trim()).await?;
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
    Ok(Json(json!({"id": id, "status": to})))
}

async fn change_class(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let (community, status) = member_row(&mut conn, id).await?;
    if !sees(&principal, id, &community) {
        return Err(ApiError::NotFound);
    }
    if !(principal == Principal::SteeringCommittee || principal.operates(&community)) {
        return Err(ApiError::Forbidden);
    }
    let change: ClassChange = json_body(&headers, body)?;
    if change.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "must not be empty"));
    }
    if status != "approved" {
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
    Ok(Json(json!({"id": id, "class": class})))
}

async fn new_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !matches!(
        principal,
        Principal::SteeringCommittee | Principal::Secretariat
    ) {
        return Err(ApiError::Forbidden);
    }
    let mut conn = state.db.acquire().await?;
    let (_, status) = member_row(&mut conn, id).await?;
    if status != "approved" {
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
        Json(json!({"member_id": id, "token": token})),
    ))
}
