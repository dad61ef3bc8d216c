//! Bearer tokens (random 256-bit, stored only as sha256) and who they stand for.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sqlx::{AnyConnection, Row};

use super::{ApiError, AppState};
use crate::model::MemberClass;
use crate::store;

/// The token in `Bearer <token>`, or the password of HTTP Basic credentials
/// (TAXII clients send Basic; the user name is not used).
fn bearer_or_basic(header: &str) -> Option<String> {
    use base64::Engine as _;
    if let Some(token) = header.strip_prefix("Bearer ") {
        return Some(token.trim().to_string());
    }
    let encoded = header.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let credentials = String::from_utf8(decoded).ok()?;
    let (_, password) = credentials.split_once(':')?;
    Some(password.to_string())
}

/// The roles a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Member,
    Operator,
    SteeringCommittee,
    Secretariat,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Operator => "operator",
            Role::SteeringCommittee => "steering_committee",
            Role::Secretariat => "secretariat",
        }
    }

    fn parse(text: &str) -> Option<Role> {
        [
            Role::Member,
            Role::Operator,
            Role::SteeringCommittee,
            Role::Secretariat,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// A member acting through its token: an organisation's seat in one community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub member_id: i64,
    pub organisation_id: i64,
    pub community_id: String,
    pub class: MemberClass,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Member(Seat),
    Operator { community_id: String },
    SteeringCommittee,
    Secretariat,
}

impl Principal {
    /// How the audit log names the caller.
    pub fn actor(&self) -> String {
        match self {
            Principal::Member(seat) => format!("member:{}", seat.member_id),
            Principal::Operator { community_id } => format!("operator:{community_id}"),
            Principal::SteeringCommittee => "steering_committee".into(),
            Principal::Secretariat => "secretariat".into(),
        }
    }

    pub fn seat(&self) -> Result<&Seat, ApiError> {
        match self {
            Principal::Member(seat) => Ok(seat),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// The community's operator, or the secretariat.
    pub fn operates(&self, community_id: &str) -> bool {
        match self {
            Principal::Operator { community_id: own } => own == community_id,
            Principal::Secretariat => true,
            _ => false,
        }
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token and returns it; only its hash is stored.
pub async fn issue_token(
    conn: &mut AnyConnection,
    role: Role,
    member_id: Option<i64>,
    community_id: Option<&str>,
    label: &str,
) -> Result<String, sqlx::Error> {
    let token = format!("isac_{}", hex::encode(store::random_bytes::<32>()));
    sqlx::query(
        "INSERT INTO tokens (hash, role, member_id, community_id, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_token(&token))
    .bind(role.as_str())
    .bind(member_id)
    .bind(community_id)
    .bind(label)
    .bind(store::now())
    .execute(conn)
    .await?;
    Ok(token)
}

/// Principals by token hash, valid for one membership generation: any change of a
/// member's status or class (and expulsion is the only way a token is revoked)
/// starts a new generation, so a cached principal never outlives its rights.
#[derive(Default)]
pub struct PrincipalCache {
    entries: Mutex<(u64, HashMap<String, Principal>)>,
}

/// Bound on cached principals; past it the cache starts again empty.
const MAX_CACHED_PRINCIPALS: usize = 10_000;

impl PrincipalCache {
    fn get(&self, generation: u64, hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        (entries.0 == generation)
            .then(|| entries.1.get(hash).cloned())
            .flatten()
    }

    fn put(&self, generation: u64, hash: String, principal: Principal) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.0 != generation || entries.1.len() >= MAX_CACHED_PRINCIPALS {
            *entries = (generation, HashMap::new());
        }
        entries.1.insert(hash, principal);
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let hash = token_hash(&parts.headers).ok_or(ApiError::Unauthorized)?;
        principal(state, &hash).await
    }
}

/// The hash of the token a request carries.
pub fn token_hash(headers: &HeaderMap) -> Option<String> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    bearer_or_basic(header).map(|token| hash_token(&token))
}

/// Who the token with this hash stands for now: refused once the member is
/// suspended, expelled or the token revoked. Cached per membership generation,
/// so asking again between membership changes costs no query (inbox streams
/// ask before every batch they send).
pub async fn principal(state: &AppState, hash: &str) -> Result<Principal, ApiError> {
    // Read the generation first: a change during the lookup makes the entry stale.
    let generation = state.pipeline.membership_generation();
    if let Some(principal) = state.principals.get(generation, hash) {
        return Ok(principal);
    }
    let principal = lookup(state, hash).await?;
    state
        .principals
        .put(generation, hash.into(), principal.clone());
    Ok(principal)
}

/// The principal behind a token hash, from the database.
async fn lookup(state: &AppState, hash: &str) -> Result<Principal, ApiError> {
    {
        let row = sqlx::query(
            "SELECT t.role, t.community_id, m.id, m.organisation_id, m.community_id, m.class, m.status \
             FROM tokens t LEFT JOIN members m ON m.id = t.member_id \
             WHERE t.hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(&state.db)
        .await?
        .ok_or(ApiError::BadToken)?;
        let role: String = row.try_get(0)?;
        match Role::parse(&role)
            .ok_or_else(|| ApiError::Internal(format!("unknown role {role}")))?
        {
            Role::Member => {
                let status: Option<String> = row.try_get(6)?;
                match status.as_deref() {
                    Some("approved") => {}
                    // Suspension keeps the token for reinstatement but allows nothing.
                    Some("suspended") => return Err(ApiError::Forbidden),
                    _ => return Err(ApiError::BadToken),
                }
                let class: String = row.try_get(5)?;
                Ok(Principal::Member(Seat {
                    member_id: row.try_get(2)?,
                    organisation_id: row.try_get(3)?,
                    community_id: row.try_get(4)?,
                    class: crate::model::parse_label(&class)
                        .map_err(|_| ApiError::Internal(format!("unknown class {class}")))?,
                }))
            }
            Role::Operator => Ok(Principal::Operator {
                community_id: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
            }),
            Role::SteeringCommittee => Ok(Principal::SteeringCommittee),
            Role::Secretariat => Ok(Principal::Secretariat),
        }
    }
}
