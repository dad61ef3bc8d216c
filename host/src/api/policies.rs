//! The policy registry over HTTP, under `/communities/{id}/policies`: stage a
//! version (validated), shadow it, approve it (steering committee), activate it,
//! roll back. The checks a version meets are in `policy_checks`.

use axum::Json;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::communities::{resolve_plugin, settings_text};
use super::error::ErrorBody;
use super::extract::{ApiJson, Path};
use super::{ApiError, AppState, Principal, hash_token};
use crate::council::assembly;
use crate::registry::{self, FixtureReport, RegistryError, Version};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, stage))
        .routes(routes!(rollback))
        .routes(routes!(show))
        .routes(routes!(shadow_on, shadow_off))
        .routes(routes!(approve))
        .routes(routes!(activate))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Policies {
    community: String,
    /// The active version's id.
    active: Option<i64>,
    /// The shadowed version's id.
    shadow: Option<i64>,
    /// Distinct steering committee approvals a version needs before activation.
    required_approvals: i64,
    versions: Vec<Version>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Staged {
    #[serde(flatten)]
    version: Version,
    /// Each fixture of the community's suite under its own settings and under the staged ones.
    fixtures: Vec<FixtureReport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Approved {
    version: i64,
    /// `steering_committee:` and the first 12 hex digits of the approving token's sha256.
    approver: String,
    /// Distinct approvals the version has now.
    approvals: i64,
    required: i64,
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
pub(crate) async fn community(
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

/// A community's policy version, from the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct VersionPath {
    /// The community.
    pub id: String,
    /// The version's number (anything else is 404).
    #[param(value_type = i64)]
    pub version: String,
}

/// A version number from the path; anything else is not a version.
pub(super) fn version_number(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::NotFound)
}

/// The community's policy versions, which are active and shadowed, and how many
/// approvals a version needs.
///
/// The community's operator, the secretariat, the steering committee.
#[utoipa::path(get, path = "/communities/{id}/policies", operation_id = "list_policies", tag = "policies",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = Policies)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Policies>, ApiError> {
    community(&state, &principal, &id, false).await?;
    let mut versions = registry::list(&state.db, &id).await?;
    for version in &mut versions {
        version.unusable = state.pipeline.unusable(&version.digest);
    }
    let mut conn = state.db.acquire().await?;
    let required = registry::required_approvals(&mut conn, &id).await?;
    let with = |status| versions.iter().find(|v| v.status == status).map(|v| v.id);
    Ok(Json(Policies {
        active: with(registry::Status::Active),
        shadow: with(registry::Status::Shadow),
        community: id,
        required_approvals: required,
        versions,
    }))
}

/// `GET /communities/{id}/policies` as JSON, for the console's pages.
pub(crate) async fn list_json(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Value, ApiError> {
    let Json(listed) = list(
        State(state.clone()),
        principal.clone(),
        Path(id.to_string()),
    )
    .await?;
    serde_json::to_value(listed).map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Candidate {
    /// A built-in plugin's name or an uploaded plugin's sha256; the active one when left out.
    pub(crate) plugin: Option<String>,
    /// The plugin's settings; the active ones when left out.
    pub(crate) settings: Option<Value>,
}

/// Stages a version: the plugin must load, accept the settings and pass the
/// community's fixture suite under its own and the staged settings.
///
/// The community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/policies", tag = "policies",
    params(("id" = String, Path, description = "the community")),
    request_body = Candidate,
    responses((status = 201, body = Staged)))]
pub(crate) async fn stage(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<Candidate>, ApiError>,
) -> Result<(StatusCode, Json<Staged>), ApiError> {
    community(&state, &principal, &id, true).await?;
    let ApiJson(candidate) = body?;
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
    let version = registry::get(&mut conn, &id, version).await?;
    Ok((
        StatusCode::CREATED,
        Json(Staged {
            version,
            fixtures: validated.fixtures,
        }),
    ))
}

/// One policy version.
///
/// The community's operator, the secretariat, the steering committee.
#[utoipa::path(get, path = "/communities/{id}/policies/{version}", operation_id = "show_policy", tag = "policies",
    params(VersionPath),
    responses((status = 200, body = Version)))]
async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(VersionPath { id, version }): Path<VersionPath>,
) -> Result<Json<Version>, ApiError> {
    community(&state, &principal, &id, false).await?;
    let mut conn = state.db.acquire().await?;
    let stored = registry::get(&mut conn, &id, version_number(&version)?).await?;
    Ok(Json(stored))
}

/// Shadows a version: it decides every new report beside the active one, and
/// what each reader would read differently is recorded (see `…/diffs`).
///
/// The community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/policies/{version}/shadow", tag = "policies",
    params(VersionPath),
    responses(
        (status = 200, body = Version),
        (status = 409, body = ErrorBody, description = "not a version that can be shadowed"),
    ))]
