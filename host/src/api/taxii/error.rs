//! TAXII 2.1 answers errors with its own resource (section 3.6.1: `title`,
//! `description`, `http_status`, `details`) in its own media type. Handlers
//! return the API's errors; this layer re-dresses every error under `/taxii2`
//! so a TAXII client reads the shape its specification promises.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use super::TAXII;

/// The API's error bodies are a few hundred bytes; anything longer is not one.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Rewrites error responses of `/taxii2` requests as TAXII error messages.
pub async fn taxii_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let request_id = super::super::request_log::id_of(&request);
    let taxii = path.starts_with("/taxii2");
    let response = next.run(request).await;
    let status = response.status();
    if !taxii || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let api: Value = match to_bytes(body, ERROR_BODY_LIMIT).await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    // Names this error instance (TAXII 3.6.1): the request's id, which every
    // log line of the request carries.
    let error_id = request_id.unwrap_or_else(|| crate::store::new_id("err"));
    tracing::info!(%error_id, %path, status = status.as_u16(), "TAXII error");
    let mut error = json!({
        "title": api["error"].as_str().or(status.canonical_reason()).unwrap_or("error"),
        "http_status": status.as_u16().to_string(),
        "error_id": error_id,
        "error_code": status.as_u16().to_string(),
    });
    if let Some(message) = api["message"].as_str() {
        error["description"] = json!(message);
    }
    if let Some(field) = api.get("field") {
        error["details"] = json!({ "field": field });
    }
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(TAXII));
    Response::from_parts(parts, Body::from(error.to_string()))
}
