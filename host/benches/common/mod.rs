//! What the benchmarks share: a Council filled with approved members.

use std::collections::BTreeMap;
use std::path::Path;

use isac_host::api::AppState;
use isac_host::{demo, model, server, store};

/// The server state on a fresh database (SQLite in `data`, or PostgreSQL when
/// ISAC_TEST_DATABASE_URL names a server), seeded with the demo Council and
/// filled to `members`: the state, the demo tokens and the member count.
pub async fn council(data: &Path, members: i64) -> (AppState, BTreeMap<String, String>, i64) {
    let database = store::database_for_run(data).await.expect("database");
    let state = server::state(&database, Default::default())
        .await
        .expect("state");
    let tokens = demo::seed(&state.db).await.expect("seed");
    let count = fill_council(&state.db, members).await;
    (state, tokens, count)
}

/// Adds approved Council members until it has `members`; returns the count.
async fn fill_council(db: &store::AnyPool, members: i64) -> i64 {
    let kinds = [
        "national_agency",
        "local_government",
        "critical_infrastructure",
        "security_vendor",
        "academic",
        "other",
    ];
    let sectors = [
        "government",
        "financials",
        "electricity",
        "transportation",
        "ict",
        "software",
        "trading",
        "medical",
    ];
    let existing = store::scalar_i64(
        db,
        "SELECT COUNT(*) FROM members WHERE community_id = $1",
        "council",
    )
    .await
    .expect("count");
    for i in existing..members {
        let name = format!("Council member organisation {i}");
        let org: i64 = sqlx::query_scalar("INSERT INTO organisations (name, kind, sector, created_at) VALUES ($1, $2, $3, 0) RETURNING id")
            .bind(&name)
            .bind(kinds[i as usize % kinds.len()])
            .bind(sectors[i as usize % sectors.len()])
            .fetch_one(db)
            .await
            .expect("organisation");
        let class = model::label_name(&if i % 10 == 0 {
            model::MemberClass::TaskForceClass2
        } else {
            model::MemberClass::General
        });
        sqlx::query("INSERT INTO members (organisation_id, community_id, class, status, created_at) VALUES ($1, 'council', $2, 'approved', 0)")
            .bind(org)
            .bind(class)
            .execute(db)
            .await
            .expect("member");
    }
    members.max(existing)
}
