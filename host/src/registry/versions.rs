//! Stored policy versions: a community's plugin (by digest) with its settings.

use serde::Serialize;
use sqlx::{AnyConnection, AnyPool};

use super::RegistryError;
use crate::model::Stored;
use crate::store;

/// Where a version is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = PolicyStatus)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored and validated, not running.
    Staged,
    /// Running beside the active version on live traffic; nothing enforced.
    Shadow,
    /// Deciding the community's reports.
    Active,
    /// Was active; a rollback may bring it back.
    Retired,
}

impl Stored for Status {
    const COLUMN: &'static str = "policy_versions.status";
    const ALL: &'static [Self] = &[
        Status::Staged,
        Status::Shadow,
        Status::Active,
        Status::Retired,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Status::Staged => "staged",
            Status::Shadow => "shadow",
            Status::Active => "active",
            Status::Retired => "retired",
        }
    }
}

/// One stored version of a community's policy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
#[schema(as = PolicyVersion)]
pub struct Version {
    pub id: i64,
    #[sqlx(rename = "community_id")]
    pub community: String,
    #[sqlx(rename = "plugin_digest")]
    pub digest: String,
    pub settings: String,
    pub wit_version: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub uploaded_by: String,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: i64,
    #[serde(with = "crate::model::unix_time::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub activated_at: Option<i64>,
    /// Filled in from `policy_approvals`.
    #[sqlx(skip)]
    pub approvals: Vec<String>,
    /// Why its plugin does not load on this node (a fault or the deadline in its
    /// warm-up), if it does not: such a version cannot run until it loads.
    #[sqlx(skip)]
    pub unusable: Option<String>,
}

const COLUMNS: &str = "id, community_id, plugin_digest, settings, wit_version, status, uploaded_by, uploaded_at, activated_at";

async fn with_approvals(
    conn: &mut AnyConnection,
    mut version: Version,
) -> Result<Version, sqlx::Error> {
    version.approvals = sqlx::query_scalar(
        "SELECT approver FROM policy_approvals WHERE version_id = $1 ORDER BY approved_at, approver",
    )
    .bind(version.id)
    .fetch_all(conn)
    .await?;
    Ok(version)
}

/// Every version of the community, newest first.
pub async fn list(db: &AnyPool, community: &str) -> Result<Vec<Version>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let rows: Vec<Version> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM policy_versions WHERE community_id = $1 ORDER BY id DESC"
    ))
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    let mut versions = Vec::with_capacity(rows.len());
    for version in rows {
        versions.push(with_approvals(&mut conn, version).await?);
    }
    Ok(versions)
}

/// One version of the community (another community's version is not found).
pub async fn get(
    conn: &mut AnyConnection,
    community: &str,
    id: i64,
) -> Result<Version, RegistryError> {
    let version = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM policy_versions WHERE community_id = $1 AND id = $2"
    ))
    .bind(community)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(RegistryError::NotFound)?;
    Ok(with_approvals(conn, version).await?)
}

async fn with_status(
    conn: &mut AnyConnection,
    community: &str,
    status: Status,
) -> Result<Option<Version>, sqlx::Error> {
    let version = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM policy_versions WHERE community_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1"
    ))
    .bind(community)
    .bind(status.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    match version {
        Some(version) => Ok(Some(with_approvals(conn, version).await?)),
        None => Ok(None),
    }
}

pub async fn active_version(
    conn: &mut AnyConnection,
    community: &str,
) -> Result<Option<Version>, sqlx::Error> {
    with_status(conn, community, Status::Active).await
}

pub async fn shadow_version(
    conn: &mut AnyConnection,
    community: &str,
) -> Result<Option<Version>, sqlx::Error> {
    with_status(conn, community, Status::Shadow).await
}

/// Stores an already validated version as staged and audit-logs it.
pub async fn stage(
    conn: &mut AnyConnection,
    community: &str,
    digest: &str,
    settings: &str,
    wit_version: &str,
    actor: &str,
) -> Result<i64, sqlx::Error> {
    let id = insert(
        conn,
        community,
        digest,
        settings,
        wit_version,
        Status::Staged,
        actor,
    )
    .await?;
    store::audit(
        conn,
        actor,
        "policy.stage",
        &format!("{community}/{id}"),
        &format!("plugin {digest} settings {settings}"),
    )
    .await?;
    Ok(id)
}

/// The first version of a new community: active from the start (its creation is
/// audit-logged by the caller).
pub async fn record_initial(
    conn: &mut AnyConnection,
    community: &str,
    digest: &str,
    settings: &str,
    wit_version: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM policy_versions WHERE community_id = $1 LIMIT 1")
            .bind(community)
            .fetch_optional(&mut *conn)
            .await?;
    if existing.is_none() {
        let id = insert(
            conn,
            community,
            digest,
            settings,
            wit_version,
            Status::Active,
            actor,
        )
        .await?;
        sqlx::query(
            "UPDATE policy_versions SET activated_at = uploaded_at, activation_seq = 1 WHERE id = $1",
        )
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn insert(
    conn: &mut AnyConnection,
    community: &str,
    digest: &str,
    settings: &str,
    wit_version: &str,
    status: Status,
    actor: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO policy_versions (community_id, plugin_digest, settings, wit_version, status, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(community)
    .bind(digest)
    .bind(settings)
    .bind(wit_version)
    .bind(status.as_str())
    .bind(actor)
    .bind(store::now())
    .fetch_one(conn)
    .await
}

/// Loads the plugin of every stored version (compiled, or read from the compiled
/// cache), so that activation, shadow runs and rollback never wait for a compile.
/// Returns how many loaded; one that no longer loads is logged and skipped.
pub async fn load_all(pipeline: &crate::pipeline::Pipeline) -> Result<usize, sqlx::Error> {
    let digests: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT plugin_digest FROM policy_versions")
            .fetch_all(&pipeline.db)
            .await?;
    let mut loaded = 0;
    for digest in digests {
        match pipeline.plugin(&digest).await {
            Ok(_) => loaded += 1,
            Err(error) => tracing::warn!(%digest, %error, "stored policy version does not load"),
        }
    }
    Ok(loaded)
}
