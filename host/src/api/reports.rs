//! Report submission: validated field by field, decided by the community's plugin
//! under the host's guardrails, and stored with its views and deliveries in one
//! transaction. A plugin fault quarantines the report (202): kept, never delivered.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use time::OffsetDateTime;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Path;
use super::{ApiError, AppState, JSON_LIMIT, Principal, Seat, raw_body, require_json};
use crate::intake::{self, FieldError, Submission, ValidSubmission};
use crate::model::{Report, ReportStatus};
use crate::pipeline::{Committed, PipelineError, PlanError};
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(submit))
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::invalid(e.field, e.message)
    }
}

impl From<PipelineError> for ApiError {
    fn from(e: PipelineError) -> Self {
        match e {
            PipelineError::Database(e) | PipelineError::Plan(PlanError::Database(e)) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Submits a report: decided by the community's policy plugin under the host's
/// guardrails and delivered (201), or quarantined when the plugin faults (202).
///
/// A member of that community.
#[utoipa::path(post, path = "/communities/{id}/reports", tag = "reports",
    params(("id" = String, Path, description = "the community")),
    request_body = Submission,
    responses(
        (status = 201, body = Committed, description = "decided and delivered"),
        (status = 202, body = Committed, description = "quarantined"),
    ))]
async fn submit(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Committed>), ApiError> {
    // A community that does not exist is 404 for everyone (which exist is public);
    // one that is not the caller's, 403.
    let seat = match principal.seat() {
        Ok(seat) if seat.community_id == community => seat,
        _ => {
            super::community_exists(&state.db, &community).await?;
            return Err(ApiError::Forbidden);
        }
    };
    let bytes = raw_body(body, JSON_LIMIT)?;
    require_json(&headers)?;
    let submission = intake::parse(&bytes)
        .and_then(intake::validate)
        .inspect_err(|_| crate::telemetry::refused(&community))?;
    let committed = decide(&state, seat, community, submission).await?;
    let status = created_or_quarantined(&committed);
    Ok((status, Json(committed)))
}

/// 201 for a report decided and delivered, 202 for one quarantined.
pub(super) fn created_or_quarantined(committed: &Committed) -> StatusCode {
    if committed.status == ReportStatus::Quarantined {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    }
}

/// Decides and stores a validated submission from `seat` in `community`.
pub(crate) async fn decide(
    state: &AppState,
    seat: &Seat,
    community: String,
    submission: ValidSubmission,
) -> Result<Committed, ApiError> {
    let submission = submission.into_inner();
    // A report reaches only the community it is submitted to, so a recipient
    // named elsewhere would silently get nothing: refuse it instead.
    for (index, recipient) in submission.named_recipients.iter().enumerate() {
        let approved: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM members WHERE id = $1 AND community_id = $2 AND status = 'approved'",
        )
        .bind(*recipient as i64)
        .bind(&community)
        .fetch_optional(&state.db)
        .await?;
        if approved.is_none() {
            return Err(ApiError::invalid(
                format!("named_recipients[{index}]"),
                "not an approved member of this community",
            ));
        }
    }
    let report = new_report(seat, community, submission);
    Ok(state.pipeline.submit(report).await?)
}

/// A new report from `seat`, submitted now to `community`.
pub(crate) fn new_report(seat: &Seat, community: String, submission: Submission) -> Report {
    let submitted_at =
        OffsetDateTime::from_unix_timestamp(store::now()).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Report {
        id: store::new_report_id(submitted_at),
        community,
        submitter: seat.member_id as u64,
        submitter_organisation: seat.organisation_id as u64,
        submitter_kind: Default::default(),
        submitter_sector: Default::default(),
        submitted_at,
        title: submission.title,
        body: submission.body,
        tlp: submission.tlp,
        confidence: submission.confidence,
        indicators: submission.indicators,
        tags: submission.tags,
        victim: submission.victim,
        named_recipients: submission.named_recipients,
        provenance: Vec::new(),
    }
}
