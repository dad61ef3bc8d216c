//! The OpenAPI 3.1 document of `/api/v1` and the probes, served at
//! `GET /api/v1/openapi.json`. utoipa builds it from each handler's
//! `#[utoipa::path]` and the types it takes and answers; every route is registered
//! through `utoipa_axum::routes!`, which adds the operation with the route, so a
//! route cannot exist without its operation. Each operation's description says
//! which roles may call it; the errors every operation of its shape can answer
//! (see [`add_errors`]) are added here rather than repeated on 60 handlers.
//! TAXII 2.1 (`/taxii2/`) is left out: its own specification defines it.

use axum::Extension;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

use super::error::ErrorBody;

/// The document's fixed part: the bearer scheme that every operation requires
/// unless it says `security(())`, and the error body.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "isac-host",
        description = "Cyber-threat information sharing between the members of a community, \
                       under the community's policy plugin. Bearer tokens: 401 without a valid \
                       one, 403 for a role the operation does not name, 404 for an object the \
                       caller may not see."
    ),
    components(schemas(ErrorBody)),
    modifiers(&Bearer),
    security(("bearer" = []))
)]
pub(super) struct Base;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, api: &mut OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "a token issued by `isac-host token` or `POST /members/{id}/tokens`",
            ))
            .build();
        api.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document with the errors each operation can answer, and every response
/// described (the reason phrase, where its handler says nothing more).
pub(super) fn finish(mut api: OpenApi) -> OpenApi {
    for item in api.paths.paths.values_mut() {
        for operation in operations(item) {
            add_errors(operation);
            for (status, response) in &mut operation.responses.responses {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    let reason = status
                        .parse()
                        .ok()
                        .and_then(|s| StatusCode::from_u16(s).ok());
                    response.description = reason
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or_default()
                        .to_string();
                }
            }
        }
    }
    api
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// What every operation of its shape can answer besides what its handler lists:
/// 401 and 403 when it needs a token; 400, 404 and 422 for a path or query
/// parameter (it may not parse, name nothing the caller may see, or be out of
/// range); 413, 415 and 422 for a body.
fn add_errors(operation: &mut Operation) {
    let anonymous = operation
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let in_path = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Path);
    let in_query = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let body = operation.request_body.is_some();
    let errors = [
        (
            400,
            "a path or query parameter does not parse",
            in_path || in_query,
        ),
        (401, "no token, or one that is not valid", !anonymous),
        (403, "the caller's role does not allow this", !anonymous),
        (
            404,
            "no such object, or not one the caller may see",
            in_path || in_query,
        ),
        (413, "the body is too large", body),
        (
            415,
            "the body is not of the media type the operation takes",
            body,
        ),
        (
            422,
            "a field or parameter is not valid (named in `field`)",
            in_path || in_query || body,
        ),
    ];
    for (status, description, applies) in errors {
        let status = status.to_string();
        if applies && !operation.responses.responses.contains_key(&status) {
            operation
                .responses
                .responses
                .insert(status, error(description).into());
        }
    }
}

/// An error response: the JSON error body.
fn error(description: &str) -> Response {
    let content = Content::new(Some(Ref::from_schema_name("ErrorBody")));
    Response::builder()
        .description(description)
        .content("application/json", content)
        .build()
}

/// This document: every operation of `/api/v1` and the probes.
///
/// Anyone, without a token.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json"))
)]
pub(super) async fn document(Extension(Document(json)): Extension<Document>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], json)
}

/// The document as served, built once when the router is.
#[derive(Clone)]
pub(super) struct Document(pub Bytes);

#[cfg(test)]
mod tests {
    use std::path::Path;

    use utoipa::openapi::RefOr;

    /// axum's own `route` (or a nested service) would serve a path the document
    /// does not list: every module registers its handlers through
    /// `utoipa_axum::routes!`, which adds the operation with the route. TAXII
    /// alone is routed outside the document (see the module comment).
    #[test]
    fn every_route_is_registered_with_its_operation() {
        let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
        let forbidden =
            ["route", "route_service", "nest", "nest_service"].map(|m| format!(".{m}("));
        let mut offending = Vec::new();
        let mut folders = vec![api.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("the api sources") {
                let path = entry.expect("a directory entry").path();
                if path.is_dir() {
                    if path != api.join("taxii") {
                        folders.push(path);
                    }
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("a source file");
                for (number, line) in text.lines().enumerate() {
                    if forbidden.iter().any(|f| line.contains(f.as_str())) {
                        offending.push(format!("{}:{}: {line}", path.display(), number + 1));
                    }
                }
            }
        }
        // The one nest puts the documented API under /api/v1, documents included.
        offending.retain(|l| !l.contains(r#".nest("/api/v1", api)"#));
        assert!(offending.is_empty(), "{offending:#?}");
    }

    /// Every operation names who may call it (its description's last paragraph),
    /// has an operation id of its own (client generators name methods by it) and
    /// describes each of its responses.
    #[test]
    fn every_operation_says_who_may_call_it_under_its_own_id() {
        let document = super::finish(super::super::routes(Default::default()).into_openapi());
        let mut missing = Vec::new();
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in &document.paths.paths {
            let item = &mut item.clone();
            for operation in super::operations(item) {
                if operation
                    .description
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .is_empty()
                {
                    missing.push(format!("{path}: no description"));
                }
                let id = operation.operation_id.clone().unwrap_or_default();
                if !ids.insert(id.clone()) {
                    missing.push(format!("{path}: operation id {id} taken"));
                }
                for (status, response) in &operation.responses.responses {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        missing.push(format!("{path}: {status} undescribed"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
