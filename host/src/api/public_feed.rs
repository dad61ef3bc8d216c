//! The unauthenticated feed of `public` countermeasure publications, as JSON and
//! as Atom, for anyone (and any feed reader) outside the communities.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{ApiError, AppState};
use crate::council::publication;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/publications", get(public_json))
        .route("/public/publications.atom", get(public_atom))
}

/// Entries in the public feed.
const FEED_SIZE: i64 = 100;

async fn public_json(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let items = publication::public(&state.db, FEED_SIZE).await?;
    Ok(Json(json!({ "publications": items })))
}

async fn public_atom(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let items = publication::public(&state.db, FEED_SIZE).await?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let feed = publication::atom(&items, &format!("http://{host}"));
    Ok((
        [(CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed,
    ))
}
