//! What the inbox stream sends besides deliveries: the audit chain's newest
//! signed checkpoint, and the requests for information the member has not
//! responded to (again when the requester reminds). Neither carries a view, so
//! neither is audit-logged as a read.

use std::collections::HashMap;

use sqlx::AnyPool;

use crate::council::info_request::notice::pending_notices;
use crate::store;

/// The events due on a member's stream, as (event name, JSON data): the newest
/// checkpoint if newer than `checkpoint_sent`, and each pending request not
/// sent yet at its current `sent_at` (recorded in `requests_sent`).
pub(super) async fn due(
    db: &AnyPool,
    member: i64,
    checkpoint_sent: &mut i64,
    requests_sent: &mut HashMap<String, i64>,
) -> Result<Vec<(&'static str, String)>, sqlx::Error> {
    let mut events = Vec::new();
    if let Some(checkpoint) = store::checkpoint::newest(db, *checkpoint_sent, 1)
        .await?
        .first()
    {
        *checkpoint_sent = checkpoint.length;
        events.extend(
            serde_json::to_string(checkpoint)
                .ok()
                .map(|d| ("checkpoint", d)),
        );
    }
    for notice in pending_notices(db, member).await? {
        if requests_sent.get(&notice.request_id) == Some(&notice.sent_at) {
            continue;
        }
        requests_sent.insert(notice.request_id.clone(), notice.sent_at);
        events.extend(serde_json::to_string(&notice).ok().map(|d| ("request", d)));
    }
    Ok(events)
}
