//! `GET /metrics`: the Prometheus exposition of [`crate::telemetry`], for the
//! secretariat's token only (as a Bearer token in Prometheus's `authorization`
//! scrape setting): per-community report counts and plugin digests are not for
//! every member, nor for anyone who can reach the port.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, Principal};
use crate::telemetry;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics: reports by outcome, plugin evaluation time and faults,
/// group commit, inbox index lag, open streams, audit chain length.
///
/// The secretariat.
#[utoipa::path(get, path = "/metrics", tag = "probes",
    responses((status = 200, body = String, content_type = "text/plain; version=0.0.4; charset=utf-8")))]
async fn metrics(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<impl IntoResponse, ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    // Read at each scrape: the chain grows on every write, by every node.
    let entries: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_log")
        .fetch_one(&state.db)
        .await?;
    telemetry::audit_length(entries);
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        telemetry::handle().render(),
    ))
}
