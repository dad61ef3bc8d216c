//! A community's quorum and majority rules for its general assembly.

use sqlx::{AnyConnection, Row};

use super::Rules;
use crate::council::CouncilError;
use crate::store;

/// The community's rules, or the defaults (half the organisations vote, a
/// simple majority of yes over no).
pub async fn get(conn: &mut AnyConnection, community: &str) -> Result<Rules, sqlx::Error> {
    let row = sqlx::query(
        "SELECT quorum_percent, majority_percent FROM assembly_rules WHERE community_id = $1",
    )
    .bind(community)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(row) => Rules {
            quorum_percent: row.try_get(0)?,
            majority_percent: row.try_get(1)?,
        },
        None => Rules::default(),
    })
}

/// Sets the community's rules (audit-logged); sessions convened before keep theirs.
pub async fn set(
    conn: &mut AnyConnection,
    community: &str,
    rules: Rules,
    actor: &str,
) -> Result<(), CouncilError> {
    if !(1..=100).contains(&rules.quorum_percent) {
        return Err(CouncilError::invalid("quorum_percent", "1 to 100"));
    }
    if !(50..=99).contains(&rules.majority_percent) {
        return Err(CouncilError::invalid("majority_percent", "50 to 99"));
    }
    sqlx::query(
        "INSERT INTO assembly_rules (community_id, quorum_percent, majority_percent) \
         VALUES ($1, $2, $3) ON CONFLICT (community_id) \
         DO UPDATE SET quorum_percent = $2, majority_percent = $3",
    )
    .bind(community)
    .bind(rules.quorum_percent)
    .bind(rules.majority_percent)
    .execute(&mut *conn)
    .await?;
    let detail = format!(
        "quorum {}% majority {}%",
        rules.quorum_percent, rules.majority_percent
    );
    store::audit(conn, actor, "assembly.rules", community, &detail).await?;
    Ok(())
}
