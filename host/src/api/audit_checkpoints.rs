//! `GET /audit/checkpoints`: the signed checkpoints of the audit chain, for
//! every member to keep (they also arrive on the inbox stream). A holder runs
//! `isac-host audit verify --checkpoint FILE` to show the chain was not cut
//! short or rewritten after it. A checkpoint says how long the chain is and its
//! head hash, nothing of any entry's content.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, Principal};
use crate::store::{self, Checkpoint};

/// How many of the newest checkpoints one answer lists.
const LISTED: i64 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(checkpoints))
}

#[derive(Debug, Serialize, ToSchema)]
struct AuditCheckpoints {
    /// The ed25519 public key (hex) this host signs with now.
    public_key: String,
    /// The newest 100, newest first.
    checkpoints: Vec<Checkpoint>,
}

/// The audit chain's signed checkpoints, newest first, and the host's public key.
///
/// Any member, operator, the steering committee, the secretariat.
#[utoipa::path(get, path = "/audit/checkpoints", tag = "operations",
    responses((status = 200, body = AuditCheckpoints)))]
async fn checkpoints(
    State(state): State<AppState>,
    _principal: Principal,
) -> Result<Json<AuditCheckpoints>, ApiError> {
    let checkpoints = store::checkpoint::newest(&state.db, 0, LISTED).await?;
    Ok(Json(AuditCheckpoints {
        public_key: state.checkpoints.key.public_hex(),
        checkpoints,
    }))
}
