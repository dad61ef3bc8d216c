//! What a community's policy versions are checked against: the fixture suite
//! they must pass to be staged, the approvals they need to be activated, and the
//! diffs of their shadow runs.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path, Query};
use super::policies::{VersionPath, community, version_number};
use super::{ApiError, AppState, JSON_LIMIT, Principal, raw_body};
use crate::registry::{self, fixtures, shadow_diffs};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_required))
        .routes(routes!(put_fixture))
        .routes(routes!(diffs))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Required {
    /// Distinct steering committee approvals a version needs before activation.
    required: i64,
}

#[derive(Debug, Serialize, ToSchema)]
struct RequiredApprovals {
    community: String,
    required_approvals: i64,
}

#[derive(Debug, Serialize, ToSchema)]
struct StoredFixture {
    community: String,
    fixture: String,
}

/// Sets how many distinct steering committee approvals a version needs:
/// lowering the number is itself a rule amendment, so only the steering
/// committee may (the secretariat may raise it).
///
/// The steering committee; the secretariat only to raise it.
#[utoipa::path(put, path = "/communities/{id}/policies/approvals", tag = "policies",
    params(("id" = String, Path, description = "the community")),
    request_body = Required,
    responses((status = 200, body = RequiredApprovals)))]
async fn set_required(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<Required>, ApiError>,
) -> Result<Json<RequiredApprovals>, ApiError> {
    if !matches!(
        principal,
        Principal::Secretariat | Principal::SteeringCommittee
    ) {
        return Err(ApiError::Forbidden);
    }
    community(&state, &principal, &id, false).await?;
    let ApiJson(request) = body?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let current = registry::required_approvals(&mut tx, &id).await?;
    if request.required < current && principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    registry::set_required_approvals(&mut tx, &id, request.required, &principal.actor()).await?;
    tx.commit().await?;
    Ok(Json(RequiredApprovals {
        community: id,
        required_approvals: request.required,
    }))
}

/// Stores one fixture of the community's suite (YAML or JSON text), which every
/// version staged from now on must pass.
///
/// The community's operator, the secretariat.
#[utoipa::path(put, path = "/communities/{id}/policies/fixtures/{name}", tag = "policies",
    params(
        ("id" = String, Path, description = "the community"),
        ("name" = String, Path, description = "the fixture's name in the suite"),
    ),
    request_body(content(
        (String = "application/yaml"),
        (Object = "application/json"),
    ), description = "a fixture: `description`, `settings`, `now`, `report`, `candidates`, `audience`, `expect`"),
    responses((status = 201, body = StoredFixture)))]
async fn put_fixture(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<StoredFixture>), ApiError> {
    community(&state, &principal, &id, true).await?;
    let bytes = raw_body(body, JSON_LIMIT)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| ApiError::invalid("body", "must be UTF-8 text"))?;
    let mut conn = state.db.acquire().await?;
    fixtures::put(&mut conn, &id, &name, text, &principal.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredFixture {
            community: id,
            fixture: name,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DiffQuery {
    /// How many of the latest differing reports to list: 1 to 1000 (default 100).
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// `GET /communities/{id}/policies/{version}/diffs` (the latest 100), for the console.
pub(crate) async fn diffs_json(
    state: AppState,
    principal: Principal,
    id: String,
    version: String,
) -> Result<Value, ApiError> {
    let query = DiffQuery {
        limit: default_limit(),
    };
    let Json(summary) = diffs(
        State(state),
        principal,
        Path(VersionPath { id, version }),
        Query(query),
    )
    .await?;
    Ok(summary)
}

/// What a shadowed version's runs would have changed: counts (recipients added
/// or removed, members who would see more, forwards, a different case, faults)
/// and the latest differing reports, quoted under their TLP.
///
/// The community's operator, the secretariat, the steering committee.
#[utoipa::path(get, path = "/communities/{id}/policies/{version}/diffs", tag = "policies",
    params(VersionPath, DiffQuery),
    responses((status = 200, body = Object)))]
async fn diffs(
    State(state): State<AppState>,
    principal: Principal,
    Path(VersionPath { id, version }): Path<VersionPath>,
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
