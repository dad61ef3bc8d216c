//! The audit of responses that carry view content in bulk (`GET /inbox`,
//! `GET /inbox/stix`, `GET /cases`, TAXII objects, manifest and get-by-id): one `views.read`
//! entry per response, naming the route as its object and listing the delivered
//! view ids it carried as a JSON array in its detail, so a member's reads can be
//! reconstructed from the chain. The entry is written before the response is
//! sent: if it cannot be written, the member gets a 500 and no content. A
//! response that carries no view (an empty page, or only the TLP marking
//! definitions and identities every member's collection starts with) discloses
//! nothing of a view and is not logged. Single reads (`GET /inbox/{id}`) log
//! `view.read` with the view as object.

use std::collections::BTreeSet;

use serde_json::json;
use sqlx::AnyPool;

use super::{ApiError, Seat};
use crate::store;

/// Logs that `views` were delivered to the member in one response through `route`.
pub async fn views_read(
    db: &AnyPool,
    seat: &Seat,
    route: &str,
    views: impl IntoIterator<Item = i64>,
) -> Result<(), ApiError> {
    let views: BTreeSet<i64> = views.into_iter().collect();
    if views.is_empty() {
        return Ok(());
    }
    let mut conn = db.acquire().await?;
    store::audit(
        &mut conn,
        &format!("member:{}", seat.member_id),
        "views.read",
        route,
        &json!(views).to_string(),
    )
    .await?;
    Ok(())
}
