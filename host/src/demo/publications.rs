//! The demo's countermeasure information: two pieces written by the secretariat
//! on the sample report's case, one published to everyone (the public feed and
//! its Atom form) and one limited to the Council and the Financials ISAC, so
//! both kinds of publication can be read as soon as the demo starts.

use std::collections::BTreeSet;

use sqlx::AnyPool;

use crate::council::publication::{self, Audience, Countermeasure};
use crate::store;

/// (title, body, the communities of a limited publication, or none for public)
const PIECES: &[(&str, &str, &[&str])] = &[
    (
        "Look-alike banking domains: block and report",
        "Block the domains listed in the case at resolvers and mail gateways; \
         report new look-alikes to the Council.",
        &[],
    ),
    (
        "SMS phishing kit: detection notes for banks",
        "The kit checks the visitor's carrier before showing the login page; \
         the case's indicators list its landing domains.",
        &["council", "financials-isac"],
    ),
];

/// Writes and publishes [`PIECES`] on the case of the Council's first report,
/// unless the demo already has publications. Returns how many it published.
pub async fn seed(db: &AnyPool) -> Result<usize, crate::council::CouncilError> {
    let published: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publications")
        .fetch_one(db)
        .await?;
    let case: Option<String> = sqlx::query_scalar(
        "SELECT case_id FROM reports WHERE community_id = 'council' AND case_id IS NOT NULL \
         ORDER BY submitted_at, id LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    let Some(case_id) = case.filter(|_| published == 0) else {
        return Ok(0);
    };
    let mut conn = db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    for (title, body, communities) in PIECES {
        let countermeasure = Countermeasure {
            case_id: &case_id,
            community: "council",
            author: "secretariat",
            author_member: None,
            title,
            body,
        };
        let id = publication::write(&mut tx, &countermeasure).await?;
        let (scope, recipients) = if communities.is_empty() {
            ("public", BTreeSet::new())
        } else {
            let audience = Audience {
                communities: communities.iter().map(|c| c.to_string()).collect(),
                members: Vec::new(),
            };
            ("limited", publication::resolve(&mut tx, &audience).await?)
        };
        publication::publish(&mut tx, &id, "council", scope, &recipients, "secretariat").await?;
    }
    tx.commit().await?;
    Ok(PIECES.len())
}
