//! Activation, rollback and shadow mode. Each is one transaction that writes the
//! versions' statuses (and, for activation, the community's active copy); the
//! pipeline's cached policy is invalidated only after the commit, and the new
//! plugin is loaded before it, so the first report after the switch does not wait
//! for a compile. Every transaction starts with a write, so SQLite takes the write
//! lock before anything is read.

use sqlx::AnyConnection;

use super::{RegistryError, Status, Version, get, required_approvals};
use crate::council::assembly;
use crate::model::Stored as _;
use crate::pipeline::Pipeline;
use crate::store;

/// Activates a staged or shadow version that has the approvals its community needs.
pub async fn activate(
    pipeline: &Pipeline,
    community: &str,
    version: i64,
    actor: &str,
) -> Result<Version, RegistryError> {
    let mut conn = pipeline.db.acquire().await?;
    let target = get(&mut conn, community, version).await?;
    if !matches!(target.status, Status::Staged | Status::Shadow) {
        return Err(RegistryError::Conflict(format!(
            "version {version} is {}: activate a staged or shadow version, or roll back to a retired one",
            target.status.as_str()
        )));
    }
    let required = required_approvals(&mut conn, community).await?;
    let have = target.approvals.len() as i64;
    if have < required {
        return Err(RegistryError::MissingApproval {
            version,
            required,
            have,
        });
    }
    if let Some(refusal) = assembly::activation_allowed(&mut conn, version).await? {
        return Err(RegistryError::Conflict(refusal));
    }
    switch(pipeline, &mut conn, &target, actor, "policy.activate").await
}

/// Re-activates an earlier version: `to`, or the one activated before the current.
/// It was approved when it first went live, so no new approval is needed.
pub async fn rollback(
    pipeline: &Pipeline,
    community: &str,
    to: Option<i64>,
    actor: &str,
) -> Result<Version, RegistryError> {
    let mut conn = pipeline.db.acquire().await?;
    let target = match to {
        Some(id) => get(&mut conn, community, id).await?,
        None => {
            let previous: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM policy_versions WHERE community_id = $1 AND status = 'retired' \
                 ORDER BY activation_seq DESC LIMIT 1",
            )
            .bind(community)
            .fetch_optional(&mut *conn)
            .await?;
            let id = previous.ok_or_else(|| {
                RegistryError::Conflict(format!(
                    "{community} has no earlier version to roll back to"
                ))
            })?;
            get(&mut conn, community, id).await?
        }
    };
    if target.status != Status::Retired {
        return Err(RegistryError::Conflict(format!(
            "version {} is {}: only a retired (once active) version can be rolled back to",
            target.id,
            target.status.as_str()
        )));
    }
    switch(pipeline, &mut conn, &target, actor, "policy.rollback").await
}

/// Makes `target` the active version in one transaction, then invalidates the cache.
async fn switch(
    pipeline: &Pipeline,
    conn: &mut AnyConnection,
    target: &Version,
    actor: &str,
    action: &str,
) -> Result<Version, RegistryError> {
    let community = &target.community;
    pipeline.plugin(&target.digest).await?;
    let mut tx = store::begin_write(conn).await?;
    sqlx::query(
        "UPDATE policy_versions SET status = 'retired' WHERE community_id = $1 AND status = 'active'",
    )
    .bind(community)
    .execute(&mut *tx)
    .await?;
    let switched = sqlx::query(
        "UPDATE policy_versions SET status = 'active', activated_at = $1, \
         activation_seq = (SELECT COALESCE(MAX(activation_seq), 0) + 1 FROM policy_versions WHERE community_id = $2) \
         WHERE id = $3 AND status = $4",
    )
    .bind(store::now())
    .bind(community)
    .bind(target.id)
    .bind(target.status.as_str())
    .execute(&mut *tx)
    .await?;
    if switched.rows_affected() == 0 {
        return Err(RegistryError::Conflict(format!(
            "version {} changed status meanwhile; try again",
            target.id
        )));
    }
    sqlx::query("UPDATE communities SET plugin_digest = $1, settings = $2 WHERE id = $3")
        .bind(&target.digest)
        .bind(&target.settings)
        .bind(community)
        .execute(&mut *tx)
        .await?;
    store::audit(
        &mut tx,
        actor,
        action,
        &format!("{community}/{}", target.id),
        &format!("plugin {} settings {}", target.digest, target.settings),
    )
    .await?;
    tx.commit().await?;
    pipeline.policy_changed(community);
    Ok(get(conn, community, target.id).await?)
}

/// Starts (`on`) or stops shadow runs of a version; at most one version per
/// community runs in shadow, so starting one returns any other to staged.
pub async fn set_shadow(
    pipeline: &Pipeline,
    community: &str,
    version: i64,
    on: bool,
    actor: &str,
) -> Result<Version, RegistryError> {
    let mut conn = pipeline.db.acquire().await?;
    let target = get(&mut conn, community, version).await?;
    let allowed = if on {
        matches!(target.status, Status::Staged | Status::Shadow)
    } else {
        target.status == Status::Shadow
    };
    if !allowed {
        return Err(RegistryError::Conflict(format!(
            "version {version} is {}: shadow runs start from a staged version and stop from a shadow one",
            target.status.as_str()
        )));
    }
    if on {
        pipeline.plugin(&target.digest).await?;
    }
    let mut tx = store::begin_write(&mut conn).await?;
    sqlx::query("UPDATE policy_versions SET status = 'staged' WHERE community_id = $1 AND status = 'shadow'")
        .bind(community)
        .execute(&mut *tx)
        .await?;
    if on {
        sqlx::query("UPDATE policy_versions SET status = 'shadow' WHERE id = $1")
            .bind(version)
            .execute(&mut *tx)
            .await?;
    }
    let action = if on {
        "policy.shadow_on"
    } else {
        "policy.shadow_off"
    };
    store::audit(
        &mut tx,
        actor,
        action,
        &format!("{community}/{version}"),
        "",
    )
    .await?;
    tx.commit().await?;
    pipeline.policy_changed(community);
    Ok(get(&mut conn, community, version).await?)
}
