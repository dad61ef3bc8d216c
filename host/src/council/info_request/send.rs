//! Sending a request: its recipients are resolved to approved members of the
//! community when it is sent, so a member who joins a class later is not asked
//! after the fact.

use serde::Deserialize;
use sqlx::AnyConnection;

use super::Addressees;
use crate::council::CouncilError;
use crate::store;

const MAX_BODY: usize = 64 * 1024;

/// A request to send.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// One line, at most 300 characters.
    pub title: String,
    /// What is asked, at most 64 KiB. Recipients read it: write nothing they
    /// may not know.
    pub body: String,
    /// The case the request is about, a case of the community. A recipient
    /// reads its id only if it received a report in the case.
    #[serde(default)]
    pub case_id: Option<String>,
    /// When answers are due (RFC 3339), in the future.
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: i64,
    pub to: Addressees,
}

/// Stores the request and its recipients in the caller's write transaction;
/// returns its id.
pub async fn send(
    tx: &mut AnyConnection,
    community: &str,
    request: &NewRequest,
    actor: &str,
    now: i64,
) -> Result<String, CouncilError> {
    let title = match crate::text::one_line(&request.title) {
        Ok(title) if title.chars().count() <= 300 => title.to_string(),
        _ => {
            return Err(CouncilError::invalid(
                "title",
                "one line of 1 to 300 characters",
            ));
        }
    };
    if request.body.trim().is_empty() || request.body.len() > MAX_BODY {
        return Err(CouncilError::invalid(
            "body",
            format!("1 to {MAX_BODY} bytes"),
        ));
    }
    // As a report's body: lines and tabs, no other control character (NUL
    // cannot even be stored in PostgreSQL text).
    let allowed = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
    if !request.body.chars().all(allowed) {
        return Err(CouncilError::invalid(
            "body",
            "no control characters but line breaks and tabs",
        ));
    }
    if request.due_at <= now {
        return Err(CouncilError::invalid("due_at", "in the future"));
    }
    if let Some(case) = &request.case_id {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM cases WHERE id = $1 AND community_id = $2")
                .bind(case)
                .bind(community)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(CouncilError::invalid(
                "case_id",
                "not a case of this community",
            ));
        }
    }
    let recipients = resolve(tx, community, &request.to).await?;
    let id = store::new_id("rq");
    sqlx::query(
        "INSERT INTO info_requests (id, community_id, title, body, case_id, due_at, \
         requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(community)
    .bind(&title)
    .bind(&request.body)
    .bind(&request.case_id)
    .bind(request.due_at)
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for member in &recipients {
        sqlx::query(
            "INSERT INTO info_request_recipients (request_id, member_id, status) \
             VALUES ($1, $2, 'pending')",
        )
        .bind(&id)
        .bind(member)
        .execute(&mut *tx)
        .await?;
    }
    let detail = format!("{} recipients", recipients.len());
    store::audit(tx, actor, "request.send", &id, &detail).await?;
    Ok(id)
}

/// The approved members the request goes to, each once.
async fn resolve(
    conn: &mut AnyConnection,
    community: &str,
    to: &Addressees,
) -> Result<Vec<i64>, CouncilError> {
    let members: Vec<i64> = match to {
        Addressees::Members(ids) => {
            let mut members = Vec::new();
            for (n, id) in ids.iter().enumerate() {
                let approved: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM members WHERE id = $1 AND community_id = $2 AND status = 'approved'",
                )
                .bind(id)
                .bind(community)
                .fetch_optional(&mut *conn)
                .await?;
                match approved {
                    Some(id) if !members.contains(&id) => members.push(id),
                    Some(_) => {}
                    None => {
                        return Err(CouncilError::invalid(
                            format!("to.members[{n}]"),
                            "not an approved member of this community",
                        ));
                    }
                }
            }
            members
        }
        Addressees::Class(class) => {
            let class = serde_json::to_value(class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            sqlx::query_scalar(
                "SELECT id FROM members WHERE community_id = $1 AND class = $2 \
                 AND status = 'approved' ORDER BY id",
            )
            .bind(community)
            .bind(class)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    if members.is_empty() {
        return Err(CouncilError::invalid(
            "to",
            "no approved member of this community",
        ));
    }
    Ok(members)
}

/// Reminds the recipients who have not responded: the inbox stream sends the
/// request to each of them again.
pub async fn remind(
    tx: &mut AnyConnection,
    community: &str,
    request: &str,
    actor: &str,
    now: i64,
) -> Result<(), CouncilError> {
    let reminded = sqlx::query(
        "UPDATE info_requests SET reminded_at = $1 WHERE id = $2 AND community_id = $3",
    )
    .bind(now)
    .bind(request)
    .bind(community)
    .execute(&mut *tx)
    .await?;
    if reminded.rows_affected() == 0 {
        return Err(CouncilError::NotFound);
    }
    store::audit(tx, actor, "request.remind", request, "").await?;
    Ok(())
}
