//! Countermeasure information: task-force class 1 members (on cases they received)
//! and the secretariat write it for a case and publish it, `public` (the
//! unauthenticated feed, JSON and Atom) or `limited` (chosen communities or
//! members). Every write and publication is audit-logged and counted.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, Path};
use super::feedback::received_in_case;
use super::public_feed::Publications;
use super::{ApiError, AppState, Principal, TitledText, titled_text};
use crate::council::placement;
use crate::council::publication::{self, Audience, Countermeasure};
use crate::model::MemberClass;
use crate::store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write))
        .routes(routes!(publish))
        .routes(routes!(for_member))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PublicationBody {
    /// `public` or `limited`.
    scope: String,
    /// `limited`: the communities whose members may read it.
    #[serde(default)]
    communities: Vec<String>,
    /// `limited`: the members who may read it.
    #[serde(default)]
    members: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Written {
    id: String,
    case_id: String,
    title: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Published {
    id: i64,
    countermeasure_id: String,
    scope: String,
    /// How many members it reaches (`limited`).
    recipients: usize,
}

/// The author's member id (None for the secretariat), if the caller may write
/// countermeasure information for a case in `community`.
async fn author(
    state: &AppState,
    principal: &Principal,
    community: &str,
    case: &str,
) -> Result<Option<i64>, ApiError> {
    match principal {
        Principal::Secretariat => Ok(None),
        Principal::Member(seat)
            if seat.community_id == community && seat.class == MemberClass::TaskForceClass1 =>
        {
            if received_in_case(&state.db, seat, case).await?.is_empty() {
                return Err(ApiError::NotFound);
            }
            Ok(Some(seat.member_id))
        }
        _ => Err(ApiError::Forbidden),
    }
}

/// Writes countermeasure information for a case (audit-logged).
///
/// A class 1 member of the case's community who received it, the secretariat.
#[utoipa::path(post, path = "/cases/{id}/countermeasures", operation_id = "write_countermeasure", tag = "council",
    params(("id" = String, Path, description = "the case")),
    request_body = TitledText,
    responses((status = 201, body = Written)))]
async fn write(
    State(state): State<AppState>,
    principal: Principal,
    Path(case_id): Path<String>,
    body: Result<ApiJson<TitledText>, ApiError>,
) -> Result<(StatusCode, Json<Written>), ApiError> {
    let case = placement::load_case(&state.db, &case_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let author_member = author(&state, &principal, &case.community, &case_id).await?;
    let ApiJson(TitledText { title, body }) = body?;
    let title = titled_text(&title, &body)?;
    let actor = principal.actor();
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let countermeasure = Countermeasure {
        case_id: &case_id,
        community: &case.community,
        author: &actor,
        author_member,
        title: &title,
        body: &body,
    };
    let id = publication::write(&mut tx, &countermeasure).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Written { id, case_id, title })))
}

/// Publishes countermeasure information: `public` (the unauthenticated feed)
/// or `limited` (chosen communities and members). Counted and audit-logged.
///
/// The class 1 member who may write it (one that received the case), the secretariat.
#[utoipa::path(post, path = "/countermeasures/{id}/publications", tag = "council",
    params(("id" = String, Path, description = "the countermeasure information")),
    request_body = PublicationBody,
    responses((status = 201, body = Published)))]
async fn publish(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<ApiJson<PublicationBody>, ApiError>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT case_id, community_id FROM countermeasures WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db)
            .await?;
    let (case_id, community) = found.ok_or(ApiError::NotFound)?;
    author(&state, &principal, &community, &case_id).await?;
    let ApiJson(PublicationBody {
        scope,
        communities,
        members,
    }) = body?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let recipients = match scope.as_str() {
        "public" if !(communities.is_empty() && members.is_empty()) => {
            return Err(ApiError::invalid(
                "communities",
                "a public publication has no recipients",
            ));
        }
        "public" if publication::is_public(&mut tx, &id).await? => {
            return Err(ApiError::Conflict(
                "this countermeasure is public already".into(),
            ));
        }
        "public" => Default::default(),
        "limited" => {
            let audience = Audience {
                communities,
                members,
            };
            publication::resolve(&mut tx, &audience).await?
        }
        _ => return Err(ApiError::invalid("scope", "public or limited")),
    };
    let actor = principal.actor();
    let publication_id =
        publication::publish(&mut tx, &id, &community, &scope, &recipients, &actor).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Published {
            id: publication_id,
            countermeasure_id: id,
            scope,
            recipients: recipients.len(),
        }),
    ))
}

/// The publications the caller may read: public ones and those limited to its
/// community or to it.
///
/// A member.
#[utoipa::path(get, path = "/publications", tag = "council",
    responses((status = 200, body = Publications)))]
pub(crate) async fn for_member(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Publications>, ApiError> {
    let seat = principal.seat()?;
    let publications = publication::for_member(&state.db, seat.member_id).await?;
    Ok(Json(Publications { publications }))
}
