//! The demo server's clock (`isac-host demo --clock`): the secretariat moves it
//! forward so that deliveries a policy delays by hours arrive now. On any other
//! server the clock is real time and advancing it is refused.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use super::{ApiError, AppState, Principal};
use crate::store::{self, clock};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read, advance))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    /// How far to move the clock forward, e.g. `2h`, `30m`, `1day 6h`.
    advance: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Clock {
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    now: i64,
    /// How far ahead of real time the clock runs.
    ahead_seconds: i64,
    /// Whether the secretariat may advance it (a demo server started with `--clock`).
    adjustable: bool,
}

fn clock() -> Clock {
    Clock {
        now: clock::now_utc().unix_timestamp(),
        ahead_seconds: clock::offset(),
        adjustable: clock::is_adjustable(),
    }
}

fn secretariat_only(principal: &Principal) -> Result<(), ApiError> {
    match principal {
        Principal::Secretariat => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

/// The server's clock.
///
/// The secretariat.
#[utoipa::path(get, path = "/demo/clock", operation_id = "read_demo_clock", tag = "demo", responses((status = 200, body = Clock)))]
async fn read(principal: Principal) -> Result<Json<Clock>, ApiError> {
    secretariat_only(&principal)?;
    Ok(Json(clock()))
}

/// Moves the clock forward (audit-logged): deliveries whose delay has run out
/// by the new time arrive in inboxes and streams. 409 unless the server is a
/// demo started with `--clock`.
///
/// The secretariat.
#[utoipa::path(post, path = "/demo/clock", operation_id = "advance_demo_clock", tag = "demo", request_body = AdvanceBody,
    responses((status = 200, body = Clock)))]
async fn advance(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<ApiJson<AdvanceBody>, ApiError>,
) -> Result<Json<Clock>, ApiError> {
    secretariat_only(&principal)?;
    let ApiJson(AdvanceBody { advance }) = body?;
    let step = humantime::parse_duration(&advance)
        .map_err(|e| ApiError::invalid("advance", format!("a duration such as 2h: {e}")))?;
    let seconds = i64::try_from(step.as_secs()).unwrap_or(i64::MAX);
    let now = clock::advance(seconds).map_err(|e| match e {
        clock::ClockError::Fixed => ApiError::Conflict(e.to_string()),
        clock::ClockError::OutOfRange => ApiError::invalid("advance", e.to_string()),
    })?;
    let mut conn = state.db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let detail = format!("advanced by {seconds} s to {now}");
    store::audit(&mut tx, &principal.actor(), "demo.clock", "clock", &detail).await?;
    tx.commit().await?;
    Ok(Json(clock()))
}
