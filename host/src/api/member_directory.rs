//! `GET /communities/{id}/members`: who is in a community, so member ids (for
//! TLP:RED's named recipients, for explain, for membership decisions) can be
//! found without guessing. Its operators, the steering committee and the
//! secretariat see every seat with its organisation's kind and sector, its
//! class and its status; a member of the community sees the approved members'
//! organisations only; anyone else is refused.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::Path;
use super::{ApiError, AppState, Principal};
use crate::model::MemberStatus;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(directory))
}

#[derive(Debug, Serialize, ToSchema)]
struct Directory {
    community: String,
    members: Vec<Entry>,
}

/// One seat. What only the community's staff see is left out for a member.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DirectoryEntry)]
struct Entry {
    id: i64,
    organisation: String,
    /// The rest, for staff only.
    #[serde(flatten)]
    #[schema(inline)]
    seat: Option<Seat>,
}

/// A seat as stored.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: i64,
    organisation: String,
    #[sqlx(flatten)]
    seat: Seat,
}

/// The fields of a seat that staff see; left out for a member (so each is
/// optional in the document).
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
#[schema(as = DirectorySeat)]
struct Seat {
    #[schema(required = false)]
    kind: String,
    #[schema(required = false)]
    sector: String,
    #[schema(required = false)]
    class: String,
    #[schema(required = false)]
    #[sqlx(try_from = "String")]
    status: MemberStatus,
    /// Since when it has been a member of the community.
    #[schema(required = false)]
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    since: i64,
}

/// The community's members: every seat for staff, the approved members' `id` and
/// `organisation` only for a member (to name TLP:RED recipients).
///
/// The community's operator, the steering committee, the secretariat, and the
/// community's members.
#[utoipa::path(get, path = "/communities/{id}/members", tag = "membership",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = Directory)))]
async fn directory(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
) -> Result<Json<Directory>, ApiError> {
    let staff = match &principal {
        Principal::Member(seat) if seat.community_id == community => false,
        Principal::SteeringCommittee => true,
        other if other.operates(&community) => true,
        _ => return Err(ApiError::Forbidden),
    };
    super::community_exists(&state.db, &community).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT m.id, o.name AS organisation, o.kind, o.sector, m.class, m.status, \
                m.created_at AS since \
         FROM members m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.community_id = $1 ORDER BY o.name, m.id",
    )
    .bind(&community)
    .fetch_all(&state.db)
    .await?;
    let members = rows
        .into_iter()
        .filter(|row| staff || row.seat.status == MemberStatus::Approved)
        .map(|row| Entry {
            id: row.id,
            organisation: row.organisation,
            seat: staff.then_some(row.seat),
        })
        .collect();
    Ok(Json(Directory { community, members }))
}
