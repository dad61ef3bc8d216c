//! The REST API (`/api/v1`), one module per resource, each with its own router.

pub(crate) mod applications;
mod assemblies;
mod audit_checkpoints;
mod auth;
mod case_admin;
pub(crate) mod cases;
pub(crate) mod communities;
mod demo_clock;
mod error;
pub(crate) mod explain;
pub(crate) mod extract;
mod feedback;
mod health;
pub(crate) mod inbox;
mod info_requests;
mod member_directory;
pub(crate) mod members;
mod notes;
mod openapi;
pub(crate) mod operations;
mod own_reports;
pub(crate) mod policies;
pub(crate) mod policy_checks;
mod public_feed;
pub(crate) mod publications;
mod read_audit;
pub(crate) mod reports;
mod request_log;
mod scrape;
pub(crate) mod statistics;
mod stix;
mod stix_import;
mod taxii;
mod trends;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::{Extension, Router};
use sqlx::AnyPool;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use applications::RateLimit;
pub(crate) use auth::principal as principal_of_hash;
pub use auth::{Principal, PrincipalCache, Role, Seat, hash_token, issue_token};
pub use error::ApiError;

use crate::pipeline::Pipeline;

/// Largest request body accepted on any route but plugin uploads.
pub const BODY_LIMIT: usize = 16 << 20;
/// Largest plugin upload accepted (`POST /plugins` only). A Python plugin embeds
/// CPython (about 18 MB), a JavaScript one SpiderMonkey (about 12 MB); this
/// leaves room for larger policies without letting every route buffer that much.
pub const PLUGIN_LIMIT: usize = 64 << 20;
/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1 << 20;

#[derive(Clone)]
pub struct AppState {
    pub db: AnyPool,
    pub pipeline: Arc<Pipeline>,
    pub principals: Arc<PrincipalCache>,
    /// How many applications one client address may file.
    pub application_limit: RateLimit,
    /// Where clients reach the server, when a proxy stands in front of it.
    pub public_url: Option<url::Url>,
    /// The key that signs audit checkpoints, and when to sign.
    pub checkpoints: crate::checkpointing::Checkpoints,
    /// The time sessions open and close by (tests move it forward).
    pub clock: crate::clock::Clock,
}

pub fn router(state: AppState) -> Router {
    let (documented, document) = routes(state.application_limit).split_for_parts();
    let document =
        serde_json::to_vec(&openapi::finish(document)).expect("the OpenAPI document serialises");
    // Unknown paths and methods answer the same JSON errors as the handlers, so a
    // client never has to parse an empty or plain-text body.
    // The web console answers HTML (its own 403 and 404 pages) under `/console`;
    // every other unknown path keeps the JSON errors below.
    let routes = documented
        .merge(taxii::router())
        .merge(crate::console::router())
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .layer(Extension(openapi::Document(document.into())))
        .layer(axum::middleware::from_fn(taxii::taxii_errors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    request_log::around(routes).with_state(state)
}

/// Every route but TAXII's, each with its operation in the OpenAPI document.
fn routes(application_limit: RateLimit) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::new()
        .routes(routes!(openapi::document))
        .merge(applications::router(application_limit))
        .merge(communities::router())
        .merge(members::router())
        .merge(member_directory::router())
        .merge(reports::router())
        .merge(own_reports::router())
        .merge(inbox::router())
        .merge(cases::router())
        .merge(operations::router())
        .merge(explain::router())
        .merge(stix::router())
        .merge(policies::router())
        .merge(policy_checks::router())
        .merge(statistics::router())
        .merge(feedback::router())
        .merge(publications::router())
        .merge(public_feed::router())
        .merge(notes::router())
        .merge(case_admin::router())
        .merge(trends::router())
        .merge(audit_checkpoints::router())
        .merge(assemblies::router())
        .merge(info_requests::router())
        .merge(demo_clock::router());
    OpenApiRouter::with_openapi(openapi::Base::openapi())
        .nest("/api/v1", api)
        .merge(health::router())
        .merge(scrape::router())
}

/// 404 unless community `id` exists.
pub(super) async fn community_exists<'e, E>(db: E, id: &str) -> Result<(), ApiError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM communities WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    exists.map(|_| ()).ok_or(ApiError::NotFound)
}

async fn no_route() -> ApiError {
    ApiError::NoRoute
}

async fn no_method() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Text a member writes on a case: countermeasure information or an analysis
/// note: a one-line title (at most 300 characters) and a body (at most 64 KiB).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TitledText {
    title: String,
    body: String,
}

/// Checks the title (trimmed, returned) and body of text a member writes on a
/// case: an analysis note or countermeasure information.
pub fn titled_text(title: &str, body: &str) -> Result<String, ApiError> {
    const MAX_TITLE: usize = 300;
    const MAX_BODY: usize = 64 * 1024;
    let title = line("title", title, MAX_TITLE)?;
    if body.trim().is_empty() || body.len() > MAX_BODY {
        return Err(ApiError::invalid("body", format!("1 to {MAX_BODY} bytes")));
    }
    Ok(title)
}

/// A single line of text someone writes (a title, a name), trimmed: one clean line
/// (see [`crate::text::one_line`]) of at most `max` characters.
pub fn line(field: &str, text: &str, max: usize) -> Result<String, ApiError> {
    let text = crate::text::one_line(text).map_err(|e| ApiError::invalid(field, e.to_string()))?;
    if text.chars().count() > max {
        return Err(ApiError::invalid(field, format!("1 to {max} characters")));
    }
    Ok(text.to_string())
}

/// The body bytes, or 413 when over `limit`.
pub fn raw_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    let bytes = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => ApiError::TooLarge { limit },
        other => ApiError::invalid("body", other.body_text()),
    })?;
    if bytes.len() > limit {
        return Err(ApiError::TooLarge { limit });
    }
    Ok(bytes)
}

/// The JSON content type check alone (for bodies parsed elsewhere).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if is_json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}
