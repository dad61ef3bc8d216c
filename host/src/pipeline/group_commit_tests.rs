//! A batch whose rows cannot all be written together falls back to plan by
//! plan: the bad plan fails alone and the others commit. A delayed delivery
//! joins the collection order (`store::collection`) when its delay runs out,
//! after deliveries committed later than it.

use serde_json::json;
use sqlx::AnyPool;

use super::GroupCommit;
use crate::model::{Confidence, Correlation, Report, ReportStatus, Tlp};
use crate::pipeline::commit::Row;
use crate::pipeline::plan::{DecisionRecord, Outcome, Plan, PlannedGroup};
use crate::store::collection::{self, Placed};
use crate::{demo, store};

async fn plan(db: &AnyPool, correlation: Correlation) -> Plan {
    delivering(db, correlation, &[], 0).await
}

/// A plan delivering the report's full view to `recipients` after `delay_seconds`.
async fn delivering(
    db: &AnyPool,
    correlation: Correlation,
    recipients: &[u64],
    delay_seconds: u32,
) -> Plan {
    let (submitter, organisation): (i64, i64) =
        sqlx::query_as("SELECT id, organisation_id FROM members WHERE community_id = 'council' ORDER BY id LIMIT 1")
            .fetch_one(db)
            .await
            .expect("a council member");
    let report = Report {
        id: store::new_report_id(time::OffsetDateTime::UNIX_EPOCH),
        community: "council".into(),
        submitter: submitter as u64,
        submitter_organisation: organisation as u64,
        submitter_kind: Default::default(),
        submitter_sector: Default::default(),
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
    let groups = if recipients.is_empty() {
        Vec::new()
    } else {
        vec![PlannedGroup {
            view: crate::view::apply(&report, &[]).expect("a full view"),
            recipients: recipients.to_vec(),
            delay_seconds,
        }]
    };
    Plan {
        report,
        forwarded_from: None,
        outcome: Outcome::Delivered {
            case_id: match &correlation {
                Correlation::Join(id) => id.clone(),
                Correlation::NewCase(_) => store::new_id("case"),
            },
            correlation,
            fingerprints: vec!["fp".into()],
            groups,
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
    let (_data, db) = demo::database_for_test().await;
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
    assert_eq!(
        good.expect("the good plan commits").status,
        ReportStatus::Delivered
    );
    assert!(bad.is_err());
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM reports ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("reports");
    assert!(stored.contains(&good_id));
    assert!(!stored.contains(&bad_id));
}

async fn walked(db: &AnyPool, member: i64) -> Vec<Placed> {
    let mut all = Vec::new();
    collection::walk(db, member, i64::MIN, |p| {
        all.push(p);
        true
    })
    .await
    .expect("a walk");
    all
}

#[tokio::test]
async fn a_delayed_delivery_joins_the_end_of_the_order_when_it_falls_due() {
    let (_data, db) = demo::database_for_test().await;
    let writer = GroupCommit::start(
        db.clone(),
        tokio::sync::watch::channel(0).0,
        Default::default(),
    );
    let member: i64 =
        sqlx::query_scalar("SELECT MAX(id) FROM members WHERE community_id = 'council'")
            .fetch_one(&db)
            .await
            .expect("a member");
    let recipients = [member as u64];
    let delayed = delivering(&db, Correlation::NewCase("later".into()), &recipients, 2).await;
    writer.commit(delayed, Row::New).await.expect("committed");
    let due = delivering(&db, Correlation::NewCase("now".into()), &recipients, 0).await;
    writer.commit(due, Row::New).await.expect("committed");
    writer.flush().await.expect("ordered");
    assert!(!collection::lagging(&db).await.expect("lagging"));
    let first = walked(&db, member).await;
    assert_eq!(first.len(), 1, "only the due delivery: {first:?}");

    // Delays count whole seconds: by then it fell due, and the writer ordered
    // it without any reader asking.
    tokio::time::sleep(std::time::Duration::from_millis(3200)).await;
    assert!(!collection::lagging(&db).await.expect("lagging"));
    let all = walked(&db, member).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], first[0], "what was read stays where it was");
    assert!(
        all[1].view < all[0].view,
        "the delayed view was committed first"
    );
    assert!(
        all[1].first > all[0].last(),
        "but joins after, at a later date added"
    );
    let added: i64 = sqlx::query_scalar("SELECT MIN(added) FROM stix_objects WHERE view_id = $1")
        .bind(all[1].view)
        .fetch_one(&db)
        .await
        .expect("its objects");
    let placed = collection::place(&db, member, all[1].view, added)
        .await
        .expect("placed");
    assert_eq!(placed, Some(all[1]));
}
