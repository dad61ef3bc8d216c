//! Cases as a member sees them: only cases it received something in, and inside
//! each only the reports delivered to it, checked one by one.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;

use super::inbox::delivered_view;
use super::{ApiError, AppState, Principal};
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
    // Counts are of what the caller received, not of the case: the total would
    // reveal reports it may not see.
    let rows = sqlx::query(
        "SELECT c.id, c.community_id, c.title, c.opened_at, c.last_report_at, c.confidence, COUNT(DISTINCT d.report_id) \
         FROM cases c JOIN deliveries d ON d.case_id = c.id \
         WHERE d.member_id = $1 AND d.available_at <= $2 AND ($3 IS NULL OR c.community_id = $3) \
         GROUP BY c.id, c.community_id, c.title, c.opened_at, c.last_report_at, c.confidence \
         ORDER BY c.last_report_at DESC, c.id",
    )
    .bind(seat.member_id)
    .bind(store::now())
    .bind(q.community)
    .fetch_all(&state.db)
    .await?;
    let cases: Result<Vec<Value>, sqlx::Error> = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "id": r.try_get::<String, _>(0)?, "community": r.try_get::<String, _>(1)?,
                "title": r.try_get::<String, _>(2)?, "opened_at": r.try_get::<i64, _>(3)?,
                "last_report_at": r.try_get::<i64, _>(4)?, "confidence": r.try_get::<String, _>(5)?,
                "visible_reports": r.try_get::<i64, _>(6)?,
            }))
        })
        .collect();
    Ok(Json(json!({ "cases": cases? })))
}

async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let seat = principal.seat()?;
    let deliveries: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM deliveries WHERE case_id = $1 AND member_id = $2 AND available_at <= $3 ORDER BY id",
    )
    .bind(&id)
    .bind(seat.member_id)
    .bind(store::now())
    .fetch_all(&state.db)
    .await?;
    if deliveries.is_empty() {
        return Err(ApiError::NotFound);
    }
    let case = sqlx::query("SELECT community_id, title, opened_at, last_report_at, confidence FROM cases WHERE id = $1")
        .bind(&id)
        .fetch_one(&state.db)
        .await?;
    let mut reports = Vec::with_capacity(deliveries.len());
    for delivery in deliveries {
        reports.push(delivered_view(&state.db, seat, delivery).await?);
    }
    Ok(Json(json!({
        "id": id, "community": case.try_get::<String, _>(0)?, "title": case.try_get::<String, _>(1)?,
        "opened_at": case.try_get::<i64, _>(2)?, "last_report_at": case.try_get::<i64, _>(3)?,
        "confidence": case.try_get::<String, _>(4)?, "reports": reports,
    })))
}
