//! The order of each member's collection: its deliveries in the order they
//! became due, which is the order of the TAXII inbox collection and of
//! `GET /inbox`. Positions are Unix microseconds ("date added"), one per STIX
//! object, strictly increasing along a member's collection, so `next` tokens and
//! `added_after` are the same thing and walk it without skipping or repeating.
//!
//! [`order_pending`] appends to it inside a write transaction (one writer at a
//! time across every node, see `store::begin_write`), so a pass that hands out
//! later positions always commits after every pass that handed out earlier
//! ones: a reader that sees a position sees every position before it. A view
//! with a delay joins the order when the delay has run out, after everything
//! ordered before, so a client that walked past a point never misses it.
//! Readers see only what has been ordered; `lagging` tells them when a pass is
//! due, and they ask the group commit for one (`GroupCommit::flush`).

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool, Row};

use crate::stix::{Namespace, export};
use crate::store::bulk;
use crate::view::View;

/// Where a member's view sits in its collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub view: i64,
    /// The position (date added, Unix microseconds) of its first object.
    pub first: i64,
    /// Its number of objects: they sit at `first .. first + objects`.
    pub objects: i64,
}

impl Placed {
    pub fn last(&self) -> i64 {
        self.first + self.objects - 1
    }
}

/// Unix microseconds now.
fn now_micros() -> i64 {
    (super::clock::now_utc().unix_timestamp_nanos() / 1000) as i64
}

/// Orders the views that are due and not ordered yet, inside the caller's write
/// transaction; returns when the next delayed view falls due (Unix seconds).
pub async fn order_pending(conn: &mut AnyConnection) -> Result<Option<i64>, sqlx::Error> {
    let now = super::now();
    let mark = sqlx::query("SELECT last_view, last_added FROM collection_indexed WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let (last_view, last_added): (i64, i64) = (mark.try_get(0)?, mark.try_get(1)?);
    let columns = "id, available_at, recipients, content";
    let committed = sqlx::query(&format!(
        "SELECT {columns} FROM views WHERE id > $1 ORDER BY id"
    ))
    .bind(last_view)
    .fetch_all(&mut *conn)
    .await?;
    // Delayed views that fell due join after the newly committed ones, so the
    // order only ever grows at its end.
    let fell_due = sqlx::query(&format!(
        "SELECT {columns} FROM views WHERE available_at <= $1 \
         AND id IN (SELECT view_id FROM collection_pending) ORDER BY id"
    ))
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let namespace = Namespace::of(&mut *conn).await?;
    let mut due = Vec::new();
    let mut delayed: Vec<i64> = Vec::new();
    for (row, pending) in committed
        .iter()
        .map(|r| (r, false))
        .chain(fell_due.iter().map(|r| (r, true)))
    {
        let id: i64 = row.try_get(0)?;
        let available_at: i64 = row.try_get(1)?;
        if !pending && available_at > now {
            delayed.push(id);
            continue;
        }
        let recipients: String = row.try_get(2)?;
        let content: String = row.try_get(3)?;
        let view: View = serde_json::from_str(&content)
            .map_err(|e| sqlx::Error::Decode(format!("view {id}: {e}").into()))?;
        let ids = export::collection_object_ids(&namespace, id, &view);
        due.push((id, recipients, ids));
    }
    let added = now_micros().max(last_added + 1);
    let mut rows: BTreeMap<i64, (Vec<String>, i64)> = BTreeMap::new();
    for (view, recipients, ids) in &due {
        for member in recipients.split(',').filter_map(|m| m.parse::<i64>().ok()) {
            let (entries, count) = rows.entry(member).or_default();
            entries.push(format!("{view}:{}", ids.len()));
            *count += ids.len() as i64;
        }
    }
    let order: Vec<(i64, i64, String)> = rows
        .into_iter()
        .filter(|(_, (_, count))| *count > 0)
        .map(|(member, (entries, count))| (member, added + count - 1, entries.join(",")))
        .collect();
    super::bulk::insert(
        conn,
        "INSERT INTO collection_order (member_id, first_added, last_added, entries)",
        "",
        4,
        &order,
        |query, (member, last, entries)| {
            query
                .bind(*member)
                .bind(added)
                .bind(*last)
                .bind(entries.as_str())
        },
    )
    .await?;
    let objects: Vec<(String, i64, i64)> = due
        .iter()
        .flat_map(|(view, _, ids)| {
            ids.iter()
                .enumerate()
                .map(|(position, id)| (id.clone(), *view, position as i64))
        })
        .collect();
    super::bulk::insert(
        conn,
        "INSERT INTO stix_objects (object_id, view_id, position, added)",
        "",
        4,
        &objects,
        |query, (id, view, position)| {
            query
                .bind(id.as_str())
                .bind(*view)
                .bind(*position)
                .bind(added)
        },
    )
    .await?;
    super::bulk::insert(
        conn,
        "INSERT INTO collection_pending (view_id)",
        "",
        1,
        &delayed,
        |query, view| query.bind(*view),
    )
    .await?;
    let ordered: Vec<i64> = fell_due
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    for chunk in ordered.chunks(500) {
        let sql = format!(
            "DELETE FROM collection_pending WHERE view_id IN ({})",
            bulk::placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for view in chunk {
            query = query.bind(*view);
        }
        query.execute(&mut *conn).await?;
    }
    let last_added = order
        .iter()
        .map(|(_, last, _)| *last)
        .max()
        .unwrap_or(last_added);
    let last_view = committed
        .last()
        .map(|row| row.try_get(0))
        .transpose()?
        .unwrap_or(last_view);
    sqlx::query("UPDATE collection_indexed SET last_view = $1, last_added = $2 WHERE id = 1")
        .bind(last_view)
        .bind(last_added)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "SELECT MIN(available_at) FROM views WHERE id IN (SELECT view_id FROM collection_pending)",
    )
    .fetch_one(conn)
    .await
}

/// Whether views are committed or fell due that no pass has ordered yet.
pub async fn lagging(db: &AnyPool) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM views), \
           (SELECT last_view FROM collection_indexed WHERE id = 1), \
           (SELECT COUNT(*) FROM collection_pending p WHERE EXISTS \
              (SELECT 1 FROM views v WHERE v.id = p.view_id AND v.available_at <= $1))",
    )
    .bind(super::now())
    .fetch_one(db)
    .await?;
    let (committed, ordered, fell_due): (i64, i64, i64) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    Ok(committed > ordered || fell_due > 0)
}

