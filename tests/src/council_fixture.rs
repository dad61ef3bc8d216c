//! Fixtures shaped like the source document's Council figures, written straight
//! into the database (their times lie in the past, which the API cannot do).
//!
//! - FY2023 (April 2023 to March 2024): 52 cases handled, 17 of them continuing
//!   from earlier years; 36 publications of countermeasure information; 29
//!   members-only trend reports. Around them, records that must not count:
//!   cases closed before the year, opened after it, merged away or in another
//!   community, and publications and trend reports outside the year or community.
//! - Membership: 91, 155, 225, 266, 303, 315, 322 Council members at the dates of
//!   the source's chart ([`MEMBERSHIP_DATES`]), with refusals, expulsions and a
//!   suspension along the way.

use isac_host::council::{FiscalYear, fiscal_year};
use isac_host::store::AnyPool;
use sqlx::{Acquire, AnyConnection};

/// R1 (May), R1 (October), then the end of fiscal years R2 to R6 (2020 to 2024).
pub const MEMBERSHIP_DATES: [&str; 7] = [
    "2019-05-31",
    "2019-10-31",
    "2021-03-31",
    "2022-03-31",
    "2023-03-31",
    "2024-03-31",
    "2025-03-31",
];
pub const MEMBERSHIP_COUNTS: [i64; 7] = [91, 155, 225, 266, 303, 315, 322];

const DAY: i64 = 24 * 3600;

/// (approved, expelled, suspended, refused) in the period ending at each date.
const MEMBERSHIP_STEPS: [(usize, usize, usize, usize); 7] = [
    (93, 2, 0, 1),
    (64, 0, 0, 3),
    (72, 2, 1, 0),
    (41, 0, 0, 2),
    (37, 0, 1, 0),
    (14, 2, 0, 1),
    (7, 0, 0, 0),
];

pub async fn load_membership(db: &AnyPool) -> Result<(), sqlx::Error> {
    let mut conn = db.acquire().await?;
    let mut tx = conn.begin().await?;
    let mut approved: Vec<i64> = Vec::new();
    let mut serial = 0;
    for (date, (approve, expel, suspend, refuse)) in MEMBERSHIP_DATES.iter().zip(MEMBERSHIP_STEPS) {
        let moment = fiscal_year::end_of_day(date).expect("fixture date");
        for _ in 0..approve {
            serial += 1;
            let member = applicant(&mut tx, serial, moment - 20 * DAY, "approved").await?;
            event(&mut tx, member, "approved", moment - 10 * DAY).await?;
            approved.push(member);
        }
        for _ in 0..refuse {
            serial += 1;
            let member = applicant(&mut tx, serial, moment - 20 * DAY, "refused").await?;
            event(&mut tx, member, "refused", moment - 10 * DAY).await?;
        }
        for _ in 0..expel {
            let member = approved.remove(0);
            event(&mut tx, member, "expelled", moment - 5 * DAY).await?;
            status(&mut tx, member, "expelled").await?;
        }
        // Suspended members are still members.
        for &member in approved.iter().rev().take(suspend) {
            event(&mut tx, member, "suspended", moment - 5 * DAY).await?;
            status(&mut tx, member, "suspended").await?;
        }
    }
    tx.commit().await
}

/// An organisation that applied at `at` as members did before applications had
/// a table of their own, its seat already in its `decided` status (the events
/// tell when).
async fn applicant(
    conn: &mut AnyConnection,
    serial: usize,
    at: i64,
    decided: &str,
) -> Result<i64, sqlx::Error> {
    let organisation: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, sector, created_at) VALUES ($1, 'other', 'other', $2) RETURNING id",
    )
    .bind(format!("Fixture Organisation {serial}"))
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    let member: i64 = sqlx::query_scalar(
        "INSERT INTO members (organisation_id, community_id, class, status, created_at) \
         VALUES ($1, 'council', 'general', $2, $3) RETURNING id",
    )
    .bind(organisation)
    .bind(decided)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    event(conn, member, "applied", at).await?;
    Ok(member)
}

