//! Task-force channel: class 1 and class 2 members exchange unconfirmed analysis
//! notes on a case they received. A note is placed on the case and routed by the
//! community's plugin like a report, as TLP:RED to the community's task force, so
//! the host's ceiling keeps it there whatever the plugin answers.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::Path;
use super::feedback::received_in_case;
use super::{ApiError, AppState, Principal, json_body, titled_text};
use crate::council::placement::{self, Author, Placed};
use crate::model::{MemberClass, Tlp};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new().route("/cases/{id}/notes", post(write))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    title: String,
    body: String,
}

async fn write(
    State(state): State<AppState>,
    principal: Principal,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    let NoteBody { title, body } = json_body(&headers, body)?;
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
    let status = if committed.status == "quarantined" {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    let body = serde_json::to_value(&committed).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((status, Json(json!({ "note": body }))))
}