/// Rows of the order read per query while walking a member's collection.
const ROWS_PER_QUERY: i64 = 32;

/// A member's views in collection order whose objects reach past position
/// `after`, calling `take` on each until it answers `false`.
pub async fn walk(
    db: &AnyPool,
    member: i64,
    after: i64,
    mut take: impl FnMut(Placed) -> bool,
) -> Result<(), sqlx::Error> {
    let mut from = after;
    loop {
        let rows = sqlx::query(
            "SELECT first_added, last_added, entries FROM collection_order \
             WHERE member_id = $1 AND last_added > $2 ORDER BY last_added LIMIT $3",
        )
        .bind(member)
        .bind(from)
        .bind(ROWS_PER_QUERY)
        .fetch_all(db)
        .await?;
        for row in &rows {
            for placed in entries(row.try_get(0)?, &row.try_get::<String, _>(2)?) {
                if placed.last() > after && !take(placed) {
                    return Ok(());
                }
            }
            from = row.try_get(1)?;
        }
        if (rows.len() as i64) < ROWS_PER_QUERY {
            return Ok(());
        }
    }
}

/// Where `view` sits in `member`'s collection, given the pass that ordered it
/// (`added`, from `stix_objects`); `None` if the member did not receive it.
pub async fn place(
    db: &AnyPool,
    member: i64,
    view: i64,
    added: i64,
) -> Result<Option<Placed>, sqlx::Error> {
    // The member's first row from that pass on: the pass's own, if it has one.
    let row = sqlx::query(
        "SELECT first_added, entries FROM collection_order WHERE member_id = $1 \
         AND last_added >= $2 ORDER BY last_added LIMIT 1",
    )
    .bind(member)
    .bind(added)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (first, text): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
    Ok((first == added)
        .then(|| entries(first, &text).find(|p| p.view == view))
        .flatten())
}

/// A row's views in order, placed from its first position.
fn entries(first: i64, text: &str) -> impl Iterator<Item = Placed> + '_ {
    let mut next = first;
    text.split(',').filter_map(move |entry| {
        let (view, objects) = entry.split_once(':')?;
        let placed = Placed {
            view: view.parse().ok()?,
            first: next,
            objects: objects.parse().ok()?,
        };
        next += placed.objects;
        Some(placed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rows_views_take_consecutive_positions() {
        let placed: Vec<Placed> = entries(100, "7:3,9:1,12:2").collect();
        let expected =
            [(7, 100, 3), (9, 103, 1), (12, 104, 2)].map(|(view, first, objects)| Placed {
                view,
                first,
                objects,
            });
        assert_eq!(placed, expected);
        assert_eq!(placed[2].last(), 105);
    }
}