async fn event(
    conn: &mut AnyConnection,
    member: i64,
    name: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO membership_events (member_id, event, actor, reason, at) VALUES ($1, $2, 'fixture', 'fixture', $3)")
        .bind(member)
        .bind(name)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

async fn status(conn: &mut AnyConnection, member: i64, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE members SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(member)
        .execute(conn)
        .await?;
    Ok(())
}

/// A case: (community, opened, closed, merged).
type CaseSpec = (&'static str, i64, Option<i64>, bool);

/// The FY2023 fixture in the Council (and distractors around it).
pub async fn load_fy2023(db: &AnyPool) -> Result<(), sqlx::Error> {
    let fy = FiscalYear::new(2023).expect("FY2023");
    let (start, end) = (fy.start(), fy.end());
    let mut cases: Vec<CaseSpec> = Vec::new();
    // 17 continuing: 11 opened in FY2022 and still open, 5 opened in FY2021 and
    // closed during FY2023, 1 opened a second before the year started.
    cases.extend((0..11).map(|i| ("council", start - (30 + i) * DAY, None, false)));
    cases.extend((0..5).map(|i| {
        (
            "council",
            start - (400 + i) * DAY,
            Some(start + (10 + i) * DAY),
            false,
        )
    }));
    cases.push(("council", start - 1, None, false));
    // 35 new: one at the year's first second, 29 more open, 5 closed in the year.
    cases.push(("council", start, None, false));
    cases.extend((0..29).map(|i| ("council", start + (1 + i) * 10 * DAY, None, false)));
    cases.extend((0..5).map(|i| {
        (
            "council",
            start + (2 + i) * DAY,
            Some(start + (100 + i) * DAY),
            false,
        )
    }));
    // Not counted: closed before the year (one a second before), opened at or after
    // its end, merged into another case, or in another community.
    cases.extend((0..5).map(|i| {
        (
            "council",
            start - (200 + i) * DAY,
            Some(start - (20 + i) * DAY),
            false,
        )
    }));
    cases.push(("council", start - 300 * DAY, Some(start - 1), false));
    cases.push(("council", end, None, false));
    cases.extend((0..3).map(|i| ("council", end + (1 + i) * DAY, None, false)));
    cases.extend((0..2).map(|i| ("council", start + (50 + i) * DAY, None, true)));
    cases.extend((0..3).map(|i| ("financials-isac", start + (5 + i) * DAY, None, false)));

    let mut conn = db.acquire().await?;
    let mut tx = conn.begin().await?;
    let mut council_cases = Vec::new();
    let mut isac_cases = Vec::new();
    for (i, (community, opened, closed, merged)) in cases.iter().enumerate() {
        let id = format!("case-fixture-{i}");
        let status = match (closed, merged) {
            (_, true) => "merged",
            (Some(_), _) => "closed",
            _ => "open",
        };
        sqlx::query(
            "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence, status, closed_at) \
             VALUES ($1, $2, $3, $4, $4, 1, 'confirmed', $5, $6)",
        )
        .bind(&id)
        .bind(*community)
        .bind(format!("Fixture campaign {i}"))
        .bind(*opened)
        .bind(status)
        .bind(*closed)
        .execute(&mut *tx)
        .await?;
        if *community == "council" {
            council_cases.push(id)
        } else {
            isac_cases.push(id)
        }
    }
    // 36 publications in FY2023 (20 public, 16 limited), the last a second before
    // the year ends; 3 in FY2022, 2 in FY2024, 2 in the Financials ISAC.
    let mut publications: Vec<(&str, &str, i64)> = Vec::new();
    publications.extend((0..20).map(|i| ("council", "public", start + (3 + i * 15) * DAY)));
    publications.extend((0..15).map(|i| ("council", "limited", start + (4 + i * 15) * DAY)));
    publications.push(("council", "limited", end - 1));
    publications.extend((0..3).map(|i| ("council", "public", start - (1 + i) * DAY)));
    publications.extend((0..2).map(|i| ("council", "limited", end + i * DAY)));
    publications.extend((0..2).map(|i| ("financials-isac", "public", start + (9 + i) * DAY)));
    for (i, (community, scope, at)) in publications.iter().enumerate() {
        let case = if *community == "council" {
            &council_cases[i % 17]
        } else {
            &isac_cases[0]
        };
        let countermeasure = format!("cm-fixture-{i}");
        sqlx::query(
            "INSERT INTO countermeasures (id, case_id, community_id, author, author_member, title, body, created_at) \
             VALUES ($1, $2, $3, 'secretariat', NULL, $4, 'Fixture countermeasure.', $5)",
        )
        .bind(&countermeasure)
        .bind(case)
        .bind(*community)
        .bind(format!("Countermeasure {i}"))
        .bind(*at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO publications (countermeasure_id, community_id, scope, audience, published_by, published_at) \
             VALUES ($1, $2, $3, '{}', 'secretariat', $4)",
        )
        .bind(&countermeasure)
        .bind(*community)
        .bind(*scope)
        .bind(*at)
        .execute(&mut *tx)
        .await?;
    }
    // 29 trend reports in FY2023 (roughly every twelve days), 12 in FY2022, 1 in FY2024.
    let mut trends: Vec<i64> = (0..29).map(|i| start + (1 + i * 12) * DAY).collect();
    trends.extend((0..12).map(|i| start - (5 + i * 30) * DAY));
    trends.push(end + DAY);
    for (i, at) in trends.iter().enumerate() {
        sqlx::query(
            "INSERT INTO trend_reports (id, community_id, period_start, period_end, report_id, figures, generated_by, generated_at) \
             VALUES ($1, 'council', $2, $3, NULL, '{}', 'secretariat', $3)",
        )
        .bind(format!("trend-fixture-{i}"))
        .bind(*at - 30 * DAY)
        .bind(*at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
