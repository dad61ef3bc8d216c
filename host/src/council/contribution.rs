//! Give-and-take: what each member contributed, from stored data. Reports
//! submitted (forwarded copies are not the member's own), reports that are or
//! became confirmed (a suspicion counts once its case is confirmed by follow-ups),
//! feedback given, and countermeasure information written; last 90 days and total.

use std::collections::HashMap;

use sqlx::{AnyPool, Row};

use crate::model::Contribution;

/// The window of the `-90d` counts.
pub const RECENT_SECONDS: i64 = 90 * 24 * 3600;

/// Every member's contribution as of `now` (members with none are absent).
pub async fn all(db: &AnyPool, now: i64) -> Result<HashMap<u64, Contribution>, sqlx::Error> {
    counts(db, now, None).await
}

/// One member's contribution as of `now`.
pub async fn of_member(db: &AnyPool, member: i64, now: i64) -> Result<Contribution, sqlx::Error> {
    Ok(counts(db, now, Some(member))
        .await?
        .remove(&(member as u64))
        .unwrap_or_default())
}

/// Reports that carried feedback count as feedback, not as reports.
/// (recent, total) per member from a query selecting member, recent count, total
/// count, with `$1` = start of the recent window and `$2` = the member or NULL.
const REPORTS: &str = "SELECT submitter, SUM(CASE WHEN submitted_at >= $1 THEN 1 ELSE 0 END), COUNT(*) \
     FROM reports WHERE forwarded_from IS NULL AND ($2 IS NULL OR submitter = $2) \
       AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.delivered_as = reports.id) GROUP BY submitter";
const CONFIRMED: &str = "SELECT r.submitter, SUM(CASE WHEN r.submitted_at >= $1 THEN 1 ELSE 0 END), COUNT(*) \
     FROM reports r LEFT JOIN cases c ON c.id = r.case_id \
     WHERE r.forwarded_from IS NULL AND ($2 IS NULL OR r.submitter = $2) \
       AND (r.confidence = 'confirmed' OR c.confidence = 'confirmed') \
       AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.delivered_as = r.id) GROUP BY r.submitter";
const FEEDBACK: &str = "SELECT member_id, SUM(CASE WHEN at >= $1 THEN 1 ELSE 0 END), COUNT(*) \
     FROM feedback WHERE ($2 IS NULL OR member_id = $2) GROUP BY member_id";
const COUNTERMEASURES: &str = "SELECT author_member, SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END), COUNT(*) \
     FROM countermeasures WHERE author_member IS NOT NULL AND ($2 IS NULL OR author_member = $2) GROUP BY author_member";

async fn counts(
    db: &AnyPool,
    now: i64,
    member: Option<i64>,
) -> Result<HashMap<u64, Contribution>, sqlx::Error> {
    let since = now - RECENT_SECONDS;
    let mut all: HashMap<u64, Contribution> = HashMap::new();
    type Setter = fn(&mut Contribution, u32, u32);
    let queries: [(&str, Setter); 4] = [
        (REPORTS, |c, recent, total| {
            (c.reports_90d, c.reports_total) = (recent, total)
        }),
        (CONFIRMED, |c, recent, total| {
            (c.confirmed_90d, c.confirmed_total) = (recent, total)
        }),
        (FEEDBACK, |c, recent, total| {
            (c.feedback_90d, c.feedback_total) = (recent, total)
        }),
        (COUNTERMEASURES, |c, recent, total| {
            (c.countermeasures_90d, c.countermeasures_total) = (recent, total)
        }),
    ];
    for (sql, set) in queries {
        let rows = sqlx::query(sql)
            .bind(since)
            .bind(member)
            .fetch_all(db)
            .await?;
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let count = |i: usize| -> Result<u32, sqlx::Error> {
                Ok(row.try_get::<i64, _>(i)?.clamp(0, i64::from(u32::MAX)) as u32)
            };
            set(all.entry(id as u64).or_default(), count(1)?, count(2)?);
        }
    }
    Ok(all)
}
