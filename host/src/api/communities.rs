//! Communities (the Council and the sector ISACs), their policy plugin and its
//! settings, and plugin uploads. A configuration change is a policy version
//! staged and activated at once through the registry (see `policies`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, Path};
use super::{ApiError, AppState, PLUGIN_LIMIT, Principal, line, raw_body};
use crate::registry;
use crate::runtime::Digest;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(configure))
        .routes(routes!(upload).layer(DefaultBodyLimit::max(PLUGIN_LIMIT)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewCommunity {
    /// 2 to 40 characters of a-z, 0-9 and -.
    id: String,
    name: String,
    /// A built-in reference plugin's name, or the sha256 of an uploaded plugin.
    plugin: String,
    /// The plugin's settings (`{}` when left out).
    #[serde(default)]
    settings: Option<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Configuration {
    /// A built-in plugin's name or an uploaded plugin's sha256; the current one when left out.
    plugin: Option<String>,
    /// The plugin's settings; the current ones when left out.
    settings: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Community {
    id: String,
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Communities {
    communities: Vec<Community>,
}

/// A community's plugin and settings, as configured.
#[derive(Debug, Serialize, ToSchema)]
struct Configured {
    id: String,
    /// The plugin's sha256.
    plugin: String,
    /// The settings as JSON text.
    settings: String,
    /// The policy version staged and activated (`PUT` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Uploaded {
    /// The plugin's sha256, which names it from now on.
    pub(crate) digest: String,
}

/// Every community, by id.
///
/// Anyone signed in.
#[utoipa::path(get, path = "/communities", operation_id = "list_communities", tag = "communities",
    responses((status = 200, body = Communities)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    _: Principal,
) -> Result<Json<Communities>, ApiError> {
    let rows = sqlx::query("SELECT id, name FROM communities ORDER BY id")
        .fetch_all(&state.db)
        .await?;
    let communities = rows
        .iter()
        .map(|r| {
            Ok(Community {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Communities { communities }))
}

/// A new community with its policy plugin (which must accept the settings).
///
/// The secretariat.
#[utoipa::path(post, path = "/communities", tag = "communities",
    request_body = NewCommunity,
    responses(
        (status = 201, body = Configured),
        (status = 409, body = ErrorBody, description = "the id is taken"),
    ))]
async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<ApiJson<NewCommunity>, ApiError>,
) -> Result<(StatusCode, Json<Configured>), ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    let ApiJson(new) = body?;
    let valid_id = (2..=40).contains(&new.id.len())
        && new
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_id {
        return Err(ApiError::invalid(
            "id",
            "2 to 40 characters of a-z, 0-9 and -",
        ));
    }
    let name = line("name", &new.name, 200)?;
    let settings = settings_text(new.settings);
    let mut conn = state.db.acquire().await?;
    let digest = resolve_plugin(&state, &mut conn, &new.plugin, &principal).await?;
    check_settings(&state, &digest, &settings).await?;
    let inserted = sqlx::query(
        "INSERT INTO communities (id, name, plugin_digest, settings, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&new.id)
    .bind(&name)
    .bind(&digest)
    .bind(&settings)
    .bind(store::now())
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::Conflict(format!("community {} exists", new.id)));
    }
    let wit_version = state
        .pipeline
        .plugin(&digest)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .info()
        .version
        .to_string();
    registry::record_initial(
        &mut conn,
        &new.id,
        &digest,
        &settings,
        &wit_version,
        &principal.actor(),
    )
    .await?;
    store::audit(
        &mut conn,
        &principal.actor(),
        "community.create",
        &new.id,
        &format!("plugin {digest}"),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Configured {
            id: new.id,
            plugin: digest,
            settings,
            version: None,
        }),
    ))
}

/// The one-step policy change: stages and activates a new version, for
/// communities whose policy changes need no approval (409 otherwise).
///
/// The community's operator, the secretariat.
#[utoipa::path(put, path = "/communities/{id}", tag = "communities",
    params(("id" = String, Path, description = "the community")),
    request_body = Configuration,
    responses(
        (status = 200, body = Configured),
        (status = 409, body = ErrorBody, description = "the community's policy changes need approval"),
    ))]
