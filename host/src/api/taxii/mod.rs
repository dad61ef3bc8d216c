//! A TAXII 2.1 server (`/taxii2/`): one API root per community, with two
//! collections for a member: `inbox` (read: its own delivered views as STIX, the
//! same as `GET /api/v1/inbox/stix`) and `submissions` (write: objects imported
//! as reports). Same tokens as the REST API, as Bearer or as the password of
//! HTTP Basic credentials, which is what TAXII clients send.

mod error;
mod objects;
mod submissions;

pub use error::taxii_errors;

use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::Path;
use super::{ApiError, AppState, JSON_LIMIT, Principal, Seat};
use crate::stix;

/// The TAXII media type every response carries.
pub const TAXII: &str = "application/taxii+json;version=2.1";
const STIX: &str = "application/stix+json;version=2.1";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/taxii2/{root}/", get(api_root))
        .route("/taxii2/{root}/collections/", get(collections))
        .route("/taxii2/{root}/collections/{collection}/", get(collection))
        .route("/taxii2/{root}/status/{status}/", get(submissions::status))
        .merge(objects::router())
}

/// The collections a member sees in its community's API root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Inbox,
    Submissions,
}

impl Collection {
    /// A stable UUID per community and collection.
    fn id(self, community: &str) -> String {
        let name = format!("taxii:{community}:{self:?}");
        stix::id("collection", &name)
            .trim_start_matches("collection--")
            .to_string()
    }

    /// The name a client may use instead of the UUID (TAXII 2.1's `alias`), the
    /// same in every community so a feed-sync job's configuration reads the same.
    fn alias(self) -> &'static str {
        match self {
            Collection::Inbox => "inbox",
            Collection::Submissions => "submissions",
        }
    }

    fn describe(self, community: &str) -> Value {
        let (title, read, write) = match self {
            Collection::Inbox => ("Your deliveries", true, false),
            Collection::Submissions => ("Submit reports", false, true),
        };
        json!({ "id": self.id(community), "alias": self.alias(), "title": title,
                "can_read": read, "can_write": write, "media_types": [STIX] })
    }

    /// The collection `id` (its UUID or its alias) names in `community`, if any.
    fn find(community: &str, id: &str) -> Option<Collection> {
        [Collection::Inbox, Collection::Submissions]
            .into_iter()
            .find(|c| c.id(community) == id || c.alias() == id)
    }
}

/// A TAXII JSON response with its media type.
pub fn taxii(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(TAXII));
    response
}

/// 406 unless the client accepts TAXII 2.1 (or anything).
fn check_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let acceptable = accept.split(',').any(|range| {
        let range = range.trim().to_ascii_lowercase();
        range.starts_with("*/*")
            || range.starts_with("application/*")
            || (range.starts_with("application/taxii+json")
                && (!range.contains("version") || range.replace(' ', "").contains("version=2.1")))
    });
    if acceptable {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(TAXII))
    }
}

/// The member's seat, if `root` is its community's API root (404 otherwise:
/// another community's root is not revealed).
fn seat_in<'a>(
    principal: &'a Principal,
    root: &str,
    headers: &HeaderMap,
) -> Result<&'a Seat, ApiError> {
    check_accept(headers)?;
    let seat = principal.seat()?;
    if seat.community_id == root {
        Ok(seat)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The server's base URL as the client reached it: the configured public URL,
/// else what a proxy says it received (`X-Forwarded-Proto`, `X-Forwarded-Host`),
/// else the `Host` it was sent to over plain HTTP.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.as_str().trim_end_matches('/').to_string();
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            // A proxy chain lists one value per hop: the first is the client's.
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    let host = header("x-forwarded-host")
        .or(header(HOST.as_str()))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// The API roots the caller may use: a member's community's. Other callers
/// (operators, the steering committee, the secretariat) hold no collection,
/// so they learn the server is there and has none for them.
async fn discovery(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_accept(&headers)?;
    let mut body = json!({ "title": "isac-host",
        "description": "Reports shared under each community's policy", "api_roots": [] });
    if let Ok(seat) = principal.seat() {
        let root = format!(
            "{}/taxii2/{}/",
            base_url(&state, &headers),
            seat.community_id
        );
        body["default"] = json!(root);
        body["api_roots"] = json!([root]);
    }
    Ok(taxii(StatusCode::OK, body))
}

async fn api_root(
    principal: Principal,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> Result<Response, ApiError> {
    seat_in(&principal, &root, &headers)?;
    Ok(taxii(
        StatusCode::OK,
        json!({ "title": format!("Community {root}"), "versions": [TAXII], "max_content_length": JSON_LIMIT }),
    ))
}

async fn collections(
    principal: Principal,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> Result<Response, ApiError> {
    seat_in(&principal, &root, &headers)?;
    let all = [Collection::Inbox, Collection::Submissions].map(|c| c.describe(&root));
    Ok(taxii(StatusCode::OK, json!({ "collections": all })))
}

async fn collection(
    State(_): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    seat_in(&principal, &root, &headers)?;
    let collection = Collection::find(&root, &id).ok_or(ApiError::NotFound)?;
    Ok(taxii(StatusCode::OK, collection.describe(&root)))
}
