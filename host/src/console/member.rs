//! A member's pages: the inbox (live over Server-Sent Events), one delivery
//! with its redactions marked, and the report form. Each calls what the
//! corresponding API route calls (`GET /inbox`, `GET /inbox/{id}`,
//! `GET /inbox/stream`, `POST /communities/{id}/reports`), audit-logged alike.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::i18n::{Lang, T};
use super::layout;
use super::session::Signed;
use super::{Failure, Form};
use crate::api::{ApiError, AppState, inbox, reports};
use crate::intake;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox_page))
        .route("/inbox/stream", get(stream))
        .route("/inbox/{delivery}", get(delivery))
        .route("/submit", get(submit_page).post(submit))
}

/// How many deliveries the inbox page lists (the API's largest page)...
const INBOX_PAGE: i64 = 500;
/// ...of those that became due in the last this many days.
const INBOX_DAYS: i64 = 30;

async fn inbox_page(State(state): State<AppState>, signed: Signed) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let since = crate::store::now() - INBOX_DAYS * 86_400;
    let page = inbox::page_since(state, signed.principal.clone(), since, INBOX_PAGE).await?;
    let items: Vec<&Value> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .collect();
    let body = html! {
        p.help { (lang.t(T::InboxLive)) }
        p #live-status.muted role="status" aria-live="polite" {}
        table #inbox data-stream="/console/inbox/stream" data-lang=(lang.code()) {
            caption.visually-hidden { (lang.t(T::Inbox)) }
            thead { tr {
                th scope="col" { (lang.t(T::Delivered)) }
                th scope="col" { (lang.t(T::ReportTitle)) }
                th scope="col" { (lang.t(T::Tlp)) }
                th scope="col" { (lang.t(T::Case)) }
            } }
            tbody {
                @for item in &items { (row(lang, item)) }
            }
        }
        @if items.is_empty() { p #inbox-empty { (lang.t(T::InboxEmpty)) } }
    };
    Ok(layout::page(
        &signed,
        "/console/inbox",
        lang.t(T::Inbox),
        body,
    ))
}

/// One inbox row (the script builds the same for live arrivals).
fn row(lang: Lang, item: &Value) -> Markup {
    let id = item["delivery_id"].as_i64().unwrap_or_default();
    html! {
        tr data-delivery=(id) {
            td { (lang.date_text(item["delivered_at"].as_str().unwrap_or_default())) }
            td { a href={ "/console/inbox/" (id) } { (layout::masked(lang, item["title"].as_str().unwrap_or_default())) } }
            td { span.tlp { "TLP:" (item["tlp"].as_str().unwrap_or_default().to_uppercase()) } }
            td { code { (item["case_id"].as_str().unwrap_or_default()) } }
        }
    }
}

/// The inbox stream for the session's member: the API's stream, which checks
/// the member's standing before every batch and audit-logs what it sends.
async fn stream(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let member = signed.principal.seat()?.member_id;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let events = inbox::member_stream(state, signed.token_hash.clone(), member, resume).await?;
    Ok(events.into_response())
}

async fn delivery(
    State(state): State<AppState>,
    signed: Signed,
    Path(delivery): Path<String>,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let delivery = super::path_number(&delivery)?;
    let item = inbox::delivered_view(&state.db, signed.principal.seat()?, delivery).await?;
    let item = serde_json::to_value(item).map_err(|e| ApiError::Internal(e.to_string()))?;
    let view = &item["view"];
    let body = html! {
        p {
            (lang.t(T::Delivered)) ": " (lang.date_text(item["delivered_at"].as_str().unwrap_or_default()))
            " · " (lang.t(T::Case)) ": " code { (item["case_id"].as_str().unwrap_or_default()) }
            " · " (lang.t(T::Community)) ": " (item["community"].as_str().unwrap_or_default())
        }
        (layout::view(lang, view))
        p { a href="/console/inbox" { (lang.t(T::Back)) } }
    };
    let title = format!("{} #{delivery}", lang.t(T::Inbox));
    Ok(layout::page(
        &signed,
        &format!("/console/inbox/{delivery}"),
        &title,
        body,
    ))
}

async fn submit_page(signed: Signed) -> Result<Markup, Failure> {
    signed.principal.seat()?;
    Ok(form_page(&signed, &Form::default(), None))
}

/// A refusal from the API's validation: the form field it concerns (the
/// top-level name of a path such as `indicators[2].value`) and its message.
struct FieldProblem {
    field: String,
    message: String,
}

async fn submit(
    State(state): State<AppState>,
    signed: Signed,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&body);
    signed.check_form(&form)?;
    let seat = signed.principal.seat()?;
    let lang = signed.lang;
    let json = submission_json(&form);
    let parsed = intake::parse(json.to_string().as_bytes())
        .and_then(intake::validate)
        .inspect_err(|_| crate::telemetry::refused(&seat.community_id));
    let decided = match parsed {
        Ok(submission) => {
            reports::decide(&state, seat, seat.community_id.clone(), submission).await
        }
        Err(e) => Err(ApiError::invalid(e.field, e.message)),
    };
    let committed = match decided {
        Ok(committed) => committed,
        Err(ApiError::Invalid { field, message }) => {
            let problem = FieldProblem {
                field: field
                    .split(['[', '.'])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                message: format!("{field}: {message}"),
            };
            let page = form_page(&signed, &form, Some(&problem));
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    let quarantined = committed.status == crate::model::ReportStatus::Quarantined;
    let body = html! {
        p role="status" #submitted {
            @if quarantined { (lang.t(T::Quarantined)) } @else { (lang.t(T::ReportSent)) }
        }
        dl {
            dt { "ID" } dd { code { (committed.report_id) } }
            dt { (lang.t(T::Case)) } dd { code { (committed.case_id.clone().unwrap_or_default()) } }
            dt { (lang.t(T::Recipients)) } dd { (committed.deliveries) }
        }
        p { a href="/console/inbox" { (lang.t(T::Inbox)) } " · " a href="/console/submit" { (lang.t(T::Submit)) } }
    };
    Ok(layout::page(&signed, "/console/submit", lang.t(T::ReportSent), body).into_response())
}

