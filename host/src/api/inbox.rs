//! A member's inbox: its own deliveries that are due, one view at a time (each read
//! audit-logged), and a Server-Sent Events stream of new ones.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{ApiError, AppState, Principal, Seat};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(list))
        .route("/inbox/stream", get(stream))
        .route("/inbox/{delivery}", get(read))
}

const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InboxQuery {
    cursor: Option<i64>,
    community: Option<String>,
    case: Option<String>,
    /// Unix seconds: only deliveries that became available at or after this.
    since: Option<i64>,
    limit: Option<i64>,
}

const ITEM_COLUMNS: &str =
    "d.id, d.report_id, d.case_id, d.community_id, d.available_at, v.content";

fn item(row: &AnyRow) -> Result<Value, ApiError> {
    let content: String = row.try_get(5)?;
    let view: Value =
        serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json!({
        "delivery_id": row.try_get::<i64, _>(0)?,
        "report_id": row.try_get::<String, _>(1)?,
        "case_id": row.try_get::<String, _>(2)?,
        "community": row.try_get::<String, _>(3)?,
        "delivered_at": row.try_get::<i64, _>(4)?,
        "title": view["title"],
        "tlp": view["tlp"],
    }))
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Value>, ApiError> {
    let seat = principal.seat()?;
    let limit = q.limit.unwrap_or(PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("between 1 and {MAX_PAGE}"),
        ));
    }
    let rows = sqlx::query(&format!(
        "SELECT {ITEM_COLUMNS} FROM deliveries d JOIN views v ON v.id = d.view_id \
         WHERE d.member_id = $1 AND d.available_at <= $2 AND d.id > $3 \
           AND ($4 IS NULL OR d.community_id = $4) AND ($5 IS NULL OR d.case_id = $5) AND d.available_at >= $6 \
         ORDER BY d.id LIMIT $7"
    ))
    .bind(seat.member_id)
    .bind(store::now())
    .bind(q.cursor.unwrap_or(0))
    .bind(q.community)
    .bind(q.case)
    .bind(q.since.unwrap_or(0))
    .bind(limit + 1)
    .fetch_all(&state.db)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<Value> = rows
        .iter()
        .take(limit as usize)
        .map(item)
        .collect::<Result<_, _>>()?;
    let next = if more {
        items.last().map(|i| i["delivery_id"].clone())
    } else {
        None
    };
    Ok(Json(json!({ "items": items, "next_cursor": next })))
}

/// One delivered view, if it is the caller's and due. Every read is audit-logged.
pub async fn delivered_view(db: &AnyPool, seat: &Seat, delivery: i64) -> Result<Value, ApiError> {
    let row = sqlx::query(&format!(
        "SELECT {ITEM_COLUMNS} FROM deliveries d JOIN views v ON v.id = d.view_id \
         WHERE d.id = $1 AND d.member_id = $2 AND d.available_at <= $3"
    ))
    .bind(delivery)
    .bind(seat.member_id)
    .bind(store::now())
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound)?;
    let mut conn = db.acquire().await?;
    store::audit(
        &mut conn,
        &format!("member:{}", seat.member_id),
        "view.read",
        &delivery.to_string(),
        "",
    )
    .await?;
    let mut body = item(&row)?;
    let content: String = row.try_get(5)?;
    body["view"] = serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(body)
}

async fn read(
    State(state): State<AppState>,
    principal: Principal,
    Path(delivery): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        delivered_view(&state.db, principal.seat()?, delivery).await?,
    ))
}

/// New deliveries as they become due: `event: delivery`, data = the inbox item.
async fn stream(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let member = principal.seat()?.member_id;
    // Resume after the last event the client saw, or start from now.
    let mut since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(':').next()?.parse::<i64>().ok())
        .unwrap_or_else(store::now);
    let db = state.db.clone();
    let mut wake = state.pipeline.deliveries.subscribe();
    let events = async_stream::stream! {
        // Deliveries due in the same second can commit out of id order, so look a
        // little behind and skip what was already sent.
        let mut sent: HashMap<i64, i64> = HashMap::new();
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {ITEM_COLUMNS} FROM deliveries d JOIN views v ON v.id = d.view_id \
                 WHERE d.member_id = $1 AND d.available_at <= $2 AND d.available_at >= $3 ORDER BY d.available_at, d.id"
            ))
            .bind(member)
            .bind(store::now())
            .bind(since - 2)
            .fetch_all(&db)
            .await;
            let Ok(rows) = rows else { break };
            for row in &rows {
                let Ok(data) = item(row) else { continue };
                let id = data["delivery_id"].as_i64().unwrap_or_default();
                let at = data["delivered_at"].as_i64().unwrap_or_default();
                if sent.insert(id, at).is_none() {
                    since = since.max(at);
                    yield Ok(Event::default().event("delivery").id(format!("{at}:{id}")).data(data.to_string()));
                }
            }
            sent.retain(|_, at| *at >= since - 2);
            // Wake on a commit, or every second for deliveries whose delay ran out.
            let _ = tokio::time::timeout(Duration::from_secs(1), wake.changed()).await;
        }
    };
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
