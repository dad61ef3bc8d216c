//! A batch whose rows cannot all be written together falls back to plan by
//! plan: the bad plan fails alone and the others commit.

use serde_json::json;
use sqlx::AnyPool;

use super::GroupCommit;
use crate::model::{Confidence, Correlation, Report, Tlp};
use crate::pipeline::commit::Row;
use crate::pipeline::plan::{DecisionRecord, Outcome, Plan};
use crate::{demo, store};

async fn plan(db: &AnyPool, correlation: Correlation) -> Plan {
    let (submitter, organisation): (i64, i64) =
        sqlx::query_as("SELECT id, organisation_id FROM members WHERE community_id = 'council' ORDER BY id LIMIT 1")
            .fetch_one(db)
            .await
            .expect("a council member");
    let report = Report {
        id: store::new_id("r"),
        community: "council".into(),
        submitter: submitter as u64,
        submitter_organisation: organisation as u64,
        submitted_at: time::OffsetDateTime::UNIX_EPOCH,
        title: "batch".into(),
        body: String::new(),
        tlp: Tlp::Green,
        confidence: Confidence::Unconfirmed,
        indicators: Vec::new(),
        tags: Vec::new(),
        victim: None,
        named_recipients: Vec::new(),
        provenance: Vec::new(),
    };
    Plan {
        report,
        forwarded_from: None,
        outcome: Outcome::Delivered {
            correlation,
            fingerprints: vec!["fp".into()],
            groups: Vec::new(),
            forwards: Vec::new(),
        },
        decision: DecisionRecord {
            plugin_digest: "test".into(),
            inputs: json!({}),
            outputs: None,
            fault: None,
            log: json!([]),
            duration_us: 0,
        },
    }
}

#[tokio::test]
async fn a_plan_that_cannot_be_written_fails_alone() {
    let data = tempfile::tempdir().expect("temp dir");
    let url = store::database_for_run(data.path())
        .await
        .expect("database");
    let db = store::open(&url).await.expect("db");
    demo::seed(&db).await.expect("seed");
    let writer = GroupCommit::start(
        db.clone(),
        tokio::sync::watch::channel(0).0,
        Default::default(),
    );
    let good = plan(&db, Correlation::NewCase("fine".into())).await;
    // Joining a case that does not exist breaks a foreign key.
    let bad = plan(&db, Correlation::Join("case-missing".into())).await;
    let (good_id, bad_id) = (good.report.id.clone(), bad.report.id.clone());
    let (good, bad) = tokio::join!(writer.commit(good, Row::New), writer.commit(bad, Row::New));
    assert_eq!(good.expect("the good plan commits").status, "delivered");
    assert!(bad.is_err());
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM reports ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("reports");
    assert!(stored.contains(&good_id));
    assert!(!stored.contains(&bad_id));
}