/// The form's fields as the API's JSON body: the same parser and checks then
/// apply, so the console refuses exactly what the API refuses.
pub(super) fn submission_json(form: &Form) -> Value {
    let optional = |name: &str| {
        let value = form.get(name).trim();
        (!value.is_empty()).then(|| value.to_string())
    };
    let indicators: Vec<Value> = form
        .get("indicators")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| match line.split_once(char::is_whitespace) {
            Some((kind, value)) => json!({"kind": kind, "value": value.trim()}),
            None => json!({"kind": line, "value": ""}),
        })
        .collect();
    let list = |name: &str| -> Vec<String> {
        form.get(name)
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    // Recipient ids that are not numbers are sent as text, so the API's own
    // parser names the field.
    let recipients: Vec<Value> = list("named_recipients")
        .into_iter()
        .map(|id| {
            id.parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(id))
        })
        .collect();
    json!({
        "title": form.get("title"),
        "body": form.get("body"),
        "tlp": form.get("tlp"),
        "confidence": form.get("confidence"),
        "victim": optional("victim"),
        "tags": list("tags"),
        "indicators": indicators,
        "named_recipients": recipients,
    })
}

/// The report form, filled with `form` and showing `problem` at its field.
fn form_page(signed: &Signed, form: &Form, problem: Option<&FieldProblem>) -> Markup {
    let lang = signed.lang;
    let error = |field: &str| -> Option<String> {
        problem
            .filter(|p| p.field == field)
            .map(|p| p.message.clone())
    };
    let described = |field: &str| error(field).map(|_| format!("{field}-error"));
    let message = |field: &str| {
        html! {
            @if let Some(message) = error(field) { p.error id={ (field) "-error" } role="alert" { (message) } }
        }
    };
    let tlp = if form.get("tlp").is_empty() {
        "green"
    } else {
        form.get("tlp")
    };
    let confidence = if form.get("confidence").is_empty() {
        "unconfirmed"
    } else {
        form.get("confidence")
    };
    let body = html! {
        p.help { (lang.t(T::SubmitHelp)) }
        @if let Some(problem) = problem {
            p.error role="alert" { (lang.t(T::FixErrors)) " (" (problem.message) ")" }
        }
        form #report method="post" action="/console/submit" novalidate {
            input type="hidden" name="csrf" value=(signed.csrf);
            label for="title" { (lang.t(T::ReportTitle)) }
            input #title name="title" value=(form.get("title")) required maxlength="300"
                aria-invalid=[error("title").map(|_| "true")] aria-describedby=[described("title")];
            (message("title"))
            label for="body" { (lang.t(T::Body)) }
            textarea #body name="body" rows="5" aria-describedby=[described("body")] { (form.get("body")) }
            (message("body"))
            label for="tlp" { (lang.t(T::Tlp)) }
            select #tlp name="tlp" aria-describedby=[described("tlp")] {
                @for (value, label) in [("clear", "TLP:CLEAR"), ("green", "TLP:GREEN"), ("amber", "TLP:AMBER"), ("amber+strict", "TLP:AMBER+STRICT"), ("red", "TLP:RED")] {
                    option value=(value) selected[value == tlp] { (label) }
                }
            }
            (message("tlp"))
            label for="confidence" { (lang.t(T::Confidence)) }
            select #confidence name="confidence" {
                @for (value, label) in [("suspicion", T::Suspicion), ("unconfirmed", T::Unconfirmed), ("confirmed", T::Confirmed)] {
                    option value=(value) selected[value == confidence] { (lang.t(label)) }
                }
            }
            (message("confidence"))
            label for="victim" { (lang.t(T::Victim)) }
            input #victim name="victim" value=(form.get("victim")) maxlength="300"
                aria-invalid=[error("victim").map(|_| "true")] aria-describedby=[described("victim")];
            (message("victim"))
            label for="indicators" { (lang.t(T::Indicators)) }
            textarea #indicators name="indicators" rows="4" aria-describedby="indicators-help"
                aria-invalid=[error("indicators").map(|_| "true")] { (form.get("indicators")) }
            p.help id="indicators-help" { (lang.t(T::IndicatorsHelp)) }
            (message("indicators"))
            label for="tags" { (lang.t(T::Tags)) }
            input #tags name="tags" value=(form.get("tags")) aria-describedby="tags-help";
            p.help id="tags-help" { (lang.t(T::TagsHelp)) }
            (message("tags"))
            label for="named_recipients" { (lang.t(T::Recipients)) " (TLP:RED)" }
            input #named_recipients name="named_recipients" value=(form.get("named_recipients"));
            (message("named_recipients"))
            button type="submit" { (lang.t(T::SubmitButton)) }
        }
    };
    layout::page(signed, "/console/submit", lang.t(T::Submit), body)
}
