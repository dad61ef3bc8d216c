//! The steering committee's approvals ("rule amendments"): a community may require
//! N distinct approvers before a version is activated. The Council requires one
//! unless set otherwise; other communities none.

use sqlx::AnyConnection;

use super::{RegistryError, Status, get};
use crate::model::Stored as _;
use crate::store;

/// The community that needs an approval by default.
const COUNCIL: &str = "council";

/// Approvals a version of this community needs before activation.
pub async fn required_approvals(
    conn: &mut AnyConnection,
    community: &str,
) -> Result<i64, sqlx::Error> {
    let set: Option<i64> =
        sqlx::query_scalar("SELECT required FROM policy_approval_rules WHERE community_id = $1")
            .bind(community)
            .fetch_optional(conn)
            .await?;
    Ok(set.unwrap_or(if community == COUNCIL { 1 } else { 0 }))
}

/// Sets the number of approvals the community's versions need (audit-logged).
pub async fn set_required_approvals(
    conn: &mut AnyConnection,
    community: &str,
    required: i64,
    actor: &str,
) -> Result<(), RegistryError> {
    if !(0..=20).contains(&required) {
        return Err(RegistryError::invalid("required", "a number from 0 to 20"));
    }
    sqlx::query(
        "INSERT INTO policy_approval_rules (community_id, required) VALUES ($1, $2) \
         ON CONFLICT (community_id) DO UPDATE SET required = $2",
    )
    .bind(community)
    .bind(required)
    .execute(&mut *conn)
    .await?;
    store::audit(
        conn,
        actor,
        "policy.approvals_required",
        community,
        &required.to_string(),
    )
    .await?;
    Ok(())
}

/// Records `approver`'s approval of a staged or shadow version (once per approver)
/// and returns how many approvals it has now.
pub async fn approve(
    conn: &mut AnyConnection,
    community: &str,
    version: i64,
    approver: &str,
) -> Result<i64, RegistryError> {
    let stored = get(conn, community, version).await?;
    if !matches!(stored.status, Status::Staged | Status::Shadow) {
        return Err(RegistryError::Conflict(format!(
            "version {version} is {}: only a staged or shadow version can be approved",
            stored.status.as_str()
        )));
    }
    let inserted = sqlx::query(
        "INSERT INTO policy_approvals (version_id, approver, approved_at) VALUES ($1, $2, $3) \
         ON CONFLICT (version_id, approver) DO NOTHING",
    )
    .bind(version)
    .bind(approver)
    .bind(store::now())
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(RegistryError::Conflict(format!(
            "{approver} has already approved version {version}"
        )));
    }
    store::audit(
        conn,
        approver,
        "policy.approve",
        &format!("{community}/{version}"),
        &format!("plugin {} settings {}", stored.digest, stored.settings),
    )
    .await?;
    Ok(stored.approvals.len() as i64 + 1)
}
