//! Deliveries as stored. The record is `views.recipients`, written with the
//! report in its transaction. The per-member `inbox` rows are an index of it,
//! written afterwards by [`index_pending`] for many commits at once: writing a
//! row per recipient in every group commit touched one index page per member of
//! the community per commit, which made the inbox, not the plugins, the limit
//! on ingest. The group commit indexes a few times a second instead.
//!
//! `inbox_indexed.last_view` says how far the index goes: views up to it are
//! found through `inbox`, later ones by reading their recipients directly.
//! View ids increase in commit order (one writer hands them out), so everything
//! up to the mark is indexed.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool, Row};

/// Index rows read per query while walking a member's inbox.
const ROWS_PER_QUERY: i64 = 64;

fn parse(ids: &str) -> impl Iterator<Item = i64> + '_ {
    ids.split(',').filter_map(|id| id.parse().ok())
}

/// How a view's recipients are stored: ascending ids, comma-separated.
pub fn recipients_text(members: &[u64]) -> String {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let ids: Vec<String> = sorted.iter().map(u64::to_string).collect();
    ids.join(",")
}

/// The last view id covered by the `inbox` index.
async fn indexed_up_to(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT last_view FROM inbox_indexed WHERE id = 1")
        .fetch_one(conn)
        .await
}

/// Indexes views committed since the last pass, in the caller's write
/// transaction; returns how many were indexed.
pub async fn index_pending(conn: &mut AnyConnection) -> Result<usize, sqlx::Error> {
    let mark = indexed_up_to(conn).await?;
    let views = sqlx::query("SELECT id, recipients FROM views WHERE id > $1 ORDER BY id")
        .bind(mark)
        .fetch_all(&mut *conn)
        .await?;
    let Some(last) = views.last() else {
        return Ok(0);
    };
    let last: i64 = last.try_get(0)?;
    let mut by_member: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for view in &views {
        let id: i64 = view.try_get(0)?;
        let recipients: String = view.try_get(1)?;
        for member in parse(&recipients) {
            by_member.entry(member).or_default().push(id);
        }
    }
    let rows: Vec<(i64, i64, i64, String)> = by_member
        .into_iter()
        .map(|(member, views)| {
            let ids: Vec<String> = views.iter().map(i64::to_string).collect();
            (member, views[0], views[views.len() - 1], ids.join(","))
        })
        .collect();
    super::bulk::insert(
        conn,
        "INSERT INTO inbox (member_id, first_view, last_view, view_ids)",
        "",
        4,
        &rows,
        |query, (member, first, last, ids)| {
            query
                .bind(*member)
                .bind(*first)
                .bind(*last)
                .bind(ids.as_str())
        },
    )
    .await?;
    sqlx::query("UPDATE inbox_indexed SET last_view = $1 WHERE id = 1")
        .bind(last)
        .execute(&mut *conn)
        .await?;
    Ok(views.len())
}

/// Up to `max` ids of views delivered to `member` after view `after`, ascending.
pub async fn views_after(
    db: &AnyPool,
    member: i64,
    after: i64,
    max: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    // Read the mark first: index rows past it are ignored and their views found
    // among the unindexed ones instead, so a pass finishing meanwhile changes nothing.
    let mark = indexed_up_to(&mut conn).await?;
    let mut found = Vec::new();
    let mut from = i64::MIN;
    while found.len() < max && after < mark {
        let rows = sqlx::query(
            "SELECT first_view, view_ids FROM inbox WHERE member_id = $1 AND last_view > $2 AND first_view > $3 \
             AND first_view <= $4 ORDER BY first_view LIMIT $5",
        )
        .bind(member)
        .bind(after)
        .bind(from)
        .bind(mark)
        .bind(ROWS_PER_QUERY)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            from = row.try_get(0)?;
            let ids: String = row.try_get(1)?;
            found.extend(parse(&ids).filter(|&id| id > after && id <= mark));
        }
        if (rows.len() as i64) < ROWS_PER_QUERY {
            break;
        }
    }
    if found.len() < max {
        let member = member.to_string();
        let unindexed = sqlx::query("SELECT id, recipients FROM views WHERE id > $1 ORDER BY id")
            .bind(after.max(mark))
            .fetch_all(&mut *conn)
            .await?;
        for view in &unindexed {
            let recipients: String = view.try_get(1)?;
            if recipients.split(',').any(|id| id == member) {
                found.push(view.try_get(0)?);
            }
        }
    }
    found.truncate(max);
    Ok(found)
}

/// Whether view `view` was delivered to `member`.
pub async fn has_view(db: &AnyPool, member: i64, view: i64) -> Result<bool, sqlx::Error> {
    let recipients: Option<String> =
        sqlx::query_scalar("SELECT recipients FROM views WHERE id = $1")
            .bind(view)
            .fetch_optional(db)
            .await?;
    Ok(recipients.is_some_and(|r| parse(&r).any(|id| id == member)))
}
