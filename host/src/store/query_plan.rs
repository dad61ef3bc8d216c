//! How the database runs a lookup (tests only): that a lookup by a list of
//! keys reads through the whole key even on a table the database has no
//! statistics for yet, as on a new deployment's first feed.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row as _};

fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name() != "SQLite"
}

/// `sql` asked for its plan: PostgreSQL's `EXPLAIN ANALYZE` (which runs it),
/// SQLite's `EXPLAIN QUERY PLAN`. Bind its parameters, then pass it to
/// [`assert_uses_whole_key`].
pub fn explained(conn: &AnyConnection, sql: &str) -> String {
    if is_postgres(conn) {
        format!("EXPLAIN (ANALYZE, COSTS OFF) {sql}")
    } else {
        format!("EXPLAIN QUERY PLAN {sql}")
    }
}

/// Asserts that the `explained` query reads its table through an index on
/// `column = ANY(...)`, no row read and filtered out (PostgreSQL), or through
/// `sqlite_key`, e.g. `(a=? AND b=?)` (SQLite).
pub async fn assert_uses_whole_key<'q>(
    conn: &mut AnyConnection,
    explained: Query<'q, Any, AnyArguments<'q>>,
    column: &str,
    sqlite_key: &str,
) {
    let postgres = is_postgres(conn);
    let plan: Vec<String> = explained
        .fetch_all(&mut *conn)
        .await
        .expect("the query's plan")
        .iter()
        .map(|row| row.get(if postgres { 0 } else { 3 }))
        .collect();
    let plan = plan.join("\n");
    if postgres {
        assert!(!plan.contains("Rows Removed by Filter"), "{plan}");
        let looked_up = format!("{column} = ANY");
        let by_index = plan
            .lines()
            .any(|line| line.contains("Index Cond:") && line.contains(&looked_up));
        assert!(by_index, "{plan}");
    } else {
        assert!(plan.contains(sqlite_key), "{plan}");
    }
}
