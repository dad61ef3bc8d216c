//! The policy registry over HTTP, under `/communities/{id}/policies`: stage a
//! version (validated), shadow it, approve it (steering committee), activate it,
//! roll back. The checks a version meets are in `policy_checks`.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::communities::{resolve_plugin, settings_text};
use super::extract::Path;
use super::{ApiError, AppState, Principal, hash_token, json_body};
use crate::registry::{self, RegistryError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{id}/policies", get(list).post(stage))
        .route("/communities/{id}/policies/rollback", post(rollback))
        .route("/communities/{id}/policies/{version}", get(show))
        .route(
            "/communities/{id}/policies/{version}/shadow",
            post(shadow_on).delete(shadow_off),
        )
        .route(
            "/communities/{id}/policies/{version}/approve",
            post(approve),
        )
        .route(
            "/communities/{id}/policies/{version}/activate",
            post(activate),
        )
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> ApiError {
        match error {
            RegistryError::NotFound => ApiError::NotFound,
            RegistryError::Invalid { field, message } => ApiError::Invalid { field, message },
            RegistryError::MissingApproval { .. } | RegistryError::Conflict(_) => {
                ApiError::Conflict(error.to_string())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Who may read and change a community's policy: its operator and the secretariat;
/// the steering committee may read (to approve). A community that does not exist is 404.
pub(super) async fn community(
    state: &AppState,
    principal: &Principal,
    id: &str,
    write: bool,
) -> Result<(), ApiError> {
    // Which communities exist is public (`GET /communities`): a name that is none
    // is 404 for everyone, so a typo is not mistaken for a missing permission.
    super::community_exists(&state.db, id).await?;
    let allowed = principal.operates(id) || (!write && *principal == Principal::SteeringCommittee);
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A version number from the path; anything else is not a version.
pub(super) fn version_number(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound)
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    community(&state, &principal, &id, false).await?;
    let mut versions = registry::list(&state.db, &id).await?;
    for version in &mut versions {
        version.unusable = state.pipeline.unusable(&version.digest);
    }
    let mut conn = state.db.acquire().await?;
    let required = registry::required_approvals(&mut conn, &id).await?;
    let with = |status| versions.iter().find(|v| v.status == status).map(|v| v.id);
    Ok(Json(json!({
        "community": id,
        "active": with(registry::Status::Active),
        "shadow": with(registry::Status::Shadow),
        "required_approvals": required,
        "versions": versions,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidate {
    /// A built-in plugin's name or an uploaded plugin's sha256; the active one when left out.
    plugin: Option<String>,
    /// The plugin's settings; the active ones when left out.
    settings: Option<Value>,
}

async fn stage(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    community(&state, &principal, &id, true).await?;
    let candidate: Candidate = json_body(&headers, body)?;
    let mut conn = state.db.acquire().await?;
    let active = registry::active_version(&mut conn, &id).await?;
    let digest = match &candidate.plugin {
        Some(plugin) => resolve_plugin(&state, &mut conn, plugin, &principal).await?,
        None => active.as_ref().map(|v| v.digest.clone()).ok_or_else(|| {
            ApiError::invalid("plugin", "required: the community has no active version")
        })?,
    };
    let settings = match candidate.settings {
        Some(settings) => settings_text(Some(settings)),
        None => active
            .map(|v| v.settings)
            .unwrap_or_else(|| settings_text(None)),
    };
    let validated = registry::validate(&state.pipeline, &mut conn, &id, &digest, &settings).await?;
    let version = registry::stage(
        &mut conn,
        &id,
        &digest,
        &settings,
        &validated.wit_version,
        &principal.actor(),
    )
    .await?;
    let mut stored = json!(registry::get(&mut conn, &id, version).await?);
    // Each fixture under its own settings and under the staged ones (`registry::validate`).
    stored["fixtures"] = json!(validated.fixtures);
    Ok((StatusCode::CREATED, Json(stored)))
}

async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    community(&state, &principal, &id, false).await?;
    let mut conn = state.db.acquire().await?;
    let stored = registry::get(&mut conn, &id, version_number(&version)?).await?;
    Ok(Json(json!(stored)))
}

async fn shadow_on(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set_shadow(&state, &principal, &id, &version, true).await
}

async fn shadow_off(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set_shadow(&state, &principal, &id, &version, false).await
}

/// Starts (`on`) or stops a version's shadow runs.
async fn set_shadow(
    state: &AppState,
    principal: &Principal,
    id: &str,
    version: &str,
    on: bool,
) -> Result<Json<Value>, ApiError> {
    community(state, principal, id, true).await?;
    let stored = registry::set_shadow(
        &state.pipeline,
        id,
        version_number(version)?,
        on,
        &principal.actor(),
    )
    .await?;
    Ok(Json(json!(stored)))
}

/// The steering committee approves; each of its tokens counts as one approver.
async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    if principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    community(&state, &principal, &id, false).await?;
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    // The token's hash prefix tells approvers apart in the log without revealing it.
    let approver = format!("steering_committee:{}", &hash_token(token.trim())[..12]);
    let version = version_number(&version)?;
    let mut conn = state.db.acquire().await?;
    let approvals = registry::approve(&mut conn, &id, version, &approver).await?;
    let required = registry::required_approvals(&mut conn, &id).await?;
    Ok(Json(
        json!({"version": version, "approver": approver, "approvals": approvals, "required": required}),
    ))
}

async fn activate(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    community(&state, &principal, &id, true).await?;
    let stored = registry::activate(
        &state.pipeline,
        &id,
        version_number(&version)?,
        &principal.actor(),
    )
    .await?;
    Ok(Json(json!(stored)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rollback {
    /// The version to go back to; the one active before the current when left out.
    to: Option<i64>,
}

async fn rollback(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    community(&state, &principal, &id, true).await?;
    let empty = body.as_ref().is_ok_and(|b| b.is_empty());
    let request: Rollback = if empty {
        Rollback::default()
    } else {
        json_body(&headers, body)?
    };
    let stored = registry::rollback(&state.pipeline, &id, request.to, &principal.actor()).await?;
    Ok(Json(json!(stored)))
}
