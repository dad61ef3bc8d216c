//! API errors: a status and a JSON body naming the problem (and the field, for bad
//! input). Internal errors are logged in full and answered without detail.

use axum::Json;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required: send `Authorization: Bearer <token>`")]
    Unauthorized,
    /// A token was sent but stands for no one now: unknown, revoked, or its member
    /// no longer approved (said apart from a missing one, so a client knows to
    /// get a new token rather than to send one).
    #[error("this token is not valid: unknown, revoked, or its member is no longer approved")]
    BadToken,
    #[error("your role does not allow this")]
    Forbidden,
    /// Also for objects that exist but are not the caller's: never reveal them.
    #[error("not found")]
    NotFound,
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A path or query parameter that does not parse (the URL, not the body, is wrong).
    #[error("{field}: {message}")]
    BadParameter { field: String, message: String },
    #[error("no route for this path")]
    NoRoute,
    #[error("this path does not take that method")]
    MethodNotAllowed,
    #[error("too many requests: retry in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// The body's media type is not the one this endpoint takes (named).
    #[error("send the body as {0}")]
    WrongMediaType(&'static str),
    /// The client does not accept the one media type this endpoint answers with.
    #[error("this endpoint answers with {0} only")]
    NotAcceptable(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// The database cannot serve now (unreachable, restarting, or its write lock
    /// held too long by another node): nothing was done; retry.
    #[error("the database is unavailable or busy: retry in {RETRY_SECONDS} s")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

/// When a client should retry a request the database could not serve.
const RETRY_SECONDS: u64 = 5;

/// The JSON body of every error under `/api/v1` and of the probes (the request
/// log layer adds the request's `request_id`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The status's reason phrase, e.g. `Not Found`.
    error: &'static str,
    /// What is wrong, for a person.
    message: String,
    /// The body field (a path such as `organisation.name`) or the path or query
    /// parameter that is wrong, for 422 and 400.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn bad_parameter(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::BadToken => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType | ApiError::WrongMediaType(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::store::availability::is_unavailable(&e) {
            ApiError::Unavailable(format!("database: {e}"))
        } else {
            ApiError::Internal(format!("database: {e}"))
        }
    }
}

impl From<crate::council::CouncilError> for ApiError {
    fn from(e: crate::council::CouncilError) -> Self {
        use crate::council::CouncilError;
        match e {
            CouncilError::Invalid { field, message } => ApiError::Invalid { field, message },
            CouncilError::NotFound => ApiError::NotFound,
            CouncilError::Conflict(message) => ApiError::Conflict(message),
            CouncilError::Database(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
        let field = match &self {
            ApiError::Invalid { field, .. } | ApiError::BadParameter { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        let body = ErrorBody {
            error: status.canonical_reason().unwrap_or("error"),
            message: self.to_string(),
            field,
        };
        let mut response = (status, Json(body)).into_response();
        match self {
            ApiError::TooManyRequests { retry_after } => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(retry_after));
            }
            ApiError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(RETRY_SECONDS));
            }
            // RFC 9110 11.6.1: a 401 names the schemes that would be accepted (a
            // token as Bearer, or as the password of Basic credentials, which
            // is what TAXII clients send).
            // A bad token's Bearer challenge says so (RFC 6750 3.1).
            ApiError::Unauthorized | ApiError::BadToken => {
                let bearer = if matches!(self, ApiError::BadToken) {
                    r#"Bearer realm="isac-host", error="invalid_token""#
                } else {
                    r#"Bearer realm="isac-host""#
                };
                let headers = response.headers_mut();
                for challenge in [bearer, r#"Basic realm="isac-host""#] {
                    headers.append(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
                }
            }
            _ => {}
        }
        response
    }
}
