//! Operators correct a plugin's dedup: merge a case into another (same community)
//! or split reports out into a new case; and close or reopen cases. Reports, their
//! views, fingerprints, feedback and countermeasures move together, so what each
//! member sees stays consistent: the same views, under the case they now belong to.

use sqlx::{AnyConnection, Row};

use super::CouncilError;
use crate::model::{self, CaseStatus, Confidence, Stored as _};
use crate::store;

/// A case's community and status.
#[derive(Debug, sqlx::FromRow)]
pub struct Standing {
    pub community_id: String,
    #[sqlx(try_from = "String")]
    pub status: CaseStatus,
}

/// A case's community and status, inside the caller's transaction.
pub async fn community_and_status(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Standing, CouncilError> {
    sqlx::query_as("SELECT community_id, status FROM cases WHERE id = $1 AND kind = 'campaign'")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CouncilError::NotFound)
}

/// Closes (`closed = true`) or reopens a case.
pub async fn set_closed(
    conn: &mut AnyConnection,
    id: &str,
    closed: bool,
) -> Result<(), CouncilError> {
    let status = community_and_status(conn, id).await?.status;
    let (from, to, at) = if closed {
        (CaseStatus::Open, CaseStatus::Closed, Some(store::now()))
    } else {
        (CaseStatus::Closed, CaseStatus::Open, None)
    };
    if status != from {
        return Err(CouncilError::Conflict(format!(
            "the case is {status}, not {from}"
        )));
    }
    sqlx::query("UPDATE cases SET status = $1, closed_at = $2 WHERE id = $3")
        .bind(to.as_str())
        .bind(at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The tables whose rows follow a report to its case.
const CASE_LINKS: &[&str] = &["reports", "views", "report_fingerprints"];

/// Moves everything of case `from` into case `into` and marks `from` merged.
pub async fn merge(conn: &mut AnyConnection, from: &str, into: &str) -> Result<(), CouncilError> {
    if from == into {
        return Err(CouncilError::invalid(
            "into",
            "a case cannot be merged into itself",
        ));
    }
    let source = community_and_status(conn, from).await?;
    let target = community_and_status(conn, into)
        .await
        .map_err(|_| CouncilError::invalid("into", "no such case"))?;
    if source.community_id != target.community_id {
        return Err(CouncilError::invalid(
            "into",
            "the case is in another community",
        ));
    }
    if [source.status, target.status].contains(&CaseStatus::Merged) {
        return Err(CouncilError::Conflict(
            "a merged case cannot be merged again".into(),
        ));
    }
    for table in CASE_LINKS.iter().chain(&["feedback", "countermeasures"]) {
        sqlx::query(&format!(
            "UPDATE {table} SET case_id = $1 WHERE case_id = $2"
        ))
        .bind(into)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE cases SET status = 'merged', merged_into = $1, report_count = 0 WHERE id = $2",
    )
    .bind(into)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    index_fingerprints(conn, from).await?;
    recount(conn, into).await
}

/// Moves `reports` of case `from` into a new case titled `title`; returns its id.
pub async fn split(
    conn: &mut AnyConnection,
    from: &str,
    reports: &[String],
    title: &str,
) -> Result<String, CouncilError> {
    let Standing {
        community_id: community,
        status,
    } = community_and_status(conn, from).await?;
    if status == CaseStatus::Merged {
        return Err(CouncilError::Conflict(
            "a merged case cannot be split".into(),
        ));
    }
    if reports.is_empty() {
        return Err(CouncilError::invalid("reports", "name at least one report"));
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE case_id = $1")
        .bind(from)
        .fetch_one(&mut *conn)
        .await?;
    for (i, report) in reports.iter().enumerate() {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM reports WHERE id = $1 AND case_id = $2")
                .bind(report)
                .bind(from)
                .fetch_optional(&mut *conn)
                .await?;
        if found.is_none() || reports[..i].contains(report) {
            return Err(CouncilError::invalid(
                format!("reports[{i}]"),
                "not a report of this case (or named twice)",
            ));
        }
    }
    if reports.len() as i64 >= total {
        return Err(CouncilError::invalid(
            "reports",
            "leave at least one report in the case",
        ));
    }
    let id = store::new_id("case");
    sqlx::query(
        "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence) \
         VALUES ($1, $2, $3, 0, 0, 0, 'suspicion')",
    )
    .bind(&id)
    .bind(&community)
    .bind(title)
    .execute(&mut *conn)
    .await?;
    for report in reports {
        for table in CASE_LINKS {
            let key = if *table == "reports" {
                "id"
            } else {
                "report_id"
            };
            sqlx::query(&format!("UPDATE {table} SET case_id = $1 WHERE {key} = $2"))
                .bind(&id)
                .bind(report)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("UPDATE feedback SET case_id = $1 WHERE report_id = $2")
            .bind(&id)
            .bind(report)
            .execute(&mut *conn)
            .await?;
    }
    recount(conn, from).await?;
    recount(conn, &id).await?;
    Ok(id)
}

/// A case's fingerprints (the `case_fingerprints` dedup looks up), from its reports'.
async fn index_fingerprints(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM case_fingerprints WHERE case_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO case_fingerprints (community_id, fingerprint, case_id) \
         SELECT DISTINCT community_id, fingerprint, case_id FROM report_fingerprints WHERE case_id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's count, first and last report, highest confidence and fingerprints,
/// from its reports.
async fn recount(conn: &mut AnyConnection, id: &str) -> Result<(), CouncilError> {
    index_fingerprints(conn, id).await?;
    let rows = sqlx::query("SELECT submitted_at, confidence FROM reports WHERE case_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let mut confidence = Confidence::Suspicion;
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for row in &rows {
        let at: i64 = row.try_get(0)?;
        let label: String = row.try_get(1)?;
        confidence = confidence.max(model::parse_label(&label).unwrap_or(Confidence::Unconfirmed));
        (first, last) = (first.min(at), last.max(at));
    }
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE cases SET report_count = $1, opened_at = $2, last_report_at = $3, confidence = $4 WHERE id = $5",
    )
    .bind(rows.len() as i64)
    .bind(first)
    .bind(last)
    .bind(model::label_name(&confidence))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
