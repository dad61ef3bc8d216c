//! Console sessions. Signing in with a token opens a session: the browser keeps
//! a random id in an `HttpOnly`, `SameSite=Strict` cookie, the server keeps its
//! sha256 with the token's hash (table `console_sessions`). A session stands for
//! its token, so every request resolves the principal anew through
//! [`auth::principal`], exactly as the API does for a bearer token: a member
//! suspended or a token revoked is refused at once. Every form carries the
//! session's CSRF token, checked on every POST ([`Signed::check_form`]).

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use sqlx::Row;

use super::Failure;
use super::i18n::Lang;
use crate::api::{ApiError, AppState, Principal, hash_token, principal_of_hash};
use crate::store;

pub const SESSION_COOKIE: &str = "isac_session";
/// How long a session lasts after signing in.
const LIFETIME_SECONDS: i64 = 8 * 3600;

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Opens a session for `token` if it stands for someone now: the cookie value
/// to set.
pub async fn open(state: &AppState, token: &str) -> Result<String, ApiError> {
    let token_hash = hash_token(token.trim());
    let principal = principal_of_hash(state, &token_hash).await?;
    let id = hex::encode(store::random_bytes::<32>());
    let csrf = hex::encode(store::random_bytes::<16>());
    let now = store::now();
    let mut conn = state.db.acquire().await?;
    // Expired sessions go as new ones come, so the table stays small.
    sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO console_sessions (id_hash, token_hash, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_token(&id))
    .bind(&token_hash)
    .bind(&csrf)
    .bind(now)
    .bind(now + LIFETIME_SECONDS)
    .execute(&mut *conn)
    .await?;
    store::audit(
        &mut conn,
        &principal.actor(),
        "console.sign_in",
        "console",
        "",
    )
    .await?;
    Ok(id)
}

/// Ends the session whose cookie value is `id`.
pub async fn close(state: &AppState, id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
        .bind(hash_token(id))
        .execute(&state.db)
        .await?;
    Ok(())
}

/// The `Set-Cookie` value for a session id (empty and expired: signing out).
pub fn session_cookie(id: &str) -> String {
    let age = if id.is_empty() { 0 } else { LIFETIME_SECONDS };
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}")
}

/// A signed-in visitor: who the session's token stands for now, its CSRF
/// token and the page language.
#[derive(Debug, Clone)]
pub struct Signed {
    pub principal: Principal,
    pub token_hash: String,
    pub csrf: String,
    pub session: String,
    pub lang: Lang,
    /// A member's organisation (its own name), for the header; empty for roles.
    pub organisation: String,
}

impl Signed {
    /// Refuses a form whose CSRF token is not the session's.
    pub fn check_form(&self, form: &super::Form) -> Result<(), Failure> {
        if form.get("csrf") == self.csrf {
            Ok(())
        } else {
            Err(Failure::Csrf)
        }
    }
}

impl Signed {
    /// A posted form (and file), refused unless it carries the session's CSRF token.
    pub fn checked(&self, posted: super::Posted) -> Result<super::Posted, Failure> {
        self.check_form(&posted.form)?;
        Ok(posted)
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let lang = Lang::of_request(&parts.headers);
        if parts.method == Method::POST && !same_origin(&parts.headers) {
            return Err(Failure::Csrf);
        }
        let session = cookie(&parts.headers, SESSION_COOKIE).ok_or(Failure::SignIn)?;
        let row = sqlx::query(
            "SELECT token_hash, csrf FROM console_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(hash_token(&session))
        .bind(store::now())
        .fetch_optional(&state.db)
        .await
        .map_err(ApiError::from)?
        .ok_or(Failure::SignIn)?;
        let token_hash: String = row.try_get(0).map_err(ApiError::from)?;
        let principal = match principal_of_hash(state, &token_hash).await {
            Ok(principal) => principal,
            Err(ApiError::BadToken | ApiError::Unauthorized) => return Err(Failure::SignIn),
            Err(other) => return Err(other.into()),
        };
        let organisation = match &principal {
            Principal::Member(seat) => {
                sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
                    .bind(seat.organisation_id)
                    .fetch_optional(&state.db)
                    .await
                    .map_err(ApiError::from)?
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        Ok(Signed {
            organisation,
            principal,
            csrf: row.try_get(1).map_err(ApiError::from)?,
            token_hash,
            session,
            lang,
        })
    }
}

/// Whether a POST comes from a page of this server: browsers send `Origin`
/// with every POST, and a cross-site one names another host. (SameSite=Strict
/// already keeps the session cookie off cross-site requests; this also stops
/// a cross-site sign-in form from signing a victim into the attacker's token.)
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Non-browser clients send none; they cannot carry a victim's cookie.
        return true;
    };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    host.is_some() && origin_host == host
}
