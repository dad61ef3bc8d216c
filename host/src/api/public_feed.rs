//! The unauthenticated feed of `public` countermeasure publications, as JSON and
//! as Atom, for anyone (and any feed reader) outside the communities.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Path;
use super::{ApiError, AppState};
use crate::council::publication::{self, Publication};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(public_json))
        .routes(routes!(public_atom))
        .routes(routes!(public_one))
}

/// Entries in the public feed.
const FEED_SIZE: i64 = 100;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Publications {
    /// Newest first.
    pub publications: Vec<Publication>,
}

/// One public publication: what each Atom entry's id and link point to.
///
/// Anyone, without a token; 404 for a publication that is not public.
#[utoipa::path(get, path = "/public/publications/{id}", tag = "council", security(()),
    params(("id" = i64, Path, description = "the publication")),
    responses((status = 200, body = Publication)))]
async fn public_one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Publication>, ApiError> {
    let found = publication::public_one(&state.db, id).await?;
    found.map(Json).ok_or(ApiError::NotFound)
}

/// The latest 100 `public` countermeasure publications.
///
/// Anyone, without a token.
#[utoipa::path(get, path = "/public/publications", tag = "council", security(()),
    responses((status = 200, body = Publications)))]
async fn public_json(State(state): State<AppState>) -> Result<Json<Publications>, ApiError> {
    let publications = publication::public(&state.db, FEED_SIZE).await?;
    Ok(Json(Publications { publications }))
}

/// The same feed as Atom.
///
/// Anyone, without a token.
#[utoipa::path(get, path = "/public/publications.atom", tag = "council", security(()),
    responses((status = 200, body = String, content_type = "application/atom+xml")))]
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
