//! Cases as a member sees them: only cases it received something in, and inside
//! each only the reports delivered to it, checked one by one.
//!
//! A case's title and figures as a member reads them are built from that member's
//! own views, never from the stored case: its title was chosen by a plugin from the
//! first report, which this member may not have been allowed to read (a RED
//! report, or a view with the victim masked).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Path, Query};
use super::inbox::{InboxItem, ViewFilter, delivered_view, due_views};
use super::{ApiError, AppState, Principal, Seat, read_audit};
use crate::council::case_admin::Standing;
use crate::model::{CaseStatus, Confidence};
use crate::store;
use crate::view::View;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CaseQuery {
    /// Only cases of this community.
    community: Option<String>,
}

/// A case as one member sees it.
#[derive(Debug, Serialize, ToSchema)]
struct CaseSummary {
    id: String,
    community: String,
    /// The title of the first view of the case this member received.
    title: String,
    /// The earliest and latest submission among this member's views.
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    opened_at: i64,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    last_report_at: i64,
    /// The highest confidence among this member's views.
    confidence: Confidence,
    status: CaseStatus,
    /// Reports of the case delivered to this member (not the case's total, which
    /// would reveal reports it may not see).
    visible_reports: usize,
}

#[derive(Debug, Serialize, ToSchema)]
struct CaseList {
    cases: Vec<CaseSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
struct CaseDetail {
    #[serde(flatten)]
    summary: CaseSummary,
    /// Each delivery of the case to the caller, with its view.
    reports: Vec<InboxItem>,
}

/// One of the member's views in a case: its delivery id and what it showed.
struct SeenView {
    delivery: i64,
    available_at: i64,
    view: View,
}

/// The cases the caller received something in, latest report first, each
/// titled and dated from the caller's own views. Audit-logged.
///
/// A member.
#[utoipa::path(get, path = "/cases", operation_id = "list_cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CaseList)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CaseList>, ApiError> {
    let seat = principal.seat()?;
    let filter = ViewFilter {
        community: q.community,
        ..ViewFilter::default()
    };
    let mut by_case: BTreeMap<String, Vec<SeenView>> = BTreeMap::new();
    for row in visible_views(&state.db, seat, &filter).await? {
        by_case
            .entry(row.try_get(2)?)
            .or_default()
            .push(seen(&row)?);
    }
    // The summaries carry the views' titles: the read is audited like any other.
    let delivered = by_case.values().flatten().map(|v| v.delivery);
    read_audit::views_read(&state.db, seat, "cases", delivered).await?;
    let mut cases = Vec::with_capacity(by_case.len());
    for (case, views) in by_case {
        cases.push(summary(&state.db, case, &views).await?);
    }
    cases.sort_by(|a, b| {
        b.last_report_at
            .cmp(&a.last_report_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(CaseList { cases }))
}

/// The caller's cases as `GET /cases` answers them (audit-logged alike): the
/// console's cases page.
pub(crate) async fn all_json(state: AppState, principal: Principal) -> Result<Value, ApiError> {
    let Json(list) = list(
        State(state),
        principal,
        Query(CaseQuery { community: None }),
    )
    .await?;
    serde_json::to_value(list).map_err(|e| ApiError::Internal(e.to_string()))
}

/// One case with the reports delivered to the caller. Audit-logged.
///
/// A member that received something in it (others: 404).
#[utoipa::path(get, path = "/cases/{id}", operation_id = "show_case", tag = "cases",
    params(("id" = String, Path, description = "the case")),
    responses((status = 200, body = CaseDetail)))]
async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let seat = principal.seat()?;
    let filter = ViewFilter {
        case: Some(id.clone()),
        ..ViewFilter::default()
    };
    let views: Vec<SeenView> = visible_views(&state.db, seat, &filter)
        .await?
        .iter()
        .map(seen)
        .collect::<Result<_, _>>()?;
    if views.is_empty() {
        return Err(ApiError::NotFound);
    }
    let mut reports = Vec::with_capacity(views.len());
    for view in &views {
        reports.push(delivered_view(&state.db, seat, view.delivery).await?);
    }
    let summary = summary(&state.db, id, &views).await?;
    Ok(Json(CaseDetail { summary, reports }))
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

fn seen(row: &AnyRow) -> Result<SeenView, ApiError> {
    let content: String = row.try_get(5)?;
    Ok(SeenView {
        delivery: row.try_get(0)?,
        available_at: row.try_get(4)?,
        view: serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

/// The case as seen through `views` (not empty): only its status and community
/// come from the stored case, everything else from what this member received.
async fn summary(db: &AnyPool, id: String, views: &[SeenView]) -> Result<CaseSummary, ApiError> {
    let stored: Standing = sqlx::query_as("SELECT community_id, status FROM cases WHERE id = $1")
        .bind(&id)
        .fetch_one(db)
        .await?;
    let first = views
        .iter()
        .min_by_key(|v| (v.available_at, v.delivery))
        .ok_or(ApiError::NotFound)?;
    let submitted = views.iter().map(|v| v.view.submitted_at.unix_timestamp());
    Ok(CaseSummary {
        id,
        community: stored.community_id,
        title: first.view.title.clone(),
        opened_at: submitted.clone().min().unwrap_or_default(),
        last_report_at: submitted.max().unwrap_or_default(),
        confidence: views
            .iter()
            .map(|v| v.view.confidence)
            .max()
            .unwrap_or(Confidence::Suspicion),
        status: stored.status,
        visible_reports: views
            .iter()
            .map(|v| &v.view.report_id)
            .collect::<std::collections::HashSet<_>>()
            .len(),
    })
}
