//! Closing a session: at the first look after its closing time, the host counts
//! each item's votes (one per organisation), decides it under the session's
//! rules, applies a passed change of required approvals, and writes the results
//! to the audit chain. The tally is reproducible from the chain: each
//! organisation's last `assembly.vote` entry per item is its vote, counted if
//! the organisation is still a member at closing (`member.*` entries say).

use sqlx::{AnyConnection, Row};

use super::{ItemKind, Outcome, Rules, Tally};
use crate::council::CouncilError;
use crate::model::Stored as _;
use crate::{registry, store};

/// Closes `session` if its closing time has come and it is not closed yet.
pub async fn close_if_due(
    conn: &mut AnyConnection,
    session: &str,
    now: i64,
) -> Result<(), CouncilError> {
    let due: Option<String> = sqlx::query_scalar(
        "SELECT community_id FROM assembly_sessions \
         WHERE id = $1 AND closed_at IS NULL AND closes_at <= $2",
    )
    .bind(session)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if due.is_none() {
        return Ok(());
    }
    let mut tx = store::begin_write(conn).await?;
    let row = sqlx::query(
        "SELECT community_id, quorum_percent, majority_percent FROM assembly_sessions \
         WHERE id = $1 AND closed_at IS NULL",
    )
    .bind(session)
    .fetch_optional(&mut *tx)
    .await?;
    // Another request closed it meanwhile.
    let Some(row) = row else { return Ok(()) };
    let community: String = row.try_get(0)?;
    let rules = Rules {
        quorum_percent: row.try_get(1)?,
        majority_percent: row.try_get(2)?,
    };
    let eligible: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT organisation_id) FROM members \
         WHERE community_id = $1 AND status = 'approved'",
    )
    .bind(&community)
    .fetch_one(&mut *tx)
    .await?;
    let items = sqlx::query(
        "SELECT id, kind, required_approvals FROM assembly_items WHERE session_id = $1 ORDER BY position",
    )
    .bind(session)
    .fetch_all(&mut *tx)
    .await?;
    let mut results = Vec::new();
    for item in &items {
        let id: String = item.try_get(0)?;
        let tally = tally(&mut tx, &community, &id).await?;
        let outcome = tally.outcome(rules, eligible);
        sqlx::query(
            "UPDATE assembly_items SET outcome = $1, votes_yes = $2, votes_no = $3, \
             votes_abstain = $4 WHERE id = $5",
        )
        .bind(outcome.as_str())
        .bind(tally.yes)
        .bind(tally.no)
        .bind(tally.abstain)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let kind = ItemKind::parse(item.try_get(1)?).map_err(|e| sqlx::Error::Decode(e.into()))?;
        if kind == ItemKind::RequiredApprovals && outcome == Outcome::Passed {
            let required: i64 = item.try_get(2)?;
            let actor = format!("assembly:{session}");
            registry::set_required_approvals(&mut tx, &community, required, &actor)
                .await
                .map_err(|e| CouncilError::Conflict(e.to_string()))?;
        }
        results.push(serde_json::json!({
            "item": id, "outcome": outcome.as_str(),
            "yes": tally.yes, "no": tally.no, "abstain": tally.abstain,
        }));
    }
    sqlx::query("UPDATE assembly_sessions SET closed_at = $1, eligible = $2 WHERE id = $3")
        .bind(now)
        .bind(eligible)
        .bind(session)
        .execute(&mut *tx)
        .await?;
    let detail = serde_json::json!({"eligible": eligible, "items": results}).to_string();
    store::audit(&mut tx, "assembly", "assembly.close", session, &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The votes cast on an item, one per organisation, by the organisations that
/// are members at closing: an organisation expelled or suspended since it
/// voted is no longer counted, as it is not counted among the eligible.
async fn tally(
    conn: &mut AnyConnection,
    community: &str,
    item: &str,
) -> Result<Tally, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT v.choice, COUNT(*) FROM assembly_votes v JOIN members m \
         ON m.organisation_id = v.organisation_id AND m.community_id = $2 AND m.status = 'approved' \
         WHERE v.item_id = $1 GROUP BY v.choice",
    )
    .bind(item)
    .bind(community)
    .fetch_all(conn)
    .await?;
    let mut tally = Tally {
        yes: 0,
        no: 0,
        abstain: 0,
    };
    for row in rows {
        let count: i64 = row.try_get(1)?;
        match row.try_get::<String, _>(0)?.as_str() {
            "yes" => tally.yes = count,
            "no" => tally.no = count,
            _ => tally.abstain = count,
        }
    }
    Ok(tally)
}
