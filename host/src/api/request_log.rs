//! One log line per request, and an id that ties together every line a request
//! logs, its answer's `x-request-id` header and, for an error, its JSON body's
//! `request_id` (TAXII's `error_id`): a member quoting that id lets an operator
//! find exactly what happened. A client may send its own id (from a proxy, say);
//! one that is not a short token of letters, digits, `-`, `_` or `.` is replaced.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::HeaderName;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use super::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The longest id a client may choose.
const MAX_CLIENT_ID: usize = 64;
/// The API's error bodies are a few hundred bytes; anything longer is not one.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// `router` with request ids and request logging around every route.
pub fn around(router: Router<AppState>) -> Router<AppState> {
    router
        .layer(middleware::from_fn(id_in_error_bodies))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(middleware::from_fn(drop_unusable_client_id))
}

/// The request's id, as [`SetRequestIdLayer`] left it.
pub fn id_of(request: &Request) -> Option<String> {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map(str::to_string)
}

/// The span every log line of the request is in: its id, method and path (no
/// query string: it can hold a member's search terms).
fn span(request: &Request) -> tracing::Span {
    tracing::info_span!(
        "request",
        id = id_of(request).as_deref().unwrap_or("-"),
        method = %request.method(),
        path = request.uri().path(),
    )
}

async fn drop_unusable_client_id(mut request: Request, next: Next) -> Response {
    let usable = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|id| {
            !id.is_empty()
                && id.len() <= MAX_CLIENT_ID
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    if !usable {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// Adds `request_id` to the API's JSON error bodies.
async fn id_in_error_bodies(request: Request, next: Next) -> Response {
    let id = id_of(&request);
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let status = response.status();
    let Some(id) = id.filter(|_| is_json && (status.is_client_error() || status.is_server_error()))
    else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, ERROR_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "an error body could not be read");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut fields)) => {
            fields.insert("request_id".into(), Value::String(id));
            parts.headers.remove(CONTENT_LENGTH);
            Value::Object(fields).to_string().into()
        }
        _ => bytes,
    };
    Response::from_parts(parts, Body::from(body))
}
