//! A member's inbox: its own deliveries that are due, listed in the order they
//! became due (`store::collection`, the TAXII inbox's order) and one view at a
//! time (each response audit-logged), and a Server-Sent Events stream of new ones
//! (see [`stream`]).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use std::collections::HashMap;

use super::extract::{Path, Query};
use super::{ApiError, AppState, Principal, Seat, read_audit};
use crate::store::{self, bulk, collection};

mod stream;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(list))
        .route("/inbox/stream", get(stream::stream))
        .route("/inbox/{delivery}", get(read))
}

const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InboxQuery {
    /// A `next_cursor` this server gave: where the collection order was left.
    cursor: Option<i64>,
    community: Option<String>,
    case: Option<String>,
    /// Unix seconds: only deliveries that became available at or after this.
    since: Option<i64>,
    limit: Option<i64>,
}

const ITEM_COLUMNS: &str =
    "v.id, v.report_id, v.case_id, v.community_id, v.available_at, v.content";

/// Which views to keep of a member's: due ones, optionally of one community or case.
#[derive(Debug, Default)]
pub struct ViewFilter {
    pub community: Option<String>,
    pub case: Option<String>,
    /// Only views that became available at or after this (Unix seconds).
    pub since: i64,
}

/// The rows of the views with these ids that are due now and pass the filter,
/// ascending by id. The ids come from the caller's own inbox.
pub async fn due_views(
    db: &AnyPool,
    ids: &[i64],
    filter: &ViewFilter,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM views v WHERE v.available_at <= $1 AND v.available_at >= $2 \
               AND ($3 IS NULL OR v.community_id = $3) AND ($4 IS NULL OR v.case_id = $4) AND v.id IN ({}) ORDER BY v.id",
            bulk::placeholders(5, chunk.len())
        );
        let mut query = sqlx::query(&sql)
            .bind(store::now())
            .bind(filter.since)
            .bind(filter.community.clone())
            .bind(filter.case.clone());
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(db).await?);
    }
    Ok(rows)
}

/// Up to `max` of the member's due views past `after` in collection order
/// (`store::collection`) that pass `filter`, each with its cursor (the position
/// to continue after), and whether more follow.
pub async fn due_in_order(
    state: &AppState,
    seat: &Seat,
    after: i64,
    max: usize,
    filter: &ViewFilter,
) -> Result<(Vec<(i64, AnyRow)>, bool), ApiError> {
    state.pipeline.ordered().await?;
    let mut found = Vec::new();
    let mut after = after;
    // Without a filter every placed view is due and shown, so a page loads just
    // the views it shows (and one to tell whether more follow); a filter may
    // skip many, so then views are looked at 500 at a time.
    let unfiltered = filter.community.is_none() && filter.case.is_none() && filter.since <= 0;
    while found.len() <= max {
        let batch = if unfiltered {
            max + 1 - found.len()
        } else {
            500
        };
        let mut placed = Vec::new();
        collection::walk(&state.db, seat.member_id, after, |place| {
            placed.push(place);
            placed.len() < batch
        })
        .await?;
        let Some(last) = placed.last() else { break };
        after = last.last();
        let ids: Vec<i64> = placed.iter().map(|p| p.view).collect();
        let mut rows: HashMap<i64, AnyRow> = HashMap::new();
        for row in due_views(&state.db, &ids, filter).await? {
            rows.insert(row.try_get(0)?, row);
        }
        found.extend(
            placed
                .iter()
                .filter_map(|p| Some((p.last(), rows.remove(&p.view)?))),
        );
    }
    let more = found.len() > max;
    found.truncate(max);
    Ok((found, more))
}

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
    let filter = ViewFilter {
        community: q.community,
        case: q.case,
        since: q.since.unwrap_or(0),
    };
    let after = q.cursor.unwrap_or(i64::MIN);
    let (rows, more) = due_in_order(&state, seat, after, limit as usize, &filter).await?;
    let items = rows
        .iter()
        .map(|(_, row)| item(row))
        .collect::<Result<Vec<_>, _>>()?;
    let next = more
        .then(|| rows.last().map(|(cursor, _)| *cursor))
        .flatten();
    // Items carry each view's title and TLP: view content, so the read is logged.
    let views = items.iter().filter_map(|i| i["delivery_id"].as_i64());
    read_audit::views_read(&state.db, seat, "inbox", views).await?;
    Ok(Json(json!({ "items": items, "next_cursor": next })))
}

/// One delivered view, if it is the caller's and due. Every read is audit-logged.
pub async fn delivered_view(db: &AnyPool, seat: &Seat, delivery: i64) -> Result<Value, ApiError> {
    if !store::inbox::has_view(db, seat.member_id, delivery).await? {
        return Err(ApiError::NotFound);
    }
    let rows = due_views(db, &[delivery], &ViewFilter::default()).await?;
    let row = rows.first().ok_or(ApiError::NotFound)?;
    let mut conn = db.acquire().await?;
    store::audit(
        &mut conn,
        &format!("member:{}", seat.member_id),
        "view.read",
        &delivery.to_string(),
        "",
    )
    .await?;
    let mut body = item(row)?;
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