async fn configure(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<Configuration>, ApiError>,
) -> Result<Json<Configured>, ApiError> {
    if !principal.operates(&id) {
        return Err(ApiError::Forbidden);
    }
    let ApiJson(change) = body?;
    let mut conn = state.db.acquire().await?;
    let row = sqlx::query("SELECT plugin_digest, settings FROM communities WHERE id = $1")
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut digest: String = row.try_get(0)?;
    let mut settings: String = row.try_get(1)?;
    if let Some(plugin) = &change.plugin {
        digest = resolve_plugin(&state, &mut conn, plugin, &principal).await?;
    }
    if let Some(new_settings) = change.settings {
        settings = settings_text(Some(new_settings));
    }
    // The one-step change (stage and activate) is for communities whose policy
    // changes need no approval; the others go through the registry's steps.
    let required = registry::required_approvals(&mut conn, &id).await?;
    if required > 0 {
        return Err(ApiError::Conflict(format!(
            "a policy change in {id} needs {required} approval(s) from the steering committee: \
             stage it with POST /communities/{id}/policies, have it approved, then activate it"
        )));
    }
    let actor = principal.actor();
    let wit_version = registry::validate(&state.pipeline, &mut conn, &id, &digest, &settings)
        .await?
        .wit_version;
    let version = registry::stage(&mut conn, &id, &digest, &settings, &wit_version, &actor).await?;
    registry::activate(&state.pipeline, &id, version, &actor).await?;
    Ok(Json(Configured {
        id,
        plugin: digest,
        settings,
        version: Some(version),
    }))
}

/// Uploads a plugin (a WebAssembly component, up to 64 MiB), refused unless it
/// loads and implements a supported contract version.
///
/// The operators, the secretariat.
#[utoipa::path(post, path = "/plugins", tag = "communities",
    request_body(content = String, content_type = "application/wasm", description = "the component's bytes"),
    responses((status = 201, body = Uploaded)))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    if !matches!(
        principal,
        Principal::Operator { .. } | Principal::Secretariat
    ) {
        return Err(ApiError::Forbidden);
    }
    let bytes = raw_body(body, PLUGIN_LIMIT)?;
    let mut conn = state.db.acquire().await?;
    let digest = store_plugin(&state, &mut conn, &bytes, &principal).await?;
    Ok((StatusCode::CREATED, Json(Uploaded { digest })))
}

pub(super) fn settings_text(settings: Option<Value>) -> String {
    settings.unwrap_or_else(|| json!({})).to_string()
}

/// A built-in plugin name or the digest of a stored plugin, as a stored digest.
pub(super) async fn resolve_plugin(
    state: &AppState,
    conn: &mut AnyConnection,
    plugin: &str,
    principal: &Principal,
) -> Result<String, ApiError> {
    if let Some((_, bytes)) = isac_plugin_artifacts::REFERENCE_PLUGINS
        .iter()
        .find(|(name, _)| *name == plugin)
    {
        return store_plugin(state, conn, bytes, principal).await;
    }
    let known: Option<String> = sqlx::query_scalar("SELECT digest FROM plugins WHERE digest = $1")
        .bind(plugin)
        .fetch_optional(&mut *conn)
        .await?;
    known.ok_or_else(|| {
        ApiError::invalid(
            "plugin",
            "neither a built-in plugin nor the sha256 of an uploaded one",
        )
    })
}

/// Checks that the bytes are a loadable plugin, then stores them under their digest.
async fn store_plugin(
    state: &AppState,
    conn: &mut AnyConnection,
    bytes: &[u8],
    principal: &Principal,
) -> Result<String, ApiError> {
    // Compiling takes seconds for a Python or JavaScript plugin: off the async workers.
    let pipeline = state.pipeline.clone();
    let owned = bytes.to_vec();
    tokio::task::spawn_blocking(move || pipeline.runtime().load(&owned))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::invalid("plugin", e.fault.to_string()))?;
    let digest = Digest::of(bytes).hex();
    let inserted = sqlx::query(
        "INSERT INTO plugins (digest, bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING",
    )
    .bind(&digest)
    .bind(bytes.to_vec())
    .bind(principal.actor())
    .bind(store::now())
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() > 0 {
        store::audit(
            conn,
            &principal.actor(),
            "plugin.upload",
            &digest,
            &format!("{} bytes", bytes.len()),
        )
        .await?;
    }
    Ok(digest)
}

/// Asks the plugin to validate the settings; a refusal names the field.
async fn check_settings(state: &AppState, digest: &str, settings: &str) -> Result<(), ApiError> {
    let plugin = state
        .pipeline
        .plugin(digest)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let settings = settings.to_string();
    tokio::task::spawn_blocking(move || plugin.validate_settings(&settings))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::invalid("settings", e.fault.to_string()))
}
