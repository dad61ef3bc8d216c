//! Applications to join a community. Anyone may file one, a few per client
//! address (see [`RateLimit`]); it names an organisation but is linked to none.
//! The steering committee lists the pending ones, then approves one as a new
//! organisation, or linked to an organisation on record by its id (as MISP and
//! OpenCTI administrators assign a registration to an existing organisation or
//! create one), or refuses it. Filing answers the same whoever is already a
//! member, so an application reveals nothing about the membership.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::extract::{ApiJson, Path};
use super::members::record_event;
use super::{ApiError, AppState, Principal, line};
use crate::model::{self, OrganisationKind, Sector};
use crate::store;

/// How many applications one client address may file: `burst` at once, then one
/// more each `period`. Keyed by the peer address: behind a reverse proxy, every
/// client shares the proxy's quota (trusting a forwarded-for header would let
/// anyone pick a fresh key per request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub period: Duration,
}

impl Default for RateLimit {
    /// Five at once, then one a minute: an organisation applies once, so this
    /// leaves room for mistakes while keeping the queue readable for the committee.
    fn default() -> Self {
        RateLimit {
            burst: 5,
            period: Duration::from_secs(60),
        }
    }
}

pub fn router(limit: RateLimit) -> OpenApiRouter<AppState> {
    let config = GovernorConfigBuilder::default()
        .burst_size(limit.burst.max(1))
        .period(limit.period.max(Duration::from_millis(1)))
        .finish()
        .expect("burst and period are above zero");
    let governor = GovernorLayer::new(config).error_handler(too_many);
    OpenApiRouter::new()
        .routes(routes!(apply).map(|apply| apply.route_layer(governor)))
        .routes(routes!(list))
        .routes(routes!(decide))
}

/// The governor's refusal as our JSON error, with `Retry-After`.
fn too_many(error: GovernorError) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => ApiError::TooManyRequests {
            retry_after: wait_time.max(1),
        }
        .into_response(),
        other => ApiError::Internal(format!("rate limit: {other}")).into_response(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Organisation {
    name: String,
    kind: OrganisationKind,
    sector: Sector,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Application {
    organisation: Organisation,
}

#[derive(Debug, Serialize, ToSchema)]
struct Filed {
    application_id: String,
    /// Always `pending`.
    status: &'static str,
}

/// Files an application: 202 with its id, the same for every name.
///
/// Anyone, without a token: 5 per client address, then one a minute (429 with
/// `Retry-After`).
#[utoipa::path(post, path = "/communities/{id}/applications", tag = "membership", security(()),
    params(("id" = String, Path, description = "the community")),
    request_body = Application,
    responses(
        (status = 202, body = Filed),
        (status = 429, body = ErrorBody, description = "too many applications from this address",
         headers(("Retry-After" = u64, description = "seconds"))),
    ))]
