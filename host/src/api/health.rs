//! Probes for orchestrators and load balancers, outside `/api/v1` and without
//! a token: `GET /healthz` answers while the process serves requests;
//! `GET /readyz` only when the database answers and every community's active
//! plugin is loaded (loading it if needed), so a node is sent reports only
//! when it can decide them. Neither says anything about any report or member.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use axum::Json;
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

/// How long a probe waits for the database before calling it unreachable.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
struct Up {
    /// Always `up`.
    status: &'static str,
}

/// The process serves requests.
///
/// Anyone, without a token.
#[utoipa::path(get, path = "/healthz", tag = "probes", security(()), responses((status = 200, body = Up)))]
async fn healthz() -> Json<Up> {
    Json(Up { status: "up" })
}

/// Whether this node can decide reports, and if not what is missing (the reason is
/// logged, not shown).
#[derive(Debug, Default, Serialize, ToSchema)]
struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    /// `ok`, `unreachable`, `no answer within 2 s` or `unreadable communities`.
    database: &'static str,
    /// How many communities have their plugin loaded (when ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    communities: Option<usize>,
    /// `not loaded`, by community.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    plugins_not_loaded: BTreeMap<String, &'static str>,
}

/// Ready once the database answers (within 2 s) and every community's active
/// plugin is loaded; otherwise 503 with `Retry-After: 5`.
///
/// Anyone, without a token.
#[utoipa::path(get, path = "/readyz", tag = "probes", security(()), responses(
    (status = 200, body = Readiness),
    (status = 503, body = Readiness, description = "not ready: what is missing",
     headers(("Retry-After" = u64, description = "seconds"))),
))]
async fn readyz(State(state): State<AppState>) -> Response {
    let communities = tokio::time::timeout(
        DATABASE_WAIT,
        sqlx::query("SELECT id, plugin_digest FROM communities ORDER BY id").fetch_all(&state.db),
    )
    .await;
    let rows = match communities {
        Ok(Ok(rows)) => rows,
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database");
            return not_ready("unreachable", BTreeMap::new());
        }
        Err(_) => return not_ready("no answer within 2 s", BTreeMap::new()),
    };
    let mut unusable = BTreeMap::new();
    for row in &rows {
        let (Ok(community), Ok(digest)) =
            (row.try_get::<String, _>(0), row.try_get::<String, _>(1))
        else {
            return not_ready("unreadable communities", BTreeMap::new());
        };
        // Why stays in the log: the probe answers anyone.
        if let Err(error) = state.pipeline.plugin(&digest).await {
            tracing::warn!(%community, %error, "readiness: plugin not loaded");
            unusable.insert(community, "not loaded");
        }
    }
    if !unusable.is_empty() {
        return not_ready("ok", unusable);
    }
    let body = Readiness {
        status: "ready",
        database: "ok",
        communities: Some(rows.len()),
        ..Default::default()
    };
    (StatusCode::OK, Json(body)).into_response()
}

/// 503 with what is not ready, and when to ask again.
fn not_ready(
    database: &'static str,
    plugins_not_loaded: BTreeMap<String, &'static str>,
) -> Response {
    let body = Readiness {
        status: "not_ready",
        database,
        plugins_not_loaded,
        ..Default::default()
    };
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    let retry = HeaderValue::from_static("5");
    response.headers_mut().insert(header::RETRY_AFTER, retry);
    response
}
