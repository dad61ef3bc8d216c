//! Multi-row INSERTs. Every statement costs a round trip to the database's
//! worker, so the group commit writes each table of a batch with one statement
//! (a few, for very large batches) instead of one per row.

use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection};

/// A query being bound.
pub type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// Bound parameters per statement: few statements per batch, and far below
/// SQLite's (32,766) and PostgreSQL's (65,535) limits.
const MAX_PARAMETERS: usize = 4000;

/// `$from, $from+1, ...`: `count` numbered parameters, for `IN (...)` lists.
pub fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How parameters are written. SQLite binds a named (`$1`) parameter by looking
/// its name up in a list of every name in the statement, so binding a
/// statement of n parameters costs n² (a statement of 4,000 took milliseconds);
/// anonymous `?` parameters are bound in order at no such cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Anonymous,
    Numbered,
}

/// `($1, $2), ($3, $4)` (or `(?, ?), (?, ?)`) for `rows` rows of `columns` columns.
fn values(rows: usize, columns: usize, style: Style) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match style {
                Style::Anonymous => sql.push('?'),
                Style::Numbered => {
                    sql.push('$');
                    sql.push_str(&(row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Inserts `rows` with `head VALUES (...), (...) tail`, where `bind` binds the
/// `columns` values of one row in order.
pub async fn insert<T>(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    columns: usize,
    rows: &[T],
    bind: impl for<'q> Fn(Query<'q>, &'q T) -> Query<'q>,
) -> Result<(), sqlx::Error> {
    let style = match conn.backend_name() {
        "SQLite" => Style::Anonymous,
        _ => Style::Numbered,
    };
    for chunk in rows.chunks((MAX_PARAMETERS / columns).max(1)) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            values(chunk.len(), columns, style)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Style, values};

    #[test]
    fn numbers_placeholders_row_by_row() {
        assert_eq!(values(2, 3, Style::Numbered), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(1, 1, Style::Numbered), "($1)");
        assert_eq!(values(2, 2, Style::Anonymous), "(?, ?), (?, ?)");
        assert_eq!(super::placeholders(3, 2), "$3, $4");
    }
}
