//! What a community's policy versions are checked against: the fixture suite
//! they must pass to be staged, the approvals they need to be activated, and the
//! diffs of their shadow runs.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{Path, Query};
use super::policies::{community, version_number};
use super::{ApiError, AppState, JSON_LIMIT, Principal, json_body, raw_body};
use crate::registry::{self, fixtures, shadow_diffs};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{id}/policies/approvals", put(set_required))
        .route(
            "/communities/{id}/policies/fixtures/{name}",
            put(put_fixture),
        )
        .route("/communities/{id}/policies/{version}/diffs", get(diffs))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Required {
    required: i64,
}

/// The secretariat and the steering committee set how many approvals a change
/// needs; lowering the number is itself a rule amendment, so only the steering
/// committee may (the secretariat may raise it).
async fn set_required(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    if !matches!(
        principal,
        Principal::Secretariat | Principal::SteeringCommittee
    ) {
        return Err(ApiError::Forbidden);
    }
    community(&state, &principal, &id, false).await?;
    let request: Required = json_body(&headers, body)?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let current = registry::required_approvals(&mut tx, &id).await?;
    if request.required < current && principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    registry::set_required_approvals(&mut tx, &id, request.required, &principal.actor()).await?;
    tx.commit().await?;
    Ok(Json(
        json!({"community": id, "required_approvals": request.required}),
    ))
}

/// Stores one fixture of the community's suite (YAML or JSON text).
async fn put_fixture(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    community(&state, &principal, &id, true).await?;
    let bytes = raw_body(body, JSON_LIMIT)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| ApiError::invalid("body", "must be UTF-8 text"))?;
    let mut conn = state.db.acquire().await?;
    fixtures::put(&mut conn, &id, &name, text, &principal.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"community": id, "fixture": name})),
    ))
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

async fn diffs(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(String, String)>,
    Query(query): Query<DiffQuery>,
) -> Result<Json<Value>, ApiError> {
    community(&state, &principal, &id, false).await?;
    if !(1..=1000).contains(&query.limit) {
        return Err(ApiError::invalid("limit", "from 1 to 1000"));
    }
    let version = version_number(&version)?;
    let mut conn = state.db.acquire().await?;
    registry::get(&mut conn, &id, version).await?;
    Ok(Json(
        shadow_diffs::summary(&state.db, &id, version, query.limit).await?,
    ))
}
