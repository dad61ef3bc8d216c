//! A member's inbox: its own deliveries that are due, listed in the order they
//! became due (`store::collection`, the TAXII inbox's order) and one view at a
//! time (each response audit-logged), and a Server-Sent Events stream of new ones
//! (see [`stream`]).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::collections::HashMap;

use super::extract::{Path, Query};
use super::{ApiError, AppState, Principal, Seat, read_audit};
use crate::store::{self, bulk, collection};

mod notices;
mod stream;

pub(crate) use stream::member_stream;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(stream::stream))
        .routes(routes!(read))
}

const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct InboxQuery {
    /// A `next_cursor` this server gave: where the collection order was left.
    cursor: Option<i64>,
    /// Only deliveries of this community.
    community: Option<String>,
    /// Only deliveries of this case.
    case: Option<String>,
    /// Only deliveries that became available at or after this (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<String>,
    /// 1 to 500 (default 50).
    limit: Option<i64>,
}

/// One delivery in a member's inbox.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InboxItem {
    delivery_id: i64,
    report_id: String,
    case_id: String,
    community: String,
    /// When the delivery became due.
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    delivered_at: i64,
    /// The view's title, as the member may read it.
    #[schema(value_type = String)]
    title: Value,
    #[schema(value_type = crate::model::Tlp)]
    tlp: Value,
    /// What the member received of the report (one delivery only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::view::View>)]
    view: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
struct InboxPage {
    items: Vec<InboxItem>,
    /// The `cursor` of the next page, when more follow.
    next_cursor: Option<i64>,
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

fn item(row: &AnyRow) -> Result<InboxItem, ApiError> {
    let content: String = row.try_get(5)?;
    let view: Value =
        serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(InboxItem {
        delivery_id: row.try_get(0)?,
        report_id: row.try_get(1)?,
        case_id: row.try_get(2)?,
        community: row.try_get(3)?,
        delivered_at: row.try_get(4)?,
        title: view["title"].clone(),
        tlp: view["tlp"].clone(),
        view: None,
    })
}

/// The caller's deliveries that are due, in the order they became due (a delayed
/// delivery joins the end when its delay runs out, so following `next_cursor`
/// never misses one). Audit-logged.
///
/// A member (its own deliveries).
#[utoipa::path(get, path = "/inbox", operation_id = "list_inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = InboxPage)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<InboxQuery>,
) -> Result<Json<InboxPage>, ApiError> {
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
        since: match q.since {
            Some(text) => crate::model::unix_time::from_rfc3339(&text)
                .map_err(|message| ApiError::bad_parameter("since", message))?,
            None => 0,
        },
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
    let views = items.iter().map(|i| i.delivery_id);
    read_audit::views_read(&state.db, seat, "inbox", views).await?;
    Ok(Json(InboxPage {
        items,
        next_cursor: next,
    }))
}

/// The first `limit` deliveries of the caller's inbox that became due at or
/// after `since` (Unix seconds), as `GET /inbox?since=` answers them (and
/// audit-logged the same way): the console's inbox page.
pub(crate) async fn page_since(
    state: AppState,
    principal: Principal,
    since: i64,
    limit: i64,
) -> Result<Value, ApiError> {
    let query = InboxQuery {
        cursor: None,
        community: None,
        case: None,
        since: Some(crate::model::unix_time::to_rfc3339(since)),
        limit: Some(limit),
    };
    let Json(page) = list(State(state), principal, Query(query)).await?;
    serde_json::to_value(page).map_err(|e| ApiError::Internal(e.to_string()))
}

/// One delivered view, if it is the caller's and due. Every read is audit-logged.
pub(crate) async fn delivered_view(
    db: &AnyPool,
    seat: &Seat,
    delivery: i64,
) -> Result<InboxItem, ApiError> {
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
    body.view =
        Some(serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?);
    Ok(body)
}

/// One delivery with the view the caller received. Audit-logged.
///
/// A member (its own deliveries; others are 404).
#[utoipa::path(get, path = "/inbox/{delivery}", tag = "inbox",
    params(("delivery" = i64, Path, description = "the delivery (`delivery_id`)")),
    responses((status = 200, body = InboxItem)))]
async fn read(
    State(state): State<AppState>,
    principal: Principal,
    Path(delivery): Path<i64>,
) -> Result<Json<InboxItem>, ApiError> {
    Ok(Json(
        delivered_view(&state.db, principal.seat()?, delivery).await?,
    ))
}
