//! Task-force channel: class 1 and class 2 members exchange unconfirmed analysis
//! notes on a case they received. A note is placed on the case and routed by the
//! community's plugin like a report, as TLP:RED to the community's task force, so
//! the host's ceiling keeps it there whatever the plugin answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path};
use super::feedback::received_in_case;
use super::{ApiError, AppState, Principal, TitledText, titled_text};
use crate::council::placement::{self, Author, Placed};
use crate::model::{MemberClass, Tlp};
use crate::pipeline::Committed;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(write))
}

#[derive(Debug, Serialize, ToSchema)]
struct Note {
    /// The report the note was placed on the case as.
    note: Committed,
}

/// An unconfirmed analysis note on a case, routed by the community's plugin as
/// TLP:RED to its task force (202 when the plugin's decision quarantined it).
///
/// A task-force member (class 1 or 2) of the case's community who received it.
#[utoipa::path(post, path = "/cases/{id}/notes", operation_id = "write_note", tag = "council",
    params(("id" = String, Path, description = "the case")),
    request_body = TitledText,
    responses((status = 201, body = Note), (status = 202, body = Note, description = "quarantined")))]
async fn write(
    State(state): State<AppState>,
    principal: Principal,
    Path(case_id): Path<String>,
    body: Result<ApiJson<TitledText>, ApiError>,
) -> Result<(StatusCode, Json<Note>), ApiError> {
    let seat = principal.seat()?;
    if seat.class == MemberClass::General {
        return Err(ApiError::Forbidden);
    }
    let case = placement::load_case(&state.db, &case_id)
        .await?
        .filter(|case| case.community == seat.community_id)
        .ok_or(ApiError::NotFound)?;
    if received_in_case(&state.db, seat, &case_id)
        .await?
        .is_empty()
    {
        return Err(ApiError::NotFound);
    }
    let ApiJson(TitledText { title, body }) = body?;
    let title = titled_text(&title, &body)?;
    let placed = Placed {
        title,
        body,
        tag: "analysis-note",
        tlp: Tlp::Red,
        named_recipients: placement::task_force(&state.db, &case.community).await?,
    };
    let author = Author {
        member: seat.member_id,
        organisation: seat.organisation_id,
    };
    let committed = placement::submit(&state.pipeline, &case, author, placed).await?;
    let mut conn = state.db.acquire().await?;
    store::audit(
        &mut conn,
        &principal.actor(),
        "note.write",
        &case_id,
        &committed.report_id,
    )
    .await?;
    let status = super::reports::created_or_quarantined(&committed);
    Ok((status, Json(Note { note: committed })))
}
