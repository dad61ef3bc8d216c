//! STIX 2.1 over the REST API: a member's deliveries as a bundle, in the order
//! they became due (the read audit-logged), and a bundle imported as reports (all mapped and validated
//! before any is submitted, an object imported before found again).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyPool, Row};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Path, Query};
use super::inbox::{ViewFilter, due_in_order};
use super::{ApiError, AppState, JSON_LIMIT, Principal, Seat, raw_body, read_audit, stix_import};
use crate::stix::{Namespace, export, import};
use crate::view::View;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bundle))
        .routes(routes!(import_bundle))
}

/// Deliveries exported per request at most.
pub const MAX_DELIVERIES: usize = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct BundleQuery {
    /// A cursor this server gave (`X-Next-Cursor`, or `GET /inbox`'s `next_cursor`).
    after: Option<i64>,
    /// 1 to 500 deliveries (default 100).
    limit: Option<usize>,
}

/// The member's due deliveries in collection order, as one bundle; when more
/// follow, `X-Next-Cursor` says where to continue (`after`).
///
/// A member (its own deliveries in its community). Audit-logged.
#[utoipa::path(get, path = "/inbox/stix", tag = "stix", params(BundleQuery),
    responses((status = 200, body = Object, description = "a STIX 2.1 bundle, every object marked with its view's TLP",
               headers(("X-Next-Cursor" = i64, description = "the `after` of the next page, when more follow")))))]
async fn bundle(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<BundleQuery>,
) -> Result<Response, ApiError> {
    let seat = principal.seat()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_DELIVERIES).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1-{MAX_DELIVERIES}"),
        ));
    }
    let filter = ViewFilter {
        community: Some(seat.community_id.clone()),
        ..ViewFilter::default()
    };
    let after = query.after.unwrap_or(i64::MIN);
    let (rows, more) = due_in_order(&state, seat, after, limit, &filter).await?;
    let namespace = Namespace::of(&state.db).await?;
    let mut objects = Vec::new();
    for (_, row) in &rows {
        let delivery: i64 = row.try_get(0)?;
        let content: String = row.try_get(5)?;
        let view: View =
            serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?;
        objects.extend(export::objects(&namespace, delivery, &view));
    }
    let delivered = rows.iter().map(|(_, row)| row.try_get::<i64, _>(0));
    let delivered: Vec<i64> = delivered.collect::<Result<_, _>>()?;
    read_audit::views_read(&state.db, seat, "inbox/stix", delivered).await?;
    let mut response = Json(export::bundle(objects)).into_response();
    if more && let Some((cursor, _)) = rows.last() {
        response
            .headers_mut()
            .insert("x-next-cursor", HeaderValue::from(*cursor));
    }
    Ok(response)
}

/// The name of the caller's organisation (STIX `created_by_ref` must match it).
pub async fn organisation_name(db: &AnyPool, seat: &Seat) -> Result<String, ApiError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
            .bind(seat.organisation_id)
            .fetch_one(db)
            .await?,
    )
}

/// What became of one object of an imported bundle.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
enum ImportedObject {
    Added {
        /// The source object's STIX id.
        source: String,
        report_id: String,
        case_id: Option<String>,
        status: String,
        /// Added before (the same id and version): its earlier report.
        duplicate: bool,
    },
    Refused {
        source: String,
        error: &'static str,
    },
}

#[derive(Debug, Serialize, ToSchema)]
struct Imported {
    imported: Vec<ImportedObject>,
}

/// Imports a STIX 2.1 bundle as reports, all or nothing: each decided under the
/// policy, all committed in one transaction; an error names `object-id.field`.
///
/// A member of that community.
#[utoipa::path(post, path = "/communities/{id}/stix", tag = "stix",
    params(("id" = String, Path, description = "the community")),
    request_body(content = Object, description = "a STIX 2.1 bundle"),
    responses((status = 201, body = Imported)))]
async fn import_bundle(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    let seat = principal.seat()?;
    if seat.community_id != community {
        return Err(ApiError::Forbidden);
    }
    let bytes = raw_body(body, JSON_LIMIT)?;
    super::require_json(&headers)?;
    let bundle: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    if bundle["type"] != "bundle" {
        return Err(ApiError::invalid("type", "expected a STIX bundle"));
    }
    let objects = bundle["objects"]
        .as_array()
        .ok_or_else(|| ApiError::invalid("objects", "required"))?;
    let organisation = organisation_name(&state.db, seat).await?;
    let imported = import::import(objects, &organisation)
        .map_err(|e| ApiError::invalid(format!("{}.{}", e.object, e.field), e.message))?;
    let sources: Vec<String> = imported.iter().map(|i| i.source.clone()).collect();
    let added = stix_import::add(&state, seat, imported).await?;
    let imported = sources
        .into_iter()
        .zip(added)
        .map(|(source, added)| match added {
            Ok(a) => ImportedObject::Added {
                source: a.source,
                report_id: a.report_id,
                case_id: a.case_id,
                status: a.status,
                duplicate: a.duplicate,
            },
            Err(error) => ImportedObject::Refused { source, error },
        })
        .collect();
    Ok((StatusCode::CREATED, Json(Imported { imported })))
}
