//! A pending request as the inbox stream announces it to a recipient: the
//! officers' title and the dates, nothing of the case or of other recipients.

use serde::Serialize;
use sqlx::{AnyPool, Row};

/// A pending request as the inbox stream announces it to a recipient.
#[derive(Debug, Serialize)]
pub struct Notice {
    pub request_id: String,
    pub title: String,
    #[serde(with = "crate::model::unix_time")]
    pub due_at: i64,
    /// When it was sent, or last reminded of: a notice with a new `sent_at`
    /// is a reminder.
    #[serde(with = "crate::model::unix_time")]
    pub sent_at: i64,
}

/// The requests `member` has not responded to.
pub async fn pending_notices(db: &AnyPool, member: i64) -> Result<Vec<Notice>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT q.id, q.title, q.due_at, COALESCE(q.reminded_at, q.requested_at) \
         FROM info_requests q JOIN info_request_recipients r ON r.request_id = q.id \
         WHERE r.member_id = $1 AND r.status = 'pending' ORDER BY q.requested_at, q.id",
    )
    .bind(member)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notice {
                request_id: r.try_get(0)?,
                title: r.try_get(1)?,
                due_at: r.try_get(2)?,
                sent_at: r.try_get(3)?,
            })
        })
        .collect()
}
