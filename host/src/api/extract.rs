//! Path, query and JSON body extractors whose rejection is an [`ApiError`] naming
//! the parameter or field: axum's own answer a bad URL or body in plain text, and a
//! client reading our JSON errors would get nothing it can parse. Every handler
//! takes these instead of `axum::extract::{Path, Query}` and `axum::Json`.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::{ApiError, JSON_LIMIT, raw_body, require_json};

/// A JSON body parsed into `T`: sent as `application/json`, within [`JSON_LIMIT`]
/// (413 past it, checked first), errors naming the field (422).
///
/// A handler that must refuse the caller before it looks at the body (403 or 404
/// whatever the body says) takes `Result<ApiJson<T>, ApiError>` and applies `?`
/// after its checks.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (headers, bytes) = buffered(request, state).await?;
        require_json(&headers)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An empty body is `None` (for requests whose every field is optional).
impl<T, S> OptionalFromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let (headers, bytes) = buffered(request, state).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        require_json(&headers)?;
        parse_json(&bytes).map(|value| Some(ApiJson(value)))
    }
}

/// The headers and the body, within [`JSON_LIMIT`].
async fn buffered<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<(axum::http::HeaderMap, Bytes), ApiError> {
    let headers = request.headers().clone();
    let bytes = raw_body(Bytes::from_request(request, state).await, JSON_LIMIT)?;
    Ok((headers, bytes))
}

/// `bytes` as JSON in `T`, an error naming the field path (`body` for the whole).
fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    refuse_nul(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = match e.path().to_string() {
            top if top == "." => "body".to_string(),
            field => field,
        };
        ApiError::invalid(field, e.inner().to_string())
    })
}

/// JSON can carry U+0000 in a string (as `\u0000`), which PostgreSQL cannot
/// store in text: refused here for every body, naming the field, rather than
/// failing on one backend when it reaches the database. Only a body that
/// spells the escape is parsed a second time.
fn refuse_nul(bytes: &[u8]) -> Result<(), ApiError> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPE.len()).any(|window| window == ESCAPE) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        // Not JSON: the parser names the mistake.
        return Ok(());
    };
    match nul_at(&value, String::new()) {
        Some(field) => Err(ApiError::invalid(
            field,
            "must not contain the NUL character (U+0000)",
        )),
        None => Ok(()),
    }
}

/// The path (`a.b[1]`, or `body`) of the first string or key holding U+0000.
fn nul_at(value: &serde_json::Value, path: String) -> Option<String> {
    let here = || match path.as_str() {
        "" => "body".to_string(),
        _ => path.clone(),
    };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => Some(here()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_at(item, format!("{path}[{index}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(here());
            }
            let field = match path.as_str() {
                "" => key.clone(),
                _ => format!("{path}.{key}"),
            };
            nul_at(item, field)
        }),
        _ => None,
    }
}

/// The path parameters, parsed into `T` (a value, or a tuple in route order).
#[derive(Debug)]
pub struct Path<T>(pub T);

/// The query string, parsed into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let names = parameter_names(parts, state).await;
                Err(path_error(e.into_kind(), &names))
            }
            Err(other) => Err(ApiError::Internal(format!("path parameters: {other}"))),
        }
    }
}

/// The route's parameter names in order (empty when one is not UTF-8: then axum
/// names the parameter itself).
async fn parameter_names<S: Send + Sync>(parts: &mut Parts, state: &S) -> Vec<String> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map(|params| params.iter().map(|(name, _)| name.to_string()).collect())
        .unwrap_or_default()
}

fn path_error(kind: ErrorKind, names: &[String]) -> ApiError {
    let name = |index: usize| {
        names
            .get(index)
            .cloned()
            .unwrap_or_else(|| "path".to_string())
    };
    match kind {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => ApiError::bad_parameter(key, format!("expected {expected_type}")),
        ErrorKind::ParseErrorAtIndex {
            index,
            expected_type,
            ..
        } => ApiError::bad_parameter(name(index), format!("expected {expected_type}")),
        ErrorKind::ParseError { expected_type, .. } => {
            ApiError::bad_parameter(name(0), format!("expected {expected_type}"))
        }
        ErrorKind::InvalidUtf8InPathParam { key } => {
            ApiError::bad_parameter(key, "not valid UTF-8 once percent-decoded")
        }
        ErrorKind::DeserializeError { key, message, .. } => ApiError::bad_parameter(key, message),
        other => ApiError::bad_parameter("path", other.to_string()),
    }
}

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|e| {
                let message = e.inner().to_string();
                let field = match e.path().to_string() {
                    // Unknown and missing parameters fail at the top; serde's message names them.
                    top if top == "." => named_in(&message).unwrap_or("query").to_string(),
                    field => field,
                };
                ApiError::bad_parameter(field, message)
            })
    }
}

/// The parameter serde names in "unknown field `x`..." or "missing field `x`".
fn named_in(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split_once('`').map(|(name, _)| name)
}
