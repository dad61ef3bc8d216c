//! The rows that committing plans adds, table by table. The group commit writes
//! the rows of a whole batch with one multi-row statement per table
//! (`store::bulk`): a dozen statements per report would make the single writer,
//! not the plugins, the limit on ingest.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{AnyConnection, Row as _};

use crate::model::{self, Confidence, ReportStatus, Stored as _};
use crate::store::bulk;

pub struct NewCase {
    pub id: String,
    pub community: String,
    pub title: String,
    pub at: i64,
    pub confidence: Confidence,
}

/// A report joining an existing case.
pub struct CaseJoin {
    pub case_id: String,
    pub at: i64,
    pub confidence: Confidence,
}

pub struct NewReport {
    pub id: String,
    pub community: String,
    pub submitter: i64,
    pub organisation: i64,
    pub submitted_at: i64,
    pub tlp: String,
    pub confidence: String,
    pub original: String,
    pub status: ReportStatus,
    pub case_id: Option<String>,
    pub plugin_digest: String,
    pub forwarded_from: Option<String>,
}

/// The STIX object a new report was imported from (see migration 0010).
#[derive(Debug, Clone)]
pub struct StixSource {
    pub object_id: String,
    pub version: String,
}

pub struct SourceRow {
    pub community: String,
    pub organisation: i64,
    pub report_id: String,
    pub source: StixSource,
}

/// A stored (quarantined) report decided again.
pub struct Redecided {
    pub report_id: String,
    pub status: ReportStatus,
    pub case_id: Option<String>,
    pub plugin_digest: String,
    pub released_at: Option<i64>,
}

pub struct Fingerprint {
    pub report_id: String,
    pub community: String,
    pub fingerprint: String,
    pub case_id: String,
}

pub struct ViewRow {
    pub id: i64,
    pub report_id: String,
    pub case_id: String,
    pub community: String,
    pub available_at: i64,
    pub content: String,
    /// See `store::inbox::recipients_text`.
    pub recipients: String,
}

pub struct DecisionRow {
    pub report_id: String,
    pub community: String,
    pub plugin_digest: String,
    pub inputs: String,
    pub outputs: Option<String>,
    pub fault: Option<String>,
    pub log: String,
    pub duration_us: i64,
    pub at: i64,
}

pub struct Quarantined {
    pub report_id: String,
    pub community: String,
    pub plugin_digest: String,
    pub stage: String,
    pub fault: String,
    pub at: i64,
}

/// Everything one or more plans write.
#[derive(Default)]
pub struct Rows {
    pub new_cases: Vec<NewCase>,
    pub joins: Vec<CaseJoin>,
    pub reports: Vec<NewReport>,
    pub stix_sources: Vec<SourceRow>,
    pub redecided: Vec<Redecided>,
    pub fingerprints: Vec<Fingerprint>,
    pub views: Vec<ViewRow>,
    pub decisions: Vec<DecisionRow>,
    pub quarantined: Vec<Quarantined>,
}

/// The largest view id stored: the writer hands out the next ones itself, so that
/// a batch's views go in one statement and ids still increase in commit order.
pub async fn last_view_id(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM views")
        .fetch_one(conn)
        .await
}

fn all<'a, T>(parts: &[&'a Rows], table: impl Fn(&'a Rows) -> &'a [T]) -> Vec<&'a T> {
    parts.iter().flat_map(|rows| table(rows)).collect()
}

