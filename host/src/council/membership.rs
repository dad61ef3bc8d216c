//! How many members a community had at given moments, from the membership events
//! (a member counts from its approval until it is expelled; a suspended member is
//! still a member). Members seeded as approved without events count from creation.

use std::collections::HashMap;

use sqlx::{AnyPool, Row};

use super::FiscalYear;

/// Statuses in which an organisation is a member of the community.
const MEMBER_STATUSES: &[&str] = &["approved", "suspended"];
/// The events with which an applicant's history starts.
const ADMISSION: &[&str] = &["applied", "approved"];
/// How a class change's event begins (`class:task_force_class1`).
pub const CLASS_CHANGE: &str = "class:";

/// The number of members at each moment of `moments` (Unix seconds), in order.
pub async fn members_at(
    db: &AnyPool,
    community: &str,
    moments: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    if moments.is_empty() {
        return Ok(Vec::new());
    }
    let members = sqlx::query(
        "SELECT id, status, created_at FROM members WHERE community_id = $1 AND status <> 'system'",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    let events = sqlx::query(
        "SELECT e.member_id, e.event, e.at FROM membership_events e JOIN members m ON m.id = e.member_id \
         WHERE m.community_id = $1 ORDER BY e.at, e.id",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    // Each member's status changes in time order. A class change is an event too
    // (`class:…`) but leaves the status as it was, so it is not one of them.
    let mut history: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for row in &events {
        let event: String = row.try_get(1)?;
        if event.starts_with(CLASS_CHANGE) {
            continue;
        }
        history
            .entry(row.try_get(0)?)
            .or_default()
            .push((row.try_get(2)?, event));
    }
    // Members seeded without an application have no event until their first
    // change: they count from creation, as approved until a later event says
    // otherwise (or as their status says, with no event at all).
    for row in &members {
        let id: i64 = row.try_get(0)?;
        let created_at: i64 = row.try_get(2)?;
        let changes = history.entry(id).or_default();
        match changes.first() {
            None => changes.push((created_at, row.try_get(1)?)),
            Some((_, first)) if !ADMISSION.contains(&first.as_str()) => {
                changes.insert(0, (created_at, "approved".to_string()))
            }
            Some(_) => {}
        }
    }
    Ok(moments
        .iter()
        .map(|&moment| {
            history
                .values()
                .filter(|changes| {
                    changes
                        .iter()
                        .take_while(|(at, _)| *at <= moment)
                        .last()
                        .is_some_and(|(_, status)| MEMBER_STATUSES.contains(&status.as_str()))
                })
                .count() as i64
        })
        .collect())
}

/// The end of every fiscal year from the one of the community's first member up
/// to `last` (at most the last 50): the default membership series.
pub async fn fiscal_year_ends(
    db: &AnyPool,
    community: &str,
    last: FiscalYear,
) -> Result<Vec<i64>, sqlx::Error> {
    let first: Option<i64> =
        sqlx::query_scalar("SELECT MIN(created_at) FROM members WHERE community_id = $1")
            .bind(community)
            .fetch_one(db)
            .await?;
    let first = first.map_or(last, FiscalYear::containing).min(last);
    let mut ends = Vec::new();
    let mut year = last;
    while year >= first && ends.len() < 50 {
        ends.push(year.end() - 1);
        year = year.previous();
    }
    ends.reverse();
    Ok(ends)
}
