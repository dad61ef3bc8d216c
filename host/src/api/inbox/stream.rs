//! `GET /inbox/stream`: a member's deliveries as Server-Sent Events, as they
//! become due, for as long as the member stays approved. The stream checks the
//! member's standing before every batch it sends and is woken by every
//! membership change (made on this node or another), so suspension, expulsion
//! and token revocation end it at once. Every batch is audit-logged
//! (`views.read`, the view ids) before it is sent.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use sqlx::{AnyPool, Row};

use super::{ViewFilter, due_views, item, notices};
use crate::api::{ApiError, AppState, Principal, auth, read_audit};
use crate::store;

/// Events per audit entry, and between two checks of the member's standing.
const BATCH: usize = 100;

/// Deliveries whose delay ran out wake no one: look for them this often.
const POLL: Duration = Duration::from_secs(1);

/// Names the stream in the audit log, as the route other bulk reads name.
const AUDIT_OBJECT: &str = "inbox/stream";

/// New deliveries as they become due, as Server-Sent Events: `event: delivery`,
/// `id` the delivery id (send it back as `Last-Event-ID` to resume), data the
/// inbox item. Each batch is audit-logged; the stream ends when the member is
/// suspended or expelled. The audit chain's newest signed checkpoint comes on
/// connecting and each new one as it is signed: `event: checkpoint`, no `id`
/// (so it does not move the resume point), data as in `GET /audit/checkpoints`.
/// Each request for information the member has not responded to comes on
/// connecting, when sent, and when the requester reminds: `event: request`.
///
/// A member (its own deliveries).
#[utoipa::path(get, path = "/inbox/stream", tag = "inbox",
    params(("Last-Event-ID" = Option<i64>, Header, description = "the last delivery received")),
    responses((status = 200, content_type = "text/event-stream", body = String,
               description = "`delivery` events whose data is an inbox item (see `InboxItem`)")))]
pub(super) async fn stream(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let member = principal.seat()?.member_id;
    let token = auth::token_hash(&headers).ok_or(ApiError::Unauthorized)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    member_stream(state, token, member, resume).await
}

/// The stream of `member`'s deliveries for the holder of the token with hash
/// `token` (checked before every batch), resuming after delivery `resume`:
/// the API's stream and the console's (whose session stands for a token).
pub(crate) async fn member_stream(
    state: AppState,
    token: String,
    member: i64,
    resume: Option<i64>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let db = state.db.clone();
    // Everything delivered so far is either sent already (up to the last event the
    // client saw, or all of it) or still held back by a delay: keep the latter.
    let all = store::inbox::views_after(&db, member, 0, usize::MAX).await?;
    let due: HashSet<i64> = due_views(&db, &all, &ViewFilter::default())
        .await?
        .iter()
        .filter_map(|row| row.try_get::<i64, _>(0).ok())
        .collect();
    let mut scanned = resume.unwrap_or_else(|| all.last().copied().unwrap_or(0));
    let mut pending: BTreeSet<i64> = all
        .iter()
        .copied()
        .filter(|id| !due.contains(id) || *id > scanned)
        .collect();
    let mut deliveries = state.pipeline.deliveries.subscribe();
    let mut membership = state.pipeline.membership_watch();
    let mut stopping = state.pipeline.stopping();
    let open = crate::telemetry::OpenStream::new();
    let mut checkpoint_sent = 0;
    let mut requests_sent = HashMap::new();
    let events = async_stream::stream! {
        let _open = open;
        'serve: loop {
            // Woken by a membership change, the stream ends here if it was this member's.
            if !still_approved(&state, &token, member).await {
                break;
            }
            let rows = match due_rows(&db, member, &mut scanned, &mut pending).await {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::warn!(%error, member, "inbox stream ends: cannot read the inbox");
                    break;
                }
            };
            let items: Vec<(i64, String)> = rows
                .iter()
                .filter_map(|row| item(row).ok())
                .filter_map(|data| Some((data.delivery_id, serde_json::to_string(&data).ok()?)))
                .collect();
            for batch in items.chunks(BATCH) {
                // A delivery is sent only to a member approved at that moment.
                if !still_approved(&state, &token, member).await {
                    break 'serve;
                }
                let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
                if let Err(error) = read_audit::member_read(&db, member, AUDIT_OBJECT, ids).await {
                    tracing::warn!(%error, member, "inbox stream ends: cannot audit-log what it would send");
                    break 'serve;
                }
                for (id, data) in batch {
                    pending.remove(id);
                    yield Ok(Event::default().event("delivery").id(id.to_string()).data(data));
                }
            }
            let notices = match notices::due(&db, member, &mut checkpoint_sent, &mut requests_sent).await {
                Ok(notices) => notices,
                Err(error) => {
                    tracing::warn!(%error, member, "inbox stream ends: cannot read its notices");
                    break 'serve;
                }
            };
            for (event, data) in notices {
                yield Ok(Event::default().event(event).data(data));
            }
            tokio::select! {
                _ = deliveries.changed() => {}
                _ = membership.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = stopping.wait_for(|stopping| *stopping) => {
                    tracing::info!(member, "inbox stream ends: the server shuts down");
                    break 'serve;
                }
            }
        }
    };
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// The member's deliveries that are due now and not sent yet: the new ones
/// since `scanned` join `pending`, the ones still held back by a delay.
async fn due_rows(
    db: &AnyPool,
    member: i64,
    scanned: &mut i64,
    pending: &mut BTreeSet<i64>,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let new = store::inbox::views_after(db, member, *scanned, usize::MAX).await?;
    *scanned = new.last().copied().unwrap_or(*scanned);
    pending.extend(new);
    let ids: Vec<i64> = pending.iter().copied().collect();
    due_views(db, &ids, &ViewFilter::default()).await
}

/// Whether the stream's token still stands for its member, approved. Cached
/// per membership generation: between membership changes this is no query.
async fn still_approved(state: &AppState, token: &str, member: i64) -> bool {
    match auth::principal(state, token).await {
        Ok(Principal::Member(seat)) => seat.member_id == member,
        Ok(_) => false,
        Err(ApiError::Forbidden | ApiError::Unauthorized | ApiError::BadToken) => {
            tracing::info!(
                member,
                "inbox stream ends: the member is no longer approved"
            );
            false
        }
        Err(error) => {
            tracing::warn!(
                ?error,
                member,
                "inbox stream ends: cannot check the member's standing"
            );
            false
        }
    }
}