/// Writes the rows of `parts` in an order that satisfies every foreign key.
pub async fn write(conn: &mut AnyConnection, parts: &[&Rows]) -> Result<(), sqlx::Error> {
    bulk::insert(
        conn,
        "INSERT INTO cases (id, community_id, title, opened_at, last_report_at, report_count, confidence)",
        "",
        7,
        &all(parts, |r| &r.new_cases),
        |q, c| {
            q.bind(c.id.as_str())
                .bind(c.community.as_str())
                .bind(c.title.as_str())
                .bind(c.at)
                .bind(c.at)
                .bind(1_i64)
                .bind(model::label_name(&c.confidence))
        },
    )
    .await?;
    write_joins(conn, &all(parts, |r| &r.joins)).await?;
    bulk::insert(
        conn,
        "INSERT INTO reports (id, community_id, submitter, organisation, submitted_at, tlp, confidence, original, status, case_id, plugin_digest, forwarded_from)",
        "",
        12,
        &all(parts, |r| &r.reports),
        |q, r| {
            q.bind(r.id.as_str())
                .bind(r.community.as_str())
                .bind(r.submitter)
                .bind(r.organisation)
                .bind(r.submitted_at)
                .bind(r.tlp.as_str())
                .bind(r.confidence.as_str())
                .bind(r.original.as_str())
                .bind(r.status.as_str())
                .bind(r.case_id.as_deref())
                .bind(r.plugin_digest.as_str())
                .bind(r.forwarded_from.as_deref())
        },
    )
    .await?;
    bulk::insert(
        conn,
        "INSERT INTO stix_sources (community_id, organisation, object_id, version, report_id)",
        "",
        5,
        &all(parts, |r| &r.stix_sources),
        |q, s| {
            q.bind(s.community.as_str())
                .bind(s.organisation)
                .bind(s.source.object_id.as_str())
                .bind(s.source.version.as_str())
                .bind(s.report_id.as_str())
        },
    )
    .await?;
    for r in all(parts, |r| &r.redecided) {
        sqlx::query(
            "UPDATE reports SET status = $1, case_id = $2, plugin_digest = $3 WHERE id = $4",
        )
        .bind(r.status.as_str())
        .bind(r.case_id.as_deref())
        .bind(r.plugin_digest.as_str())
        .bind(r.report_id.as_str())
        .execute(&mut *conn)
        .await?;
        if let Some(at) = r.released_at {
            sqlx::query("UPDATE quarantine SET released_at = $1 WHERE report_id = $2")
                .bind(at)
                .bind(r.report_id.as_str())
                .execute(&mut *conn)
                .await?;
        }
    }
    bulk::insert(
        conn,
        "INSERT INTO report_fingerprints (report_id, community_id, fingerprint, case_id)",
        "ON CONFLICT DO NOTHING",
        4,
        &all(parts, |r| &r.fingerprints),
        |q, f| {
            q.bind(f.report_id.as_str())
                .bind(f.community.as_str())
                .bind(f.fingerprint.as_str())
                .bind(f.case_id.as_str())
        },
    )
    .await?;
    let by_case: BTreeSet<(&str, &str, &str)> = all(parts, |r| &r.fingerprints)
        .into_iter()
        .map(|f| {
            (
                f.community.as_str(),
                f.fingerprint.as_str(),
                f.case_id.as_str(),
            )
        })
        .collect();
    bulk::insert(
        conn,
        "INSERT INTO case_fingerprints (community_id, fingerprint, case_id)",
        "ON CONFLICT DO NOTHING",
        3,
        &by_case.into_iter().collect::<Vec<_>>(),
        |q, (community, fingerprint, case)| q.bind(*community).bind(*fingerprint).bind(*case),
    )
    .await?;
    bulk::insert(
        conn,
        "INSERT INTO views (id, report_id, case_id, community_id, available_at, content, recipients)",
        "",
        7,
        &all(parts, |r| &r.views),
        |q, v| {
            q.bind(v.id)
                .bind(v.report_id.as_str())
                .bind(v.case_id.as_str())
                .bind(v.community.as_str())
                .bind(v.available_at)
                .bind(v.content.as_str())
                .bind(v.recipients.as_str())
        },
    )
    .await?;
    bulk::insert(
        conn,
        "INSERT INTO decisions (report_id, community_id, plugin_digest, inputs, outputs, fault, log, duration_us, at)",
        "",
        9,
        &all(parts, |r| &r.decisions),
        |q, d| {
            q.bind(d.report_id.as_str())
                .bind(d.community.as_str())
                .bind(d.plugin_digest.as_str())
                .bind(d.inputs.as_str())
                .bind(d.outputs.as_deref())
                .bind(d.fault.as_deref())
                .bind(d.log.as_str())
                .bind(d.duration_us)
                .bind(d.at)
        },
    )
    .await?;
    bulk::insert(
        conn,
        "INSERT INTO quarantine (report_id, community_id, plugin_digest, stage, fault, at)",
        "ON CONFLICT (report_id) DO UPDATE SET plugin_digest = excluded.plugin_digest, stage = excluded.stage, \
         fault = excluded.fault, at = excluded.at, released_at = NULL",
        6,
        &all(parts, |r| &r.quarantined),
        |q, r| {
            q.bind(r.report_id.as_str())
                .bind(r.community.as_str())
                .bind(r.plugin_digest.as_str())
                .bind(r.stage.as_str())
                .bind(r.fault.as_str())
                .bind(r.at)
        },
    )
    .await
}

/// One UPDATE per joined case: the reports that joined it, its latest report
/// time and the highest confidence of the case and its new reports.
async fn write_joins(conn: &mut AnyConnection, joins: &[&CaseJoin]) -> Result<(), sqlx::Error> {
    let mut by_case: BTreeMap<&str, (i64, i64, Confidence)> = BTreeMap::new();
    for join in joins {
        let entry = by_case
            .entry(&join.case_id)
            .or_insert((0, join.at, join.confidence));
        entry.0 += 1;
        entry.1 = entry.1.max(join.at);
        entry.2 = entry.2.max(join.confidence);
    }
    if by_case.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id, confidence FROM cases WHERE id IN ({})",
        bulk::placeholders(1, by_case.len())
    );
    let mut query = sqlx::query(&sql);
    for id in by_case.keys() {
        query = query.bind(*id);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let id: String = row.try_get(0)?;
        let stored: String = row.try_get(1)?;
        if let (Some(entry), Ok(stored)) = (
            by_case.get_mut(id.as_str()),
            model::parse_label::<Confidence>(&stored),
        ) {
            entry.2 = entry.2.max(stored);
        }
    }
    for (id, (count, at, confidence)) in by_case {
        sqlx::query(
            "UPDATE cases SET report_count = report_count + $1, \
             last_report_at = CASE WHEN last_report_at > $2 THEN last_report_at ELSE $2 END, confidence = $3 WHERE id = $4",
        )
        .bind(count)
        .bind(at)
        .bind(model::label_name(&confidence))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
