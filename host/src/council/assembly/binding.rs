//! A policy version bound to an assembly item: activation waits until the
//! item has passed (any one of them, if the version was put to several
//! sessions; a rejected item can be put to a later session).

use sqlx::{AnyConnection, Row};

use crate::council::CouncilError;

/// Closes every session due to close that has an item binding `version`, so
/// that activation right after the closing time sees the outcome.
pub async fn close_sessions_binding(
    conn: &mut AnyConnection,
    version: i64,
    now: i64,
) -> Result<(), CouncilError> {
    let sessions: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT session_id FROM assembly_items WHERE policy_version_id = $1",
    )
    .bind(version)
    .fetch_all(&mut *conn)
    .await?;
    for session in sessions {
        super::close_if_due(conn, &session, now).await?;
    }
    Ok(())
}

/// `None` when `version` may be activated as far as the assembly goes: bound
/// to no item, or to one that passed. Otherwise why not.
pub async fn activation_allowed(
    conn: &mut AnyConnection,
    version: i64,
) -> Result<Option<String>, sqlx::Error> {
    let items = sqlx::query(
        "SELECT session_id, id, outcome FROM assembly_items WHERE policy_version_id = $1 \
         ORDER BY session_id, position",
    )
    .bind(version)
    .fetch_all(conn)
    .await?;
    let mut pending = Vec::new();
    for item in &items {
        let outcome: Option<String> = item.try_get(2)?;
        if outcome.as_deref() == Some("passed") {
            return Ok(None);
        }
        let (session, id): (String, String) = (item.try_get(0)?, item.try_get(1)?);
        let state = outcome.unwrap_or_else(|| "not decided yet".into());
        pending.push(format!("{session}/{id} ({state})"));
    }
    Ok((!pending.is_empty()).then(|| {
        format!(
            "version {version} is bound to general assembly item {}: it can be activated once the item passes",
            pending.join(", ")
        )
    }))
}
