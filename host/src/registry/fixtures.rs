//! A community's fixture suite: fixture files (the format of `isac-host plugin
//! test`) that every new version of its policy must pass before it is staged.

use sqlx::{AnyConnection, Row};

use super::RegistryError;
use crate::fixture::{self, FixtureFile};
use crate::store;

/// Stores (or replaces) the fixture `name`, after checking that it parses.
pub async fn put(
    conn: &mut AnyConnection,
    community: &str,
    name: &str,
    content: &str,
    actor: &str,
) -> Result<(), RegistryError> {
    if !file_name_like(name) {
        return Err(RegistryError::invalid(
            "name",
            "1 to 80 characters of a-z, A-Z, 0-9, '-', '_' and '.', starting with a letter \
             or digit, with no '..'",
        ));
    }
    fixture::from_text(name, content)
        .map_err(|e| RegistryError::invalid("fixture", e.to_string()))?;
    sqlx::query(
        "INSERT INTO policy_fixtures (community_id, name, content, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (community_id, name) DO UPDATE SET content = $3, updated_at = $4",
    )
    .bind(community)
    .bind(name)
    .bind(content)
    .bind(store::now())
    .execute(&mut *conn)
    .await?;
    store::audit(
        conn,
        actor,
        "policy.fixture",
        &format!("{community}/{name}"),
        &format!("{} bytes", content.len()),
    )
    .await?;
    Ok(())
}

/// A name that is a plain file name wherever a fixture suite is written out (as
/// `isac-host plugin test` reads it): never `.`, `..`, hidden, or a path step.
fn file_name_like(name: &str) -> bool {
    (1..=80).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The community's fixtures, in name order.
pub async fn load(
    conn: &mut AnyConnection,
    community: &str,
) -> Result<Vec<FixtureFile>, RegistryError> {
    let rows = sqlx::query(
        "SELECT name, content FROM policy_fixtures WHERE community_id = $1 ORDER BY name",
    )
    .bind(community)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get(0)?;
            let content: String = row.try_get(1)?;
            fixture::from_text(&name, &content)
                .map_err(|e| RegistryError::invalid("fixtures", e.to_string()))
        })
        .collect()
}
