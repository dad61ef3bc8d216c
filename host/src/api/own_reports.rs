//! A submitter's own reports, as it sent them: `GET /reports` (newest first,
//! paged by `before`; or only those made from one STIX object, by the id the
//! submitter sent) and `GET /reports/{id}`. Only seats of the submitting organisation in the
//! report's community see them; to anyone else they do not exist (404, or an
//! empty list). What others received is in their inboxes, never here.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::any::AnyRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Path, Query};
use super::{ApiError, AppState, Principal};
use crate::model::{self, Report};
use crate::stix::timestamp;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
}

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only reports made from this STIX object (every version of it).
    stix_id: Option<String>,
    /// 1 to 500 (default 100).
    limit: Option<i64>,
    /// Where the previous page ended (its `next_before`).
    before: Option<String>,
}

/// A place in the newest-first list: a report's `submitted_at` and id. Reports
/// submitted while a client pages sort before any place it holds, so a walk
/// returns every report that was there when it began, once.
struct Before {
    at: i64,
    id: String,
}

impl Before {
    fn parse(text: &str) -> Result<Before, ApiError> {
        let bad = || ApiError::invalid("before", "not a `next_before` this server gave");
        let (at, id) = text.split_once(':').ok_or_else(bad)?;
        Ok(Before {
            at: at.parse().map_err(|_| bad())?,
            id: id.to_string(),
        })
    }
}

/// A STIX object a report was made from.
#[derive(Debug, Serialize, ToSchema)]
struct Source {
    id: String,
    version: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct OwnReport {
    id: String,
    community: String,
    status: String,
    case_id: Option<String>,
    submitted_at: String,
    submitter: i64,
    title: String,
    tlp: String,
    /// The report as submitted: title, body, TLP, indicators, victim...
    report: Report,
    stix: Vec<Source>,
}

#[derive(Debug, Serialize, ToSchema)]
struct OwnReports {
    reports: Vec<OwnReport>,
    /// The `before` of the next page, when there is one.
    next_before: Option<String>,
}

const COLUMNS: &str =
    "r.id, r.community_id, r.status, r.case_id, r.submitted_at, r.submitter, r.original";

/// The reports the caller's organisation submitted to its community, newest
/// first, as submitted; or those made from one STIX object (`stix_id`), newest
/// version first.
///
/// A member (its own organisation's reports only).
#[utoipa::path(get, path = "/reports", operation_id = "list_own_reports", tag = "reports", params(ListQuery),
    responses((status = 200, body = OwnReports)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Json<OwnReports>, ApiError> {
    let seat = principal.seat()?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("must be 1-{MAX_LIMIT}")));
    }
    let before = query.before.as_deref().map(Before::parse).transpose()?;
    let (rows, next_before) = match (&query.stix_id, before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "before",
                "pages the whole list: not with stix_id",
            ));
        }
        // Versions of one object newest first (they may share a second).
        (Some(object), None) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM reports r JOIN stix_sources s ON s.report_id = r.id \
                 WHERE r.community_id = $1 AND r.organisation = $2 AND s.object_id = $3 \
                 ORDER BY s.version DESC, r.submitted_at DESC, r.id DESC LIMIT $4"
            );
            let rows = sqlx::query(&sql)
                .bind(&seat.community_id)
                .bind(seat.organisation_id)
                .bind(object)
                .bind(limit)
                .fetch_all(&state.db)
                .await?;
            (rows, None)
        }
        (None, before) => {
            let before = before.unwrap_or(Before {
                at: i64::MAX,
                id: String::new(),
            });
            let sql = format!(
                "SELECT {COLUMNS} FROM reports r WHERE r.community_id = $1 AND r.organisation = $2 \
                   AND r.forwarded_from IS NULL \
                   AND (r.submitted_at < $3 OR (r.submitted_at = $3 AND r.id < $4)) \
                 ORDER BY r.submitted_at DESC, r.id DESC LIMIT $5"
            );
            let mut rows = sqlx::query(&sql)
                .bind(&seat.community_id)
                .bind(seat.organisation_id)
                .bind(before.at)
                .bind(&before.id)
                .bind(limit + 1)
                .fetch_all(&state.db)
                .await?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next = match rows.last() {
                Some(last) if more => Some(format!(
                    "{}:{}",
                    last.try_get::<i64, _>(4)?,
                    last.try_get::<String, _>(0)?
                )),
                _ => None,
            };
            (rows, next)
        }
    };
    let mut reports = Vec::with_capacity(rows.len());
    for row in rows {
        reports.push(own_report(&state, row).await?);
    }
    Ok(Json(OwnReports {
        reports,
        next_before,
    }))
}

/// One report the caller's organisation submitted, as submitted.
///
/// A member (its own organisation's reports only; others are 404).
#[utoipa::path(get, path = "/reports/{id}", operation_id = "show_own_report", tag = "reports",
    params(("id" = String, Path, description = "the report")),
    responses((status = 200, body = OwnReport)))]
async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<OwnReport>, ApiError> {
    let seat = principal.seat()?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM reports r WHERE r.id = $1 AND r.community_id = $2 \
           AND r.organisation = $3 AND r.forwarded_from IS NULL"
    ))
    .bind(&id)
    .bind(&seat.community_id)
    .bind(seat.organisation_id)
    .fetch_optional(&state.db)
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(Json(own_report(&state, row).await?))
}

async fn own_report(state: &AppState, row: AnyRow) -> Result<OwnReport, ApiError> {
    let id: String = row.try_get(0)?;
    let original: String = row.try_get(6)?;
    let report: Report =
        serde_json::from_str(&original).map_err(|e| ApiError::Internal(e.to_string()))?;
    let sources = sqlx::query(
        "SELECT object_id, version FROM stix_sources WHERE report_id = $1 ORDER BY object_id, version",
    )
    .bind(&id)
    .fetch_all(&state.db)
    .await?;
    let stix = sources
        .iter()
        .map(|s| {
            Ok(Source {
                id: s.try_get(0)?,
                version: s.try_get(1)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let submitted_at: i64 = row.try_get(4)?;
    Ok(OwnReport {
        id,
        community: row.try_get(1)?,
        status: row.try_get(2)?,
        case_id: row.try_get(3)?,
        submitted_at: timestamp(
            time::OffsetDateTime::from_unix_timestamp(submitted_at)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        ),
        submitter: row.try_get(5)?,
        title: report.title.clone(),
        tlp: model::label_name(&report.tlp),
        report,
        stix,
    })
}
