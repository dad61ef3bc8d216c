//! Operators (of the case's community) and the secretariat close and reopen cases,
//! and merge or split them when a plugin's dedup was wrong. Audit-logged.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::extract::Path;
use super::{ApiError, AppState, Principal, json_body, line};
use crate::council::case_admin;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/close", post(close))
        .route("/cases/{id}/reopen", post(reopen))
        .route("/cases/{id}/merge", post(merge))
        .route("/cases/{id}/split", post(split))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    into: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitBody {
    reports: Vec<String>,
    title: String,
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
    let (community, _) = case_admin::community_and_status(conn, id).await?;
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
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    operated(&mut tx, &principal, &id).await?;
    case_admin::set_closed(&mut tx, &id, closed).await?;
    let action = if closed { "case.close" } else { "case.reopen" };
    store::audit(&mut tx, &principal.actor(), action, &id, "").await?;
    tx.commit().await?;
    Ok(Json(
        json!({"id": id, "status": if closed { "closed" } else { "open" }}),
    ))
}

async fn close(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_closed(state, principal, id, true).await
}

async fn reopen(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_closed(state, principal, id, false).await
}

async fn merge(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    operated(&mut tx, &principal, &id).await?;
    let MergeBody { into } = json_body(&headers, body)?;
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
    Ok(Json(
        json!({"id": id, "status": "merged", "merged_into": into}),
    ))
}

async fn split(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    operated(&mut tx, &principal, &id).await?;
    let SplitBody { reports, title } = json_body(&headers, body)?;
    let title = line("title", &title, 300)?;
    let new_case = case_admin::split(&mut tx, &id, &reports, &title).await?;
    let detail = format!("{} report(s) into {new_case}", reports.len());
    store::audit(&mut tx, &principal.actor(), "case.split", &id, &detail).await?;
    tx.commit().await?;
    Ok(Json(
        json!({"id": id, "new_case": new_case, "moved": reports}),
    ))
}