pub(crate) async fn shadow_on(
    State(state): State<AppState>,
    principal: Principal,
    Path(VersionPath { id, version }): Path<VersionPath>,
) -> Result<Json<Version>, ApiError> {
    set_shadow(&state, &principal, &id, &version, true).await
}

/// Stops a version's shadow runs.
///
/// The community's operator, the secretariat.
#[utoipa::path(delete, path = "/communities/{id}/policies/{version}/shadow", tag = "policies",
    params(VersionPath),
    responses(
        (status = 200, body = Version),
        (status = 409, body = ErrorBody, description = "the version is not shadowed"),
    ))]
pub(crate) async fn shadow_off(
    State(state): State<AppState>,
    principal: Principal,
    Path(VersionPath { id, version }): Path<VersionPath>,
) -> Result<Json<Version>, ApiError> {
    set_shadow(&state, &principal, &id, &version, false).await
}

/// Starts (`on`) or stops a version's shadow runs.
async fn set_shadow(
    state: &AppState,
    principal: &Principal,
    id: &str,
    version: &str,
    on: bool,
) -> Result<Json<Version>, ApiError> {
    community(state, principal, id, true).await?;
    let stored = registry::set_shadow(
        &state.pipeline,
        id,
        version_number(version)?,
        on,
        &principal.actor(),
    )
    .await?;
    Ok(Json(stored))
}

/// Approves a staged or shadowed version; each steering committee token counts
/// as one approver.
///
/// The steering committee.
#[utoipa::path(post, path = "/communities/{id}/policies/{version}/approve", tag = "policies",
    params(VersionPath),
    responses(
        (status = 200, body = Approved),
        (status = 409, body = ErrorBody, description = "not a version that can be approved"),
    ))]
async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    Path(VersionPath { id, version }): Path<VersionPath>,
    headers: HeaderMap,
) -> Result<Json<Approved>, ApiError> {
    if principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    community(&state, &principal, &id, false).await?;
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    approve_as(&state, &principal, &id, &version, &hash_token(token.trim())).await
}

/// Approval by the holder of the token with hash `token_hash` (the API's
/// bearer token, or the console session's).
pub(crate) async fn approve_as(
    state: &AppState,
    principal: &Principal,
    id: &str,
    version: &str,
    token_hash: &str,
) -> Result<Json<Approved>, ApiError> {
    if *principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    community(state, principal, id, false).await?;
    // The token's hash prefix tells approvers apart in the log without revealing it.
    let approver = format!(
        "steering_committee:{}",
        &token_hash[..12.min(token_hash.len())]
    );
    let version = version_number(version)?;
    let mut conn = state.db.acquire().await?;
    let approvals = registry::approve(&mut conn, &id, version, &approver).await?;
    let required = registry::required_approvals(&mut conn, &id).await?;
    Ok(Json(Approved {
        version,
        approver,
        approvals,
        required,
    }))
}

/// Activates a version (409 naming the missing approvals when it has too few,
/// or the general assembly item it is bound to that has not passed): the next
/// report is decided by it.
///
/// The community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/policies/{version}/activate", tag = "policies",
    params(VersionPath),
    responses(
        (status = 200, body = Version),
        (status = 409, body = ErrorBody, description = "missing approvals, a general assembly item not passed, or not a version that can be activated"),
    ))]
pub(crate) async fn activate(
    State(state): State<AppState>,
    principal: Principal,
    Path(VersionPath { id, version }): Path<VersionPath>,
) -> Result<Json<Version>, ApiError> {
    community(&state, &principal, &id, true).await?;
    let version = version_number(&version)?;
    let mut conn = state.db.acquire().await?;
    assembly::close_sessions_binding(&mut conn, version, state.clock.now()).await?;
    drop(conn);
    let stored = registry::activate(&state.pipeline, &id, version, &principal.actor()).await?;
    Ok(Json(stored))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rollback {
    /// The version to go back to; the one active before the current when left out.
    pub(crate) to: Option<i64>,
}

/// Rolls back to the version activated before the current one, or to any
/// retired version (`to`); the body may be empty.
///
/// The community's operator, the secretariat.
#[utoipa::path(post, path = "/communities/{id}/policies/rollback", tag = "policies",
    params(("id" = String, Path, description = "the community")),
    request_body(content = Option<Rollback>),
    responses(
        (status = 200, body = Version),
        (status = 409, body = ErrorBody, description = "nothing to roll back to"),
    ))]
pub(crate) async fn rollback(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Option<ApiJson<Rollback>>, ApiError>,
) -> Result<Json<Version>, ApiError> {
    community(&state, &principal, &id, true).await?;
    let request = body?.map(|ApiJson(request)| request).unwrap_or_default();
    let stored = registry::rollback(&state.pipeline, &id, request.to, &principal.actor()).await?;
    Ok(Json(stored))
}
