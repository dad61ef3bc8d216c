//! The stored results of shadow runs: one row per live report the shadow version
//! saw, with its diff against the active decision (`content_diff`), and a
//! summary per version.

use serde_json::{Value, json};
use sqlx::{AnyPool, Row};

use crate::model::{self, Tlp};
use crate::{plugin_text, store};

/// One shadow run's outcome, ready to store.
#[derive(Debug, Clone)]
pub struct ShadowRun {
    pub community: String,
    pub report_id: String,
    pub shadow_version: i64,
    pub active_digest: String,
    pub shadow_digest: String,
    pub diff: Value,
    /// Set when the shadow version failed (fault or host error) on this report.
    pub fault: Option<String>,
}

pub async fn record(db: &AnyPool, run: &ShadowRun) -> Result<(), sqlx::Error> {
    let differs = run.fault.is_some() || run.diff.as_object().is_some_and(|d| !d.is_empty());
    sqlx::query(
        "INSERT INTO shadow_diffs (community_id, report_id, shadow_version, active_digest, shadow_digest, differs, diff, fault, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&run.community)
    .bind(&run.report_id)
    .bind(run.shadow_version)
    .bind(&run.active_digest)
    .bind(&run.shadow_digest)
    .bind(i64::from(differs))
    .bind(run.diff.to_string())
    .bind(run.fault.as_deref())
    .bind(store::now())
    .execute(db)
    .await?;
    Ok(())
}

/// Counts over every shadow run of `version`, and the latest `limit` runs that
/// differ (newest first). A diff quotes the report and the shadow plugin's fault
/// may quote it too: both are shown under the report's TLP (`plugin_text`).
pub async fn summary(
    db: &AnyPool,
    community: &str,
    version: i64,
    limit: i64,
) -> Result<Value, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.report_id, s.differs, s.diff, s.fault, s.active_digest, s.at, r.tlp FROM shadow_diffs s \
         LEFT JOIN reports r ON r.id = s.report_id \
         WHERE s.community_id = $1 AND s.shadow_version = $2 ORDER BY s.id DESC",
    )
    .bind(community)
    .bind(version)
    .fetch_all(db)
    .await?;
    let mut counts = json!({"evaluated": 0, "differ": 0, "faults": 0, "case_differs": 0,
        "recipients_added": 0, "recipients_removed": 0, "members_see_more": 0, "views_differ": 0,
        "forwards_added": 0, "forwards_removed": 0, "forwards_differ": 0});
    let mut diffs = Vec::new();
    for row in &rows {
        let differs: i64 = row.try_get(1)?;
        let diff: Value = serde_json::from_str(&row.try_get::<String, _>(2)?).unwrap_or_default();
        let fault: Option<String> = row.try_get(3)?;
        bump(&mut counts, "evaluated", 1);
        if differs == 0 {
            continue;
        }
        bump(&mut counts, "differ", 1);
        if fault.is_some() {
            bump(&mut counts, "faults", 1);
        }
        if diff.get("case").is_some() {
            bump(&mut counts, "case_differs", 1);
        }
        for key in [
            "recipients_added",
            "recipients_removed",
            "forwards_added",
            "forwards_removed",
            "forwards_differ",
        ] {
            bump(&mut counts, key, length(&diff[key]));
        }
        for change in diff["views_differ"].as_array().into_iter().flatten() {
            let members = length(&change["members"]);
            bump(&mut counts, "views_differ", members);
            if change.get("extra").is_some() {
                bump(&mut counts, "members_see_more", members);
            }
        }
        if (diffs.len() as i64) < limit {
            let tlp = row
                .try_get::<Option<String>, _>(6)?
                .and_then(|t| model::parse_label(&t).ok())
                .unwrap_or(Tlp::Red);
            diffs.push(
                json!({"report_id": row.try_get::<String, _>(0)?, "diff": shown(tlp, diff),
                "fault": fault.map(|f| plugin_text::fault(tlp, &f)),
                "active_digest": row.try_get::<String, _>(4)?, "at": row.try_get::<i64, _>(5)?}),
            );
        }
    }
    let member_names = crate::store::names_of_members(db, community, &json!(diffs)).await?;
    Ok(json!({"version": version, "summary": counts, "diffs": diffs, "member_names": member_names}))
}

fn length(list: &Value) -> i64 {
    list.as_array().map_or(0, Vec::len) as i64
}

/// A stored diff (`content_diff::Diff`) as an operator may see it.
fn shown(tlp: Tlp, mut diff: Value) -> Value {
    if let Some(fault) = diff.get_mut("fault").and_then(Value::as_object_mut) {
        for side in fault.values_mut() {
            if let Some(text) = side.as_str() {
                *side = plugin_text::fault(tlp, text);
            }
        }
    }
    for list in ["views_differ", "forwards_differ"] {
        for change in diff
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            for key in ["extra", "less"] {
                if let Some(content) = change.get_mut(key) {
                    *content = plugin_text::strings(tlp, content.take());
                }
            }
        }
    }
    diff
}

fn bump(counts: &mut Value, key: &str, by: i64) {
    counts[key] = json!(counts[key].as_i64().unwrap_or(0) + by);
}
