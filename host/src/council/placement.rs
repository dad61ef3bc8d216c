//! Reports the host writes itself on a case (analysis notes, feedback, trend
//! reports): built here, then fingerprinted and routed by the community's plugin
//! through [`Pipeline::submit_to_case`], like any member's report.

use sqlx::{AnyPool, Row};
use time::OffsetDateTime;

use crate::model::{self, CaseSummary, Confidence, Report, Tlp};
use crate::pipeline::{Committed, Pipeline, PipelineError};
use crate::store;

/// Who a placed report is from.
#[derive(Debug, Clone, Copy)]
pub struct Author {
    pub member: i64,
    pub organisation: i64,
}

/// A case as stored, with the community it belongs to.
#[derive(Debug, Clone)]
pub struct StoredCase {
    pub community: String,
    pub status: String,
    pub summary: CaseSummary,
}

pub async fn load_case(db: &AnyPool, id: &str) -> Result<Option<StoredCase>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT community_id, title, opened_at, last_report_at, report_count, confidence, status FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let at = |i: usize| -> Result<OffsetDateTime, sqlx::Error> {
        Ok(OffsetDateTime::from_unix_timestamp(row.try_get(i)?)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH))
    };
    let confidence: String = row.try_get(5)?;
    Ok(Some(StoredCase {
        community: row.try_get(0)?,
        status: row.try_get(6)?,
        summary: CaseSummary {
            id: id.to_string(),
            title: row.try_get(1)?,
            opened_at: at(2)?,
            last_report_at: at(3)?,
            report_count: row.try_get::<i64, _>(4)?.max(0) as u32,
            confidence: model::parse_label(&confidence).unwrap_or(Confidence::Unconfirmed),
            shared_fingerprints: Vec::new(),
        },
    }))
}

/// What a placed report says and to whom (TLP:RED to named recipients, so that the
/// host's ceiling keeps it to them whatever the plugin answers).
#[derive(Debug, Clone)]
pub struct Placed {
    pub title: String,
    pub body: String,
    pub tag: &'static str,
    pub tlp: Tlp,
    pub named_recipients: Vec<u64>,
}

/// Submits `placed` from `author` into `case` through the community's plugin.
pub async fn submit(
    pipeline: &Pipeline,
    case: &StoredCase,
    author: Author,
    placed: Placed,
) -> Result<Committed, PipelineError> {
    let submitted_at =
        OffsetDateTime::from_unix_timestamp(store::now()).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let report = Report {
        id: store::new_report_id(submitted_at),
        community: case.community.clone(),
        submitter: author.member as u64,
        submitter_organisation: author.organisation as u64,
        submitter_kind: Default::default(),
        submitter_sector: Default::default(),
        submitted_at,
        title: placed.title,
        body: placed.body,
        tlp: placed.tlp,
        // Notes and feedback are never a confirmation: they must not upgrade a case.
        confidence: Confidence::Unconfirmed.min(case.summary.confidence),
        indicators: Vec::new(),
        tags: vec![placed.tag.to_string()],
        victim: None,
        named_recipients: placed.named_recipients,
        provenance: Vec::new(),
    };
    pipeline.submit_to_case(report, case.summary.clone()).await
}

/// The approved task-force members (class 1 and 2) of a community.
pub async fn task_force(db: &AnyPool, community: &str) -> Result<Vec<u64>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE community_id = $1 AND status = 'approved' \
         AND class IN ('task_force_class1', 'task_force_class2') ORDER BY id",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(|id| id as u64).collect())
}

/// The secretariat's seat in a community, created on first use: status `system`,
/// so it never receives reports, holds no token and is not counted as a member.
pub async fn secretariat_seat(db: &AnyPool, community: &str) -> Result<Author, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let organisation = store::upsert_organisation(
        &mut conn,
        "Council Secretariat",
        model::OrganisationKind::NationalAgency,
        model::Sector::Government,
    )
    .await?;
    sqlx::query(
        "INSERT INTO members (organisation_id, community_id, class, status, created_at) \
         VALUES ($1, $2, 'task_force_class1', 'system', $3) ON CONFLICT (organisation_id, community_id) DO NOTHING",
    )
    .bind(organisation)
    .bind(community)
    .bind(store::now())
    .execute(&mut *conn)
    .await?;
    let member = sqlx::query_scalar(
        "SELECT id FROM members WHERE organisation_id = $1 AND community_id = $2",
    )
    .bind(organisation)
    .bind(community)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Author {
        member,
        organisation,
    })
}
