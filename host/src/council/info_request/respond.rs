//! A recipient's response: an answer (a report it submitted, linked here) or a
//! decline with a reason. One response per recipient; a late one is accepted
//! and shown as late.

use sqlx::AnyConnection;

use super::Response;
use crate::council::CouncilError;
use crate::model::Stored as _;
use crate::store;

/// The community of `request` if `member` is one of its recipients and has not
/// responded yet; not found for anyone else, a conflict once it responded.
pub async fn pending(
    conn: &mut AnyConnection,
    request: &str,
    member: i64,
) -> Result<String, CouncilError> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT q.community_id, r.status FROM info_requests q \
         JOIN info_request_recipients r ON r.request_id = q.id \
         WHERE q.id = $1 AND r.member_id = $2",
    )
    .bind(request)
    .bind(member)
    .fetch_optional(conn)
    .await?;
    match row {
        None => Err(CouncilError::NotFound),
        Some((community, status)) if status == Response::Pending.as_str() => Ok(community),
        Some((_, status)) => Err(CouncilError::Conflict(format!(
            "this request was {status} already"
        ))),
    }
}

/// Records `report` as `member`'s answer.
pub async fn record_answer(
    conn: &mut AnyConnection,
    request: &str,
    member: i64,
    report: &str,
    now: i64,
) -> Result<(), CouncilError> {
    respond(
        conn,
        request,
        member,
        Response::Answered,
        (Some(report), None),
        now,
    )
    .await
}

/// Records `member`'s decline and its reason.
pub async fn decline(
    conn: &mut AnyConnection,
    request: &str,
    member: i64,
    reason: &str,
    now: i64,
) -> Result<(), CouncilError> {
    let reason = match crate::text::one_line(reason) {
        Ok(reason) if reason.chars().count() <= 1000 => reason,
        _ => {
            return Err(CouncilError::invalid(
                "reason",
                "one line of 1 to 1000 characters",
            ));
        }
    };
    respond(
        conn,
        request,
        member,
        Response::Declined,
        (None, Some(reason)),
        now,
    )
    .await
}

async fn respond(
    conn: &mut AnyConnection,
    request: &str,
    member: i64,
    response: Response,
    (report, reason): (Option<&str>, Option<&str>),
    now: i64,
) -> Result<(), CouncilError> {
    let mut tx = store::begin_write(conn).await?;
    pending(&mut tx, request, member).await?;
    sqlx::query(
        "UPDATE info_request_recipients SET status = $1, report_id = $2, reason = $3, \
         responded_at = $4 WHERE request_id = $5 AND member_id = $6",
    )
    .bind(response.as_str())
    .bind(report)
    .bind(reason)
    .bind(now)
    .bind(request)
    .bind(member)
    .execute(&mut *tx)
    .await?;
    let action = format!("request.{}", response.as_str());
    let actor = format!("member:{member}");
    store::audit(
        &mut tx,
        &actor,
        &action,
        request,
        report.unwrap_or_default(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
