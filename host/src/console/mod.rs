//! The web console at `/console/` (and `/`, which leads there): server-rendered
//! HTML (maud), a small stylesheet and one script embedded in the binary, no
//! inline script or style, so the Content-Security-Policy can forbid both.
//!
//! Every page acts through the same functions the API handlers use, with the
//! principal the session's token stands for, so a page shows exactly what the
//! API would answer that principal and refuses what it refuses (as an HTML
//! 403 or 404 page rather than JSON). One module per page group: [`member`]
//! (inbox, delivery, submit), [`overview`] (cases, publications,
//! statistics), [`operator`] (community, versions), [`operations`]
//! (quarantine, decision log, explain, shadow diffs),
//! [`playground`], [`governance`] (steering committee, secretariat).

mod governance;
pub mod i18n;
mod layout;
mod member;
mod operations;
mod operator;
mod overview;
mod playground;
mod session;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::Markup;

use crate::api::{ApiError, AppState, Principal};
use i18n::Lang;
use session::Signed;

/// The policy on every console response: scripts, styles, connections and
/// forms only from this server, no inline script or style, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/lang/{code}", get(switch_language))
        .route("/static/{file}", get(asset))
        .merge(member::router())
        .merge(operator::router())
        .merge(operations::router())
        .merge(overview::router())
        .merge(playground::router())
        .merge(governance::router())
        .fallback(not_found);
    Router::new()
        .route("/", get(|| async { redirect("/console") }))
        .nest("/console", pages)
        .layer(axum::middleware::from_fn(html_errors))
}

/// Why a page was not shown. The [`html_errors`] layer renders it in the
/// visitor's language.
#[derive(Debug)]
pub enum Failure {
    /// No session, or its token no longer stands for anyone: sign in.
    SignIn,
    /// A POST without the session's form token, or from another site.
    Csrf,
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Api(e.into())
    }
}

/// What [`html_errors`] needs to render a failure: its status and message.
#[derive(Debug, Clone)]
struct Failed {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Failure::SignIn => return redirect("/console/sign-in"),
            Failure::Csrf => (
                StatusCode::FORBIDDEN,
                "the form is stale or came from another site: reload the page".to_string(),
            ),
            Failure::Api(error) => {
                let status = error.status();
                // The API's error response logs internal errors; keep that.
                if status.is_server_error() {
                    drop(error.into_response());
                    (status, String::new())
                } else {
                    (status, error.to_string())
                }
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(Failed { status, message });
        response
    }
}

/// A 303 to `to` (after a POST, the browser then GETs it).
pub fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Renders failures as HTML pages and sets the security headers on every
/// console response.
async fn html_errors(request: Request, next: Next) -> Response {
    let lang = Lang::of_request(request.headers());
    let mut response = next.run(request).await;
    if let Some(failed) = response.extensions_mut().remove::<Failed>() {
        let status = failed.status;
        response = (status, layout::error_page(lang, &failed.message, status)).into_response();
    }
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Not `no-referrer`: under it browsers send `Origin: null` with a form's
    // POST, and the same-origin check needs the real origin.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages hold confidential views: never kept by the browser or a proxy.
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn not_found() -> Failure {
    Failure::Api(ApiError::NotFound)
}

/// A form body: `application/x-www-form-urlencoded` fields.
#[derive(Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &Bytes) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The field's value ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }
}

/// A posted form: URL-encoded, or multipart with at most one file (a plugin
/// component to stage or to try in the playground).
pub struct Posted {
    pub form: Form,
    pub file: Option<Bytes>,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Failure> {
        let bad = |message: String| Failure::Api(ApiError::invalid("body", message));
        let multipart = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"));
        if !multipart {
            let bytes = Bytes::from_request(request, state)
                .await
                .map_err(|e| bad(e.body_text()))?;
            return Ok(Posted {
                form: Form::parse(&bytes),
                file: None,
            });
        }
        let mut parts = Multipart::from_request(request, state)
            .await
            .map_err(|e| bad(e.body_text()))?;
        let (mut fields, mut file) = (Vec::new(), None);
        while let Some(field) = parts.next_field().await.map_err(|e| bad(e.body_text()))? {
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
                file = Some(bytes).filter(|b| !b.is_empty());
            } else {
                fields.push((name, field.text().await.map_err(|e| bad(e.body_text()))?));
            }
        }
        Ok(Posted {
            form: Form(fields),
            file,
        })
    }
}

/// An id from the path: anything but a number names nothing (404).
pub fn path_number(text: &str) -> Result<i64, Failure> {
    text.parse().map_err(|_| Failure::Api(ApiError::NotFound))
}

/// The first page for each role.
async fn home(signed: Result<Signed, Failure>) -> Response {
    let Ok(signed) = signed else {
        return redirect("/console/sign-in");
    };
    match &signed.principal {
        Principal::Member(_) => redirect("/console/inbox"),
        Principal::Operator { community_id } => {
            redirect(&format!("/console/communities/{community_id}"))
        }
        Principal::SteeringCommittee => redirect("/console/steering"),
        Principal::Secretariat => redirect("/console/secretariat"),
    }
}

async fn sign_in_page(headers: HeaderMap) -> Markup {
    layout::sign_in(Lang::of_request(&headers), false)
}

async fn sign_in(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = Lang::of_request(&headers);
    if !session::same_origin(&headers) {
        return Failure::Csrf.into_response();
    }
    let form = Form::parse(&body);
    match session::open(&state, form.get("token")).await {
        Ok(id) => {
            let mut response = redirect("/console");
            if let Ok(cookie) = HeaderValue::from_str(&session::session_cookie(&id)) {
                response.headers_mut().insert(SET_COOKIE, cookie);
            }
            response
        }
        Err(ApiError::BadToken | ApiError::Unauthorized | ApiError::Forbidden) => {
            (StatusCode::UNAUTHORIZED, layout::sign_in(lang, true)).into_response()
        }
        Err(other) => Failure::Api(other).into_response(),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    signed: Signed,
    body: Bytes,
) -> Result<Response, Failure> {
    signed.check_form(&Form::parse(&body))?;
    session::close(&state, &signed.session).await?;
    let mut response = redirect("/console/sign-in");
    if let Ok(cookie) = HeaderValue::from_str(&session::session_cookie("")) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
struct Back {
    back: Option<String>,
}

/// Sets the language cookie and returns to the page the switch was on (only
/// a console path: never a redirect elsewhere).
async fn switch_language(
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(back): axum::extract::Query<Back>,
) -> Result<Response, Failure> {
    let lang = Lang::parse(&code).ok_or(Failure::Api(ApiError::NotFound))?;
    let back = back
        .back
        .filter(|b| b.starts_with("/console/") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/console".into());
    let mut response = redirect(&back);
    let cookie = format!(
        "{}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        i18n::LANG_COOKIE,
        lang.code()
    );
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The embedded stylesheet and script.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind): (&'static str, &'static str) = match file.as_str() {
        "console.css" => (
            include_str!("assets/console.css"),
            "text/css; charset=utf-8",
        ),
        "console.js" => (
            include_str!("assets/console.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return Failure::Api(ApiError::NotFound).into_response(),
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}
