//! Deliveries as stored: per member, rows of view ids (see the `inbox` table).
//! Group commits are serialised and view ids increase, so rows ordered by their
//! first view id list a member's views in delivery order.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool, Row};

/// Rows read per query while walking a member's inbox.
const ROWS_PER_QUERY: i64 = 64;

fn parse(ids: &str) -> impl Iterator<Item = i64> + '_ {
    ids.split(',').filter_map(|id| id.parse().ok())
}

/// Records deliveries committed together: one row per member.
pub async fn record(
    conn: &mut AnyConnection,
    deliveries: &[(i64, i64)],
) -> Result<(), sqlx::Error> {
    let mut by_member: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for &(member, view) in deliveries {
        by_member.entry(member).or_default().push(view);
    }
    let rows: Vec<(i64, i64, i64, String)> = by_member
        .into_iter()
        .map(|(member, mut views)| {
            views.sort_unstable();
            views.dedup();
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
    .await
}

/// Up to `max` ids of views delivered to `member` after view `after`, ascending.
pub async fn views_after(
    db: &AnyPool,
    member: i64,
    after: i64,
    max: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut found = Vec::new();
    let mut from = i64::MIN;
    while found.len() < max {
        let rows = sqlx::query(
            "SELECT first_view, view_ids FROM inbox WHERE member_id = $1 AND last_view > $2 AND first_view > $3 \
             ORDER BY first_view LIMIT $4",
        )
        .bind(member)
        .bind(after)
        .bind(from)
        .bind(ROWS_PER_QUERY)
        .fetch_all(db)
        .await?;
        for row in &rows {
            from = row.try_get(0)?;
            let ids: String = row.try_get(1)?;
            found.extend(parse(&ids).filter(|&id| id > after));
        }
        if (rows.len() as i64) < ROWS_PER_QUERY {
            break;
        }
    }
    found.truncate(max);
    Ok(found)
}

/// Whether view `view` was delivered to `member`.
pub async fn has_view(db: &AnyPool, member: i64, view: i64) -> Result<bool, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT view_ids FROM inbox WHERE member_id = $1 AND first_view <= $2 AND last_view >= $2",
    )
    .bind(member)
    .bind(view)
    .fetch_all(db)
    .await?;
    for row in &rows {
        let ids: String = row.try_get(0)?;
        if parse(&ids).any(|id| id == view) {
            return Ok(true);
        }
    }
    Ok(false)
}
