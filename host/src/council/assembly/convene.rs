//! Convening a session: the secretariat sets its agenda and its opening and
//! closing times; the community's rules are copied into it. An item may bind a
//! staged or shadow policy version of the community (which then waits for the
//! item to pass before it can be activated) or a new number of required
//! approvals (applied when the item passes).

use serde::Deserialize;
use sqlx::AnyConnection;

use super::{ItemKind, Rules, rules};
use crate::council::CouncilError;
use crate::model::Stored as _;
use crate::registry::{self, Status};
use crate::store;

/// Most items on one agenda.
const MAX_ITEMS: usize = 50;

/// A session to convene.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Convening {
    /// One line, at most 300 characters.
    pub title: String,
    /// RFC 3339; votes are taken from then...
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: i64,
    /// ...until then (exclusive), when the results are computed.
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: i64,
    /// The agenda, 1 to 50 items, in order.
    pub items: Vec<AgendaItem>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    /// One line, at most 300 characters.
    pub title: String,
    pub kind: ItemKind,
    /// For `policy_version`: a staged or shadow version of the community.
    #[serde(default)]
    pub policy_version: Option<i64>,
    /// For `required_approvals`: the new number, 0 to 20.
    #[serde(default)]
    pub required_approvals: Option<i64>,
}

/// Stores the session and its agenda in the caller's write transaction and
/// returns its id.
pub async fn convene(
    tx: &mut AnyConnection,
    community: &str,
    session: &Convening,
    actor: &str,
    now: i64,
) -> Result<String, CouncilError> {
    let title = line("title", &session.title)?;
    if session.closes_at <= session.opens_at.max(now) {
        return Err(CouncilError::invalid(
            "closes_at",
            "after opens_at and in the future",
        ));
    }
    if session.items.is_empty() || session.items.len() > MAX_ITEMS {
        return Err(CouncilError::invalid(
            "items",
            format!("1 to {MAX_ITEMS} items"),
        ));
    }
    for (n, item) in session.items.iter().enumerate() {
        check_item(tx, community, n, item).await?;
    }
    let Rules {
        quorum_percent,
        majority_percent,
    } = rules::get(&mut *tx, community).await?;
    let id = store::new_id("ga");
    sqlx::query(
        "INSERT INTO assembly_sessions (id, community_id, title, opens_at, closes_at, \
         quorum_percent, majority_percent, convened_by, convened_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(community)
    .bind(&title)
    .bind(session.opens_at)
    .bind(session.closes_at)
    .bind(quorum_percent)
    .bind(majority_percent)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (position, item) in (1i64..).zip(&session.items) {
        sqlx::query(
            "INSERT INTO assembly_items (id, session_id, position, title, kind, \
             policy_version_id, required_approvals) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(store::new_id("gi"))
        .bind(&id)
        .bind(position)
        .bind(line("title", &item.title)?)
        .bind(item.kind.as_str())
        .bind(item.policy_version)
        .bind(item.required_approvals)
        .execute(&mut *tx)
        .await?;
    }
    store::audit(tx, actor, "assembly.convene", &id, &title).await?;
    Ok(id)
}

/// A title: one clean line (see [`crate::text::one_line`]), trimmed.
fn line(field: &str, text: &str) -> Result<String, CouncilError> {
    match crate::text::one_line(text) {
        Ok(line) if line.chars().count() <= 300 => Ok(line.to_string()),
        _ => Err(CouncilError::invalid(
            field,
            "one line of 1 to 300 characters",
        )),
    }
}

/// An item's title, and what it binds (exactly what its kind needs).
async fn check_item(
    conn: &mut AnyConnection,
    community: &str,
    n: usize,
    item: &AgendaItem,
) -> Result<(), CouncilError> {
    line(&format!("items[{n}].title"), &item.title)?;
    let field = |name: &str| format!("items[{n}].{name}");
    match (item.kind, item.policy_version, item.required_approvals) {
        (ItemKind::RuleAmendment, None, None) => Ok(()),
        (ItemKind::PolicyVersion, Some(version), None) => {
            let status = match registry::get(conn, community, version).await {
                Ok(stored) => stored.status,
                Err(registry::RegistryError::NotFound) => {
                    return Err(CouncilError::invalid(
                        field("policy_version"),
                        format!("no version {version} in {community}"),
                    ));
                }
                Err(registry::RegistryError::Database(e)) => return Err(e.into()),
                Err(other) => return Err(CouncilError::Conflict(other.to_string())),
            };
            if matches!(status, Status::Staged | Status::Shadow) {
                Ok(())
            } else {
                Err(CouncilError::invalid(
                    field("policy_version"),
                    "a staged or shadow version",
                ))
            }
        }
        (ItemKind::RequiredApprovals, None, Some(required)) if (0..=20).contains(&required) => {
            Ok(())
        }
        (ItemKind::RequiredApprovals, None, Some(_)) => Err(CouncilError::invalid(
            field("required_approvals"),
            "a number from 0 to 20",
        )),
        (kind, _, _) => Err(CouncilError::invalid(
            field("kind"),
            format!(
                "{}: rule_amendment binds nothing, policy_version a policy_version, \
                 required_approvals a required_approvals",
                kind.as_str()
            ),
        )),
    }
}
