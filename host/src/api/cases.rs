//! Cases as a member sees them: only cases it received something in, and inside
//! each only the reports delivered to it, checked one by one.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::extract::{Path, Query};
use super::inbox::{ViewFilter, delivered_view, due_views};
use super::{ApiError, AppState, Principal, Seat};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/{id}", get(show))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseQuery {
    community: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<CaseQuery>,
) -> Result<Json<Value>, ApiError> {
    let seat = principal.seat()?;
    let filter = ViewFilter {
        community: q.community,
        ..ViewFilter::default()
    };
    // Counts are of what the caller received, not of the case: the total would
    // reveal reports it may not see.
    let mut visible: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for row in visible_views(&state.db, seat, &filter).await? {
        visible
            .entry(row.try_get(2)?)
            .or_default()
            .insert(row.try_get(1)?);
    }
    let mut cases = Vec::new();
    for (case, reports) in &visible {
        let mut summary = case_summary(&state.db, case).await?;
        summary["visible_reports"] = json!(reports.len());
        cases.push(summary);
    }
    cases.sort_by(|a, b| {
        b["last_report_at"]
            .as_i64()
            .cmp(&a["last_report_at"].as_i64())
            .then(a["id"].as_str().cmp(&b["id"].as_str()))
    });
    Ok(Json(json!({ "cases": cases })))
}

async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let seat = principal.seat()?;
    let filter = ViewFilter {
        case: Some(id.clone()),
        ..ViewFilter::default()
    };
    let deliveries: Vec<i64> = visible_views(&state.db, seat, &filter)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    if deliveries.is_empty() {
        return Err(ApiError::NotFound);
    }
    let mut reports = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        reports.push(delivered_view(&state.db, seat, delivery).await?);
    }
    let mut case = case_summary(&state.db, &id).await?;
    case["reports"] = json!(reports);
    Ok(Json(case))
}

/// The caller's due views that pass `filter` (its whole inbox, then filtered).
async fn visible_views(
    db: &AnyPool,
    seat: &Seat,
    filter: &ViewFilter,
) -> Result<Vec<AnyRow>, ApiError> {
    let ids = store::inbox::views_after(db, seat.member_id, 0, usize::MAX).await?;
    Ok(due_views(db, &ids, filter).await?)
}

/// A case's own fields (no counts: those depend on what the caller may see).
async fn case_summary(db: &AnyPool, id: &str) -> Result<Value, ApiError> {
    let row = sqlx::query("SELECT community_id, title, opened_at, last_report_at, confidence, status FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok(json!({
        "id": id, "community": row.try_get::<String, _>(0)?, "title": row.try_get::<String, _>(1)?,
        "opened_at": row.try_get::<i64, _>(2)?, "last_report_at": row.try_get::<i64, _>(3)?,
        "confidence": row.try_get::<String, _>(4)?, "status": row.try_get::<String, _>(5)?,
    }))
}
