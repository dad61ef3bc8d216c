//! Yearly statistics of a community, as the source document reports them: cases
//! handled in a fiscal year (with how many continued from earlier years),
//! countermeasure publications, trend reports, reports per sector, and members.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::fiscal_year::FiscalYear;
use super::membership;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseCounts {
    /// Cases active in the year: opened before its end, not closed before its start.
    pub total: i64,
    /// Of those, opened in the year.
    pub new: i64,
    /// Of those, opened in an earlier year (carried over).
    pub continuing: i64,
    /// Of those, closed during the year.
    pub closed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicationCounts {
    pub total: i64,
    pub public: i64,
    pub limited: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MembersAt {
    /// The moment counted.
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearStatistics {
    pub community: String,
    pub fiscal_year: i32,
    pub start: i64,
    pub end: i64,
    pub cases: CaseCounts,
    pub publications: PublicationCounts,
    pub trend_reports: i64,
    /// Delivered reports submitted in the year, by the submitter's sector.
    pub reports_by_sector: BTreeMap<String, i64>,
    pub members: Vec<MembersAt>,
}

/// The year's statistics; `members_at` are the moments for the membership series.
pub async fn for_year(
    db: &AnyPool,
    community: &str,
    year: FiscalYear,
    members_at: &[i64],
) -> Result<YearStatistics, sqlx::Error> {
    let counts = membership::members_at(db, community, members_at).await?;
    Ok(YearStatistics {
        community: community.to_string(),
        fiscal_year: year.year(),
        start: year.start(),
        end: year.end(),
        cases: cases(db, community, year).await?,
        publications: publications(db, community, year).await?,
        trend_reports: count_between(
            db,
            "SELECT COUNT(*) FROM trend_reports WHERE community_id = $1 AND generated_at >= $2 AND generated_at < $3",
            community,
            year,
        )
        .await?,
        reports_by_sector: reports_by_sector(db, community, year).await?,
        members: members_at
            .iter()
            .zip(counts)
            .map(|(&at, count)| MembersAt { at, count })
            .collect(),
    })
}

pub async fn cases(
    db: &AnyPool,
    community: &str,
    year: FiscalYear,
) -> Result<CaseCounts, sqlx::Error> {
    // Merged cases are left out: their reports count in the case they joined.
    let row = sqlx::query(
        "SELECT COUNT(*), \
           COALESCE(SUM(CASE WHEN opened_at < $2 THEN 1 ELSE 0 END), 0), \
           COALESCE(SUM(CASE WHEN closed_at IS NOT NULL AND closed_at < $3 THEN 1 ELSE 0 END), 0) \
         FROM cases WHERE community_id = $1 AND kind = 'campaign' AND status <> 'merged' AND opened_at < $3 \
           AND (closed_at IS NULL OR closed_at >= $2)",
    )
    .bind(community)
    .bind(year.start())
    .bind(year.end())
    .fetch_one(db)
    .await?;
    let total: i64 = row.try_get(0)?;
    let continuing: i64 = row.try_get(1)?;
    Ok(CaseCounts {
        total,
        new: total - continuing,
        continuing,
        closed: row.try_get(2)?,
    })
}

async fn publications(
    db: &AnyPool,
    community: &str,
    year: FiscalYear,
) -> Result<PublicationCounts, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT scope, COUNT(*) FROM publications WHERE community_id = $1 AND published_at >= $2 AND published_at < $3 GROUP BY scope",
    )
    .bind(community)
    .bind(year.start())
    .bind(year.end())
    .fetch_all(db)
    .await?;
    let mut counts = PublicationCounts {
        total: 0,
        public: 0,
        limited: 0,
    };
    for row in rows {
        let (scope, count): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        counts.total += count;
        match scope.as_str() {
            "public" => counts.public += count,
            _ => counts.limited += count,
        }
    }
    Ok(counts)
}

async fn reports_by_sector(
    db: &AnyPool,
    community: &str,
    year: FiscalYear,
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT o.sector, COUNT(*) FROM reports r JOIN organisations o ON o.id = r.organisation \
         WHERE r.community_id = $1 AND r.status = 'delivered' AND r.submitted_at >= $2 AND r.submitted_at < $3 \
         GROUP BY o.sector",
    )
    .bind(community)
    .bind(year.start())
    .bind(year.end())
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

async fn count_between(
    db: &AnyPool,
    sql: &str,
    community: &str,
    year: FiscalYear,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql)
        .bind(community)
        .bind(year.start())
        .bind(year.end())
        .fetch_one(db)
        .await
}