async fn apply(
    State(state): State<AppState>,
    Path(community): Path<String>,
    ApiJson(Application { organisation }): ApiJson<Application>,
) -> Result<(StatusCode, Json<Filed>), ApiError> {
    let name = line("organisation.name", &organisation.name, 200)?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    super::community_exists(&mut *tx, &community).await?;
    let id = store::new_id("a");
    sqlx::query(
        "INSERT INTO applications (id, community_id, name, kind, sector, status, filed_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
    )
    .bind(&id)
    .bind(&community)
    .bind(&name)
    .bind(model::label_name(&organisation.kind))
    .bind(model::label_name(&organisation.sector))
    .bind(store::now())
    .execute(&mut *tx)
    .await?;
    let detail = format!("{community}: {name}");
    store::audit(&mut tx, "applicant", "application.file", &id, &detail).await?;
    tx.commit().await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Filed {
            application_id: id,
            status: "pending",
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Pending {
    id: String,
    name: String,
    kind: String,
    sector: String,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    filed_at: i64,
    /// The organisation on record with exactly this name, if any: the committee
    /// decides whether the applicant is that organisation.
    organisation_on_record: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PendingList {
    community: String,
    applications: Vec<Pending>,
}

/// The community's pending applications, oldest first.
///
/// The steering committee and the secretariat.
#[utoipa::path(get, path = "/communities/{id}/applications", operation_id = "list_applications", tag = "membership",
    params(("id" = String, Path, description = "the community")),
    responses((status = 200, body = PendingList)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(community): Path<String>,
) -> Result<Json<PendingList>, ApiError> {
    if !matches!(
        principal,
        Principal::SteeringCommittee | Principal::Secretariat
    ) {
        return Err(ApiError::Forbidden);
    }
    let mut conn = state.db.acquire().await?;
    super::community_exists(&mut *conn, &community).await?;
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.kind, a.sector, a.filed_at, o.id AS organisation \
         FROM applications a LEFT JOIN organisations o ON o.name = a.name \
         WHERE a.community_id = $1 AND a.status = 'pending' ORDER BY a.filed_at, a.id",
    )
    .bind(&community)
    .fetch_all(&mut *conn)
    .await?;
    let applications = rows
        .iter()
        .map(|r| {
            Ok(Pending {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                sector: r.try_get("sector")?,
                filed_at: r.try_get("filed_at")?,
                organisation_on_record: r.try_get("organisation")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(PendingList {
        community,
        applications,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decision {
    pub(crate) reason: String,
    /// Approval only: the organisation on record the applicant is. Without it,
    /// approval creates a new organisation with the applicant's name.
    #[serde(default)]
    pub(crate) organisation_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Decided {
    application_id: String,
    /// `approved` or `refused`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    member_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation_id: Option<i64>,
}

/// `approve` or `refuse` a pending application: approval creates a new
/// organisation, or with `organisation_id` makes the applicant a member of that
/// organisation on record (409 when the name is taken and no id is given).
///
/// The steering committee.
#[utoipa::path(post, path = "/applications/{id}/{decision}", tag = "membership",
    params(("id" = String, Path, description = "the application"), ("decision" = String, Path, pattern = "^(approve|refuse)$")),
    request_body = Decision,
    responses(
        (status = 200, body = Decided),
        (status = 409, body = ErrorBody, description = "already decided, or the name is taken"),
    ))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, decision)): Path<(String, String)>,
    body: Result<ApiJson<Decision>, ApiError>,
) -> Result<Json<Decided>, ApiError> {
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(ApiError::NotFound),
    };
    if principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden);
    }
    let ApiJson(Decision {
        reason,
        organisation_id,
    }) = body?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::invalid("reason", "must not be empty"));
    }
    if !approve && organisation_id.is_some() {
        return Err(ApiError::invalid(
            "organisation_id",
            "only an approval links an organisation",
        ));
    }
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let row = sqlx::query(
        "SELECT community_id, name, kind, sector, status FROM applications WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound)?;
    let status: String = row.try_get("status")?;
    if status != "pending" {
        return Err(ApiError::Conflict(format!(
            "application {id} is already {status}"
        )));
    }
    let actor = principal.actor();
    let (to, admitted) = if approve {
        let applicant = Applicant {
            id: &id,
            community: row.try_get("community_id")?,
            name: row.try_get("name")?,
            kind: row.try_get("kind")?,
            sector: row.try_get("sector")?,
        };
        let seat = admit(&mut tx, &applicant, organisation_id, &actor, reason).await?;
        ("approved", Some(seat))
    } else {
        ("refused", None)
    };
    sqlx::query(
        "UPDATE applications SET status = $1, member_id = $2, decided_by = $3, decided_at = $4, \
         reason = $5 WHERE id = $6",
    )
    .bind(to)
    .bind(admitted.map(|(member, _)| member))
    .bind(&actor)
    .bind(store::now())
    .bind(reason)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    store::audit(
        &mut tx,
        &actor,
        &format!("application.{decision}"),
        &id,
        reason,
    )
    .await?;
    tx.commit().await?;
    if admitted.is_some() {
        state.pipeline.membership_changed();
    }
    Ok(Json(Decided {
        application_id: id,
        status: to,
        member_id: admitted.map(|(member, _)| member),
        organisation_id: admitted.map(|(_, organisation)| organisation),
    }))
}

struct Applicant<'a> {
    id: &'a str,
    community: String,
    name: String,
    kind: String,
    sector: String,
}

/// Makes the applicant an approved member: of the organisation `linked` names,
/// or of a new organisation with its name. Returns (member, organisation).
async fn admit(
    conn: &mut AnyConnection,
    applicant: &Applicant<'_>,
    linked: Option<i64>,
    actor: &str,
    reason: &str,
) -> Result<(i64, i64), ApiError> {
    let organisation = match linked {
        Some(organisation) => {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
                    .bind(organisation)
                    .fetch_optional(&mut *conn)
                    .await?;
            known.ok_or_else(|| ApiError::invalid("organisation_id", "no such organisation"))?
        }
        None => new_organisation(conn, applicant).await?,
    };
    let member: Option<i64> = sqlx::query_scalar(
        "INSERT INTO members (organisation_id, community_id, class, status, created_at) \
         VALUES ($1, $2, 'general', 'approved', $3) \
         ON CONFLICT (organisation_id, community_id) DO NOTHING RETURNING id",
    )
    .bind(organisation)
    .bind(&applicant.community)
    .bind(store::now())
    .fetch_optional(&mut *conn)
    .await?;
    let member = member.ok_or_else(|| {
        ApiError::Conflict(format!(
            "organisation {organisation} already has a membership in {}",
            applicant.community
        ))
    })?;
    let filed = format!("application {}", applicant.id);
    record_event(conn, member, "applied", "applicant", &filed).await?;
    record_event(conn, member, "approved", actor, reason).await?;
    Ok((member, organisation))
}

/// A new organisation with the applicant's name; 409 naming the one on record
/// when the name is taken (only the committee sees this answer).
async fn new_organisation(
    conn: &mut AnyConnection,
    applicant: &Applicant<'_>,
) -> Result<i64, ApiError> {
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, sector, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(&applicant.name)
    .bind(&applicant.kind)
    .bind(&applicant.sector)
    .bind(store::now())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = created {
        return Ok(id);
    }
    let existing: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(&applicant.name)
        .fetch_one(&mut *conn)
        .await?;
    Err(ApiError::Conflict(format!(
        "an organisation named {} is on record (id {existing}): approve with \
         \"organisation_id\": {existing} if the applicant is that organisation, or refuse",
        applicant.name
    )))
}
