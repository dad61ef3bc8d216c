//! A member organisation's vote on an item: one per organisation whatever its
//! seats or tokens (a second vote replaces the first), taken from opening until
//! closing, each one written to the audit chain.

use sqlx::{AnyConnection, Row};

use super::Choice;
use crate::api::Seat;
use crate::council::CouncilError;
use crate::model::Stored as _;
use crate::store;

/// Records `seat`'s organisation's `choice` on `item` of `session`. A session
/// of another community is not found.
pub async fn cast(
    conn: &mut AnyConnection,
    session: &str,
    item: &str,
    seat: &Seat,
    choice: Choice,
    now: i64,
) -> Result<(), CouncilError> {
    let mut tx = store::begin_write(conn).await?;
    let row = sqlx::query(
        "SELECT s.opens_at, s.closes_at FROM assembly_sessions s \
         JOIN assembly_items i ON i.session_id = s.id \
         WHERE s.id = $1 AND i.id = $2 AND s.community_id = $3",
    )
    .bind(session)
    .bind(item)
    .bind(&seat.community_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CouncilError::NotFound)?;
    let (opens_at, closes_at): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    if now < opens_at {
        return Err(CouncilError::Conflict(
            "the session is not open for votes yet".into(),
        ));
    }
    if now >= closes_at {
        return Err(CouncilError::Conflict("the session is closed".into()));
    }
    sqlx::query(
        "INSERT INTO assembly_votes (item_id, organisation_id, choice, member_id, at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (item_id, organisation_id) \
         DO UPDATE SET choice = $3, member_id = $4, at = $5",
    )
    .bind(item)
    .bind(seat.organisation_id)
    .bind(choice.as_str())
    .bind(seat.member_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let actor = format!("member:{}", seat.member_id);
    let object = format!("{session}/{item}");
    let detail = format!("organisation {} {}", seat.organisation_id, choice.as_str());
    store::audit(&mut tx, &actor, "assembly.vote", &object, &detail).await?;
    tx.commit().await?;
    Ok(())
}
