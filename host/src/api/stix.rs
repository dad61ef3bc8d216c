//! STIX 2.1 over the REST API: a member's deliveries as a bundle, in the order
//! they became due (the read audit-logged), and a bundle imported as reports (all mapped and validated
//! before any is submitted, an object imported before found again).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{AnyPool, Row};

use super::extract::{Path, Query};
use super::inbox::{ViewFilter, due_in_order};
use super::{ApiError, AppState, JSON_LIMIT, Principal, Seat, raw_body, read_audit, stix_import};
use crate::stix::{Namespace, export, import};
use crate::view::View;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox/stix", get(bundle))
        .route("/communities/{id}/stix", post(import_bundle))
}

/// Deliveries exported per request at most.
pub const MAX_DELIVERIES: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleQuery {
    /// A cursor this server gave (`X-Next-Cursor`, or `GET /inbox`'s `next_cursor`).
    after: Option<i64>,
    limit: Option<usize>,
}

/// The member's due deliveries in collection order, as one bundle; when more
/// follow, `X-Next-Cursor` says where to continue (`after`).
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

async fn import_bundle(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    let imported: Vec<Value> = sources
        .iter()
        .zip(added)
        .map(|(source, added)| match added {
            Ok(a) => json!({ "source": a.source, "report_id": a.report_id, "case_id": a.case_id,
                             "status": a.status, "duplicate": a.duplicate }),
            Err(message) => json!({ "source": source, "error": message }),
        })
        .collect();
    Ok((StatusCode::CREATED, Json(json!({ "imported": imported }))))
}
