//! Trend reports: the secretariat generates a members-only report of a period
//! (figures, HTML with SVG charts) and it is delivered through the community's
//! plugin as TLP:AMBER+STRICT, so the host's ceiling keeps it to the community's
//! members. Each one is counted in the statistics.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path};
use super::{ApiError, AppState, Principal};
use crate::council::fiscal_year;
use crate::council::placement::{self, Placed};
use crate::council::trend_report::{self, Figures};
use crate::model::{ReportStatus, Tlp};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(generate, list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PeriodBody {
    /// First day (YYYY-MM-DD, JST), inclusive.
    from: String,
    /// Last day (YYYY-MM-DD, JST), inclusive.
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Generated {
    id: String,
    title: String,
    /// The report it was delivered as, and that report's own case.
    report_id: String,
    case_id: String,
    status: ReportStatus,
    deliveries: usize,
    /// The period's figures (RED reports left out).
    #[schema(value_type = Object)]
    figures: Figures,
}

#[derive(Debug, Serialize, ToSchema)]
struct TrendReport {
    id: String,
    /// The period's start, and its end (exclusive).
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    from: i64,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    to: i64,
    report_id: Option<String>,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    generated_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
struct TrendReports {
    /// Newest first.
    trend_reports: Vec<TrendReport>,
}

/// Generates a members-only trend report of a period (figures, HTML with SVG
/// charts), delivered through the community's plugin as TLP:AMBER+STRICT.
///
/// The secretariat.
#[utoipa::path(post, path = "/communities/{id}/trend-reports", tag = "council",
    params(("id" = String, Path, description = "the community")),
    request_body = PeriodBody,
    responses((status = 201, body = Generated)))]
async fn generate(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
    body: Result<ApiJson<PeriodBody>, ApiError>,
) -> Result<(StatusCode, Json<Generated>), ApiError> {
    if principal != Principal::Secretariat {
        return Err(ApiError::Forbidden);
    }
    super::community_exists(&state.db, &community).await?;
    let ApiJson(PeriodBody { from, to }) = body?;
    let from = fiscal_year::start_of_day(&from).map_err(|e| ApiError::invalid("from", e))?;
    let to = fiscal_year::end_of_day(&to).map_err(|e| ApiError::invalid("to", e))? + 1;
    if to <= from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    let figures = trend_report::figures(&state.db, &community, from, to).await?;
    let title = trend_report::title(&figures);
    let html = trend_report::html(&figures).map_err(ApiError::Internal)?;
    // The report's own case, of kind trend_report: never counted as a campaign.
    let case_id = store::new_id("case");
    sqlx::query(
        "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence, kind) \
         VALUES ($1, $2, $3, $4, $4, 0, 'unconfirmed', 'trend_report')",
    )
    .bind(&case_id)
    .bind(&community)
    .bind(&title)
    .bind(store::now())
    .execute(&state.db)
    .await?;
    let case = placement::load_case(&state.db, &case_id)
        .await?
        .ok_or_else(|| ApiError::Internal("trend case vanished".into()))?;
    let author = placement::secretariat_seat(&state.db, &community).await?;
    let placed = Placed {
        title: title.clone(),
        body: html,
        tag: "trend-report",
        tlp: Tlp::AmberStrict,
        named_recipients: Vec::new(),
    };
    let committed = placement::submit(&state.pipeline, &case, author, placed).await?;
    let id = store::new_id("trend");
    let figures_json =
        serde_json::to_string(&figures).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    sqlx::query(
        "INSERT INTO trend_reports (id, community_id, period_start, period_end, report_id, figures, generated_by, generated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&community)
    .bind(from)
    .bind(to)
    .bind(&committed.report_id)
    .bind(figures_json)
    .bind(principal.actor())
    .bind(store::now())
    .execute(&mut *tx)
    .await?;
    store::audit(
        &mut tx,
        &principal.actor(),
        "trend_report.generate",
        &id,
        &title,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Generated {
            id,
            title,
            report_id: committed.report_id,
            case_id,
            status: committed.status,
            deliveries: committed.deliveries,
            figures,
        }),
    ))
}

/// The community's trend reports, newest first.
///
/// The community's operator, the secretariat.
#[utoipa::path(get, path = "/communities/{id}/trend-reports", operation_id = "list_trend_reports", tag = "council",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = TrendReports)))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
) -> Result<Json<TrendReports>, ApiError> {
    if !principal.operates(&community) {
        return Err(ApiError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT id, period_start, period_end, report_id, generated_at FROM trend_reports \
         WHERE community_id = $1 ORDER BY generated_at DESC, id",
    )
    .bind(&community)
    .fetch_all(&state.db)
    .await?;
    let trend_reports = rows
        .iter()
        .map(|r| {
            Ok(TrendReport {
                id: r.try_get(0)?,
                from: r.try_get(1)?,
                to: r.try_get(2)?,
                report_id: r.try_get(3)?,
                generated_at: r.try_get(4)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(TrendReports { trend_reports }))
}
