//! A session as its readers see it: the agenda, the rules, whether it is open,
//! and once closed each item's tally and outcome. A member also sees its own
//! organisation's votes, never another's (those are in the audit chain, which
//! only the secretariat reads).

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::{Choice, ItemKind, Outcome, Rules, Tally};
use crate::council::CouncilError;
use crate::model::Stored;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub id: String,
    pub community: String,
    pub title: String,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: i64,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: i64,
    pub rules: Rules,
    /// `upcoming`, `open` or `closed`.
    pub state: &'static str,
    /// Member organisations when it closed (the quorum's base); absent before.
    pub eligible: Option<i64>,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub kind: ItemKind,
    pub policy_version: Option<i64>,
    pub required_approvals: Option<i64>,
    /// After closing.
    pub outcome: Option<Outcome>,
    /// After closing.
    pub tally: Option<Tally>,
    /// The caller's organisation's vote, for a member.
    pub own_vote: Option<Choice>,
}

fn parse<T: Stored>(text: String) -> Result<T, sqlx::Error> {
    T::parse(text).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The sessions of `community`, newest first, as `organisation` (a member's)
/// or an officer (`None`) reads them.
pub async fn list(
    db: &AnyPool,
    community: &str,
    organisation: Option<i64>,
    now: i64,
) -> Result<Vec<Session>, CouncilError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM assembly_sessions WHERE community_id = $1 ORDER BY opens_at DESC, id",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    let mut sessions = Vec::with_capacity(ids.len());
    for id in ids {
        sessions.push(read(db, community, &id, organisation, now).await?);
    }
    Ok(sessions)
}

/// One session of `community` (closed first if its time has come).
pub async fn read(
    db: &AnyPool,
    community: &str,
    id: &str,
    organisation: Option<i64>,
    now: i64,
) -> Result<Session, CouncilError> {
    let mut conn = db.acquire().await?;
    let known: Option<String> =
        sqlx::query_scalar("SELECT id FROM assembly_sessions WHERE id = $1 AND community_id = $2")
            .bind(id)
            .bind(community)
            .fetch_optional(&mut *conn)
            .await?;
    if known.is_none() {
        return Err(CouncilError::NotFound);
    }
    super::close_if_due(&mut conn, id, now).await?;
    let row = sqlx::query(
        "SELECT title, opens_at, closes_at, quorum_percent, majority_percent, eligible, closed_at \
         FROM assembly_sessions WHERE id = $1 AND community_id = $2",
    )
    .bind(id)
    .bind(community)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CouncilError::NotFound)?;
    let (opens_at, closed_at): (i64, Option<i64>) = (row.try_get(1)?, row.try_get(6)?);
    let state = match (closed_at, now < opens_at) {
        (Some(_), _) => "closed",
        (None, true) => "upcoming",
        (None, false) => "open",
    };
    let items = sqlx::query(
        "SELECT i.id, i.title, i.kind, i.policy_version_id, i.required_approvals, i.outcome, \
         i.votes_yes, i.votes_no, i.votes_abstain, v.choice \
         FROM assembly_items i LEFT JOIN assembly_votes v \
         ON v.item_id = i.id AND v.organisation_id = $2 \
         WHERE i.session_id = $1 ORDER BY i.position",
    )
    .bind(id)
    .bind(organisation.unwrap_or(-1))
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| {
        let outcome: Option<String> = r.try_get(5)?;
        let tally = match (r.try_get(6)?, r.try_get(7)?, r.try_get(8)?) {
            (Some(yes), Some(no), Some(abstain)) => Some(Tally { yes, no, abstain }),
            _ => None,
        };
        Ok(Item {
            id: r.try_get(0)?,
            title: r.try_get(1)?,
            kind: parse(r.try_get(2)?)?,
            policy_version: r.try_get(3)?,
            required_approvals: r.try_get(4)?,
            outcome: outcome.map(parse).transpose()?,
            tally,
            own_vote: r.try_get::<Option<String>, _>(9)?.map(parse).transpose()?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(Session {
        id: id.to_string(),
        community: community.to_string(),
        title: row.try_get(0)?,
        opens_at,
        closes_at: row.try_get(2)?,
        rules: Rules {
            quorum_percent: row.try_get(3)?,
            majority_percent: row.try_get(4)?,
        },
        state,
        eligible: row.try_get(5)?,
        items,
    })
}
