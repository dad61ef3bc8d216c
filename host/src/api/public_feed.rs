//! The unauthenticated feed of `public` countermeasure publications, as JSON and
//! as Atom, for anyone (and any feed reader) outside the communities.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::Path;
use super::{ApiError, AppState};
use crate::council::publication::{self, Publication};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public/publications", get(public_json))
        .route("/public/publications.atom", get(public_atom))
        .route("/public/publications/{id}", get(public_one))
}

/// Entries in the public feed.
const FEED_SIZE: i64 = 100;

async fn public_json(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let items = publication::public(&state.db, FEED_SIZE).await?;
    Ok(Json(json!({ "publications": items })))
}

/// One public publication: what each Atom entry's id and link point to.
async fn public_one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Publication>, ApiError> {
    let found = publication::public_one(&state.db, id).await?;
    found.map(Json).ok_or(ApiError::NotFound)
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
    let feed = publication::atom(&items, &format!("http://{host}"), crate::store::now());
    Ok((
        [(CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed,
    ))
}
