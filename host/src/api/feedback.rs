//! Feedback: a recipient answers a case it received (or one report of it) with a
//! sighting, a false positive, "useful", or a comment. The answer is delivered as
//! a report on the case to the case's submitters and the community's task force,
//! routed and redacted by the community's plugin, and counts toward the giver's
//! contribution. The plugin sees it as from the secretariat's seat: the giver is
//! named neither in a view nor to the plugin. `GET /contribution` shows a
//! member its own give-and-take statistics.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path};
use super::inbox::{ViewFilter, due_views};
use super::{ApiError, AppState, Principal, Seat};
use crate::council::contribution;
use crate::council::placement::{self, Placed};
use crate::model::{Contribution, ReportStatus, Tlp};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(give))
        .routes(routes!(own_contribution))
}

const KINDS: &[&str] = &["sighting", "false_positive", "useful", "comment"];
const MAX_COMMENT: usize = 4000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    /// `sighting`, `false_positive`, `useful` or `comment`.
    kind: String,
    /// At most 4000 characters; required for a `comment`.
    #[serde(default)]
    comment: String,
    /// One report of the case that the caller received; default the case as a whole.
    report: Option<String>,
}

/// The ids of the reports of `case` delivered to the caller and due.
pub async fn received_in_case(
    db: &sqlx::AnyPool,
    seat: &Seat,
    case: &str,
) -> Result<Vec<String>, ApiError> {
    let ids = store::inbox::views_after(db, seat.member_id, 0, usize::MAX).await?;
    let filter = ViewFilter {
        case: Some(case.to_string()),
        ..ViewFilter::default()
    };
    let rows = due_views(db, &ids, &filter).await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get::<String, _>(1))
        .collect::<Result<_, _>>()?)
}

#[derive(Debug, Serialize, ToSchema)]
struct Given {
    feedback_id: i64,
    case_id: String,
    kind: String,
    /// The report the feedback was delivered as.
    delivered_as: String,
    status: ReportStatus,
    deliveries: usize,
}

#[derive(Debug, Serialize, ToSchema)]
struct OwnContribution {
    member_id: i64,
    contribution: Contribution,
}

/// Feedback on a case the caller received: delivered as TLP:RED to the case's
/// submitters and the task force, routed and redacted by the community's
/// plugin, the giver never named (202 when the plugin's decision quarantined it).
///
/// A member who received the case.
#[utoipa::path(post, path = "/cases/{id}/feedback", tag = "council",
    params(("id" = String, Path, description = "the case")),
    request_body = FeedbackBody,
    responses((status = 201, body = Given), (status = 202, body = Given, description = "quarantined")))]
async fn give(
    State(state): State<AppState>,
    principal: Principal,
    Path(case_id): Path<String>,
    body: Result<ApiJson<FeedbackBody>, ApiError>,
) -> Result<(StatusCode, Json<Given>), ApiError> {
    let seat = principal.seat()?;
    let received = received_in_case(&state.db, seat, &case_id).await?;
    if received.is_empty() {
        return Err(ApiError::NotFound);
    }
    let ApiJson(FeedbackBody {
        kind,
        comment,
        report,
    }) = body?;
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::invalid(
            "kind",
            format!("one of {}", KINDS.join(", ")),
        ));
    }
    let comment = comment.trim().to_string();
    if comment.chars().count() > MAX_COMMENT {
        return Err(ApiError::invalid(
            "comment",
            format!("at most {MAX_COMMENT} characters"),
        ));
    }
    if kind == "comment" && comment.is_empty() {
        return Err(ApiError::invalid(
            "comment",
            "must not be empty for a comment",
        ));
    }
    if let Some(report) = &report
        && !received.contains(report)
    {
        return Err(ApiError::invalid(
            "report",
            "not a report of this case delivered to you",
        ));
    }
    let case = placement::load_case(&state.db, &case_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut recipients = placement::task_force(&state.db, &case.community).await?;
    let submitters: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT r.submitter FROM reports r JOIN members m ON m.id = r.submitter \
         WHERE r.case_id = $1 AND m.status = 'approved' ORDER BY r.submitter",
    )
    .bind(&case_id)
    .fetch_all(&state.db)
    .await?;
    recipients.extend(submitters.into_iter().map(|id| id as u64));
    recipients.sort_unstable();
    recipients.dedup();
    let placed = Placed {
        // The case's stored title came from a report that not every recipient of
        // the feedback was allowed to read: name the case by its id only.
        title: format!("Feedback ({}) on case {case_id}", kind.replace('_', " ")),
        body: comment.clone(),
        tag: "feedback",
        tlp: Tlp::Red,
        named_recipients: recipients,
    };
    // The plugin is not told who gave the feedback: recipients never learn it, so
    // a plugin must not be able to encode it in what they observe (the delay).
    // The giver's contribution is counted from the feedback table instead.
    let author = placement::secretariat_seat(&state.db, &case.community).await?;
    let committed = placement::submit(&state.pipeline, &case, author, placed).await?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feedback (member_id, case_id, report_id, kind, comment, delivered_as, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(seat.member_id)
    .bind(&case_id)
    .bind(report.as_deref())
    .bind(&kind)
    .bind(&comment)
    .bind(&committed.report_id)
    .bind(store::now())
    .fetch_one(&mut *tx)
    .await?;
    store::audit(
        &mut tx,
        &principal.actor(),
        "feedback.give",
        &case_id,
        &kind,
    )
    .await?;
    tx.commit().await?;
    let status = super::reports::created_or_quarantined(&committed);
    Ok((
        status,
        Json(Given {
            feedback_id: id,
            case_id,
            kind,
            delivered_as: committed.report_id,
            status: committed.status,
            deliveries: committed.deliveries,
        }),
    ))
}

/// The caller's own give-and-take counts (reports, confirmed, feedback,
/// countermeasures; 90 days and total), as plugins get them.
///
/// A member.
#[utoipa::path(get, path = "/contribution", tag = "council",
    responses((status = 200, body = OwnContribution)))]
async fn own_contribution(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<OwnContribution>, ApiError> {
    let seat = principal.seat()?;
    let contribution = contribution::of_member(&state.db, seat.member_id, store::now()).await?;
    Ok(Json(OwnContribution {
        member_id: seat.member_id,
        contribution,
    }))
}
