//! Probes for orchestrators and load balancers, outside `/api/v1` and without
//! a token: `GET /healthz` answers while the process serves requests;
//! `GET /readyz` only when the database answers and every community's active
//! plugin is loaded (loading it if needed), so a node is sent reports only
//! when it can decide them. Neither says anything about any report or member.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sqlx::Row;

use super::AppState;

/// How long a probe waits for the database before calling it unreachable.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "up"}))
}

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
            return not_ready(json!({"database": "unreachable"}));
        }
        Err(_) => return not_ready(json!({"database": "no answer within 2 s"})),
    };
    let mut unusable = serde_json::Map::new();
    for row in &rows {
        let (Ok(community), Ok(digest)) =
            (row.try_get::<String, _>(0), row.try_get::<String, _>(1))
        else {
            return not_ready(json!({"database": "unreadable communities"}));
        };
        // Why stays in the log: the probe answers anyone.
        if let Err(error) = state.pipeline.plugin(&digest).await {
            tracing::warn!(%community, %error, "readiness: plugin not loaded");
            unusable.insert(community, "not loaded".into());
        }
    }
    if !unusable.is_empty() {
        return not_ready(json!({"database": "ok", "plugins_not_loaded": unusable}));
    }
    let body = json!({"status": "ready", "database": "ok", "communities": rows.len()});
    (StatusCode::OK, Json(body)).into_response()
}

/// 503 with what is not ready, and when to ask again.
fn not_ready(detail: serde_json::Value) -> Response {
    let mut body = json!({"status": "not_ready"});
    if let (Some(body), Some(detail)) = (body.as_object_mut(), detail.as_object()) {
        body.extend(detail.clone());
    }
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    let retry = HeaderValue::from_static("5");
    response.headers_mut().insert(header::RETRY_AFTER, retry);
    response
}
