//! The policy playground page: pick a stored version (and settings), write a
//! report (fields or JSON) and a submitting member, and see per member of the
//! community what the version would deliver beside the active version, the
//! extra text highlighted ([`crate::registry::playground`]). Who may use it:
//! whoever may stage a version (the community's operator, the secretariat).
//! "Save as fixture" answers the same run as a fixture file for `plugin test`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Value;
use sqlx::Row;

use super::i18n::{Lang, T};
use super::layout;
use super::session::Signed;
use super::{Failure, Form, Posted};
use crate::api::{ApiError, AppState, Seat, policies, reports};
use crate::pipeline::{PlanError, Policy};
use crate::registry::playground::{self, MemberOutcome, Run};
use crate::{intake, registry};

pub fn router() -> Router<AppState> {
    Router::new().route("/communities/{id}/playground", get(show).post(run))
}

/// The community's versions (newest first) and approved members, for the form.
struct Choices {
    versions: Vec<Value>,
    members: Vec<(i64, String)>,
}

async fn choices(state: &AppState, signed: &Signed, id: &str) -> Result<Choices, Failure> {
    // The playground is the operator's: refuse as staging would, then read.
    policies::community(state, &signed.principal, id, true).await?;
    let listed = policies::list_json(&state, &signed.principal, &id).await?;
    let rows = sqlx::query(
        "SELECT m.id, o.name FROM members m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.community_id = $1 AND m.status = 'approved' ORDER BY o.name, m.id",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let members = rows
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Choices {
        versions: listed["versions"].as_array().cloned().unwrap_or_default(),
        members,
    })
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let choices = choices(&state, &signed, &id).await?;
    Ok(page(&signed, &id, &choices, &Form::default(), None, None))
}

async fn run(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, Failure> {
    let Posted { form, file } = signed.checked(posted)?;
    let choices = choices(&state, &signed, &id).await?;
    let ran = match evaluate(&state, &signed, &id, &form, file).await {
        Ok(ran) => ran,
        Err(ApiError::Invalid { field, message }) => {
            let problem = format!("{field}: {message}");
            let page = page(&signed, &id, &choices, &form, None, Some(&problem));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    if form.get("save") == "fixture" {
        return Ok(fixture(&ran));
    }
    Ok(page(&signed, &id, &choices, &form, Some(&ran), None).into_response())
}

/// The run the form asks for, with the report and settings it used.
async fn evaluate(
    state: &AppState,
    signed: &Signed,
    id: &str,
    form: &Form,
    component: Option<Bytes>,
) -> Result<Run, ApiError> {
    let submitter: i64 = form
        .get("submitter")
        .parse()
        .map_err(|_| ApiError::invalid("submitter", "choose a member"))?;
    let mut conn = state.db.acquire().await?;
    let version = match &component {
        Some(_) => None,
        None => {
            let number: i64 = form
                .get("version")
                .parse()
                .map_err(|_| ApiError::invalid("version", "choose a version"))?;
            Some(registry::get(&mut conn, id, number).await?)
        }
    };
    let row = sqlx::query("SELECT organisation_id, class FROM members WHERE id = $1 AND community_id = $2 AND status = 'approved'")
        .bind(submitter)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| ApiError::invalid("submitter", "not an approved member of this community"))?;
    // Not held while a plugin loads or runs (they take connections of their own).
    drop(conn);
    let (plugin, default_settings) = match (component, version) {
        // An uploaded component is loaded for this run only: not stored.
        (Some(bytes), _) => {
            let pipeline = state.pipeline.clone();
            let plugin = tokio::task::spawn_blocking(move || pipeline.runtime().load(&bytes))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(|e| ApiError::invalid("component", e.fault.to_string()))?;
            (plugin, "{}".to_string())
        }
        (None, Some(version)) => {
            let plugin = state
                .pipeline
                .plugin(&version.digest)
                .await
                .map_err(plan_error)?;
            (plugin, version.settings)
        }
        (None, None) => return Err(ApiError::invalid("version", "choose a version")),
    };
    let settings = match form.get("settings").trim() {
        "" => default_settings,
        text => {
            serde_json::from_str::<Value>(text)
                .map_err(|e| ApiError::invalid("settings", e.to_string()))?;
            text.to_string()
        }
    };
    let class: String = row.try_get(1)?;
    let seat = Seat {
        member_id: submitter,
        organisation_id: row.try_get(0)?,
        community_id: id.to_string(),
        class: crate::model::parse_label(&class)
            .map_err(|_| ApiError::Internal(format!("unknown class {class}")))?,
    };
    let report_json = match form.get("report_json").trim() {
        "" => super::member::submission_json(form),
        text => serde_json::from_str(text)
            .map_err(|e| ApiError::invalid("report_json", e.to_string()))?,
    };
    let submission =
        intake::parse(report_json.to_string().as_bytes()).and_then(intake::validate)?;
    let report = reports::new_report(&seat, id.to_string(), submission.into_inner());
    let policy = Policy {
        community: id.to_string(),
        plugin,
        settings,
    };
    playground::run(&state.pipeline, policy, report, &signed.principal.actor())
        .await
        .map_err(plan_error)
}

/// A version whose plugin does not load (its warm-up faulted) cannot be run:
/// said as such (409), not as a server error.
fn plan_error(error: PlanError) -> ApiError {
    match error {
        PlanError::Database(e) => e.into(),
        PlanError::Plugin { .. } => ApiError::Conflict(error.to_string()),
        PlanError::Join(e) => ApiError::Internal(e.to_string()),
    }
}

/// The run as a fixture file for `isac-host plugin test`.
fn fixture(ran: &Run) -> Response {
    let body = serde_json::to_string_pretty(&ran.fixture).unwrap_or_default();
    (
        [
            (CONTENT_TYPE, "application/json"),
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"playground-fixture.json\"",
            ),
        ],
        body,
    )
        .into_response()
}

fn page(
    signed: &Signed,
    id: &str,
    choices: &Choices,
    form: &Form,
    ran: Option<&Run>,
    problem: Option<&str>,
) -> Markup {
    let lang = signed.lang;
    let chosen = form.get("version");
    let submitter = form.get("submitter");
    let body = html! {
        p.help { (lang.t(T::PlaygroundHelp)) }
        @if let Some(problem) = problem { p.error role="alert" #playground-error { (lang.t(T::FixErrors)) " (" (problem) ")" } }
        form #playground method="post" enctype="multipart/form-data" action={ "/console/communities/" (id) "/playground" } {
            input type="hidden" name="csrf" value=(signed.csrf);
            div.columns {
                div {
                    label for="version" { (lang.t(T::Version)) }
                    select #version name="version" {
                        @for v in &choices.versions {
                            @let number = v["id"].to_string();
                            option value=(number) selected[number == chosen] {
                                "v" (number) " — " (v["status"].as_str().unwrap_or_default()) " — " (v["digest"].as_str().unwrap_or_default().chars().take(12).collect::<String>())
                            }
                        }
                    }
                    label for="component" { (lang.t(T::Component)) }
                    input #component type="file" name="component" accept=".wasm,application/wasm" aria-describedby="component-help";
                    p.help #component-help { (lang.t(T::ComponentHelp)) }
                    label for="settings" { (lang.t(T::Settings)) " (JSON)" }
                    textarea #settings name="settings" rows="2" { (form.get("settings")) }
                    label for="submitter" { (lang.t(T::Submitter)) }
                    select #submitter name="submitter" {
                        @for (member, name) in &choices.members {
                            @let value = member.to_string();
                            option value=(value) selected[value == submitter] { (name) " (" (member) ")" }
                        }
                    }
                }
                div {
                    label for="title" { (lang.t(T::ReportTitle)) }
                    input #title name="title" value=(form.get("title"));
                    label for="body" { (lang.t(T::Body)) }
                    textarea #body name="body" rows="3" { (form.get("body")) }
                    label for="tlp" { (lang.t(T::Tlp)) }
                    select #tlp name="tlp" {
                        @for value in ["clear", "green", "amber", "amber+strict", "red"] {
                            option value=(value) selected[value == form.get("tlp") || (form.get("tlp").is_empty() && value == "green")] { "TLP:" (value.to_uppercase()) }
                        }
                    }
                    label for="confidence" { (lang.t(T::Confidence)) }
                    select #confidence name="confidence" {
                        @for (value, label) in [("suspicion", T::Suspicion), ("unconfirmed", T::Unconfirmed), ("confirmed", T::Confirmed)] {
                            option value=(value) selected[value == form.get("confidence") || (form.get("confidence").is_empty() && value == "confirmed")] { (lang.t(label)) }
                        }
                    }
                    label for="victim" { (lang.t(T::Victim)) }
                    input #victim name="victim" value=(form.get("victim"));
                    label for="indicators" { (lang.t(T::Indicators)) }
                    textarea #indicators name="indicators" rows="2" aria-describedby="indicators-help" { (form.get("indicators")) }
                    p.help #indicators-help { (lang.t(T::IndicatorsHelp)) }
                    label for="report_json" { "JSON" }
                    textarea #report_json name="report_json" rows="3" { (form.get("report_json")) }
                }
            }
            button type="submit" name="save" value="run" { (lang.t(T::Run)) }
            " "
            button type="submit" name="save" value="fixture" { (lang.t(T::SaveFixture)) }
        }
        @if let Some(ran) = ran { (results(lang, ran)) }
    };
    let here = format!("/console/communities/{id}/playground");
    layout::page(signed, &here, lang.t(T::Playground), body)
}

fn results(lang: Lang, ran: &Run) -> Markup {
    // Members whose outcome differs come first.
    let mut members: Vec<_> = ran.members.iter().collect();
    members.sort_by_key(|m| !differs(m));
    html! {
        section #results aria-labelledby="results-title" {
            h2 #results-title { (lang.t(T::Run)) }
            p {
                (lang.t(T::CandidateSide)) ": " code { (ran.candidate_digest.chars().take(12).collect::<String>()) }
                " · " (lang.t(T::ActiveSide)) ": " code { (ran.active_digest.as_deref().unwrap_or("-").chars().take(12).collect::<String>()) }
                " · " strong #differing { (ran.differing) } " " (lang.t(T::Differs))
            }
            @if let Some(fault) = &ran.candidate_fault { p.error { (lang.t(T::Fault)) ": " (fault) } }
            table #per-member {
                thead { tr {
                    th scope="col" { (lang.t(T::Member)) }
                    th scope="col" { (lang.t(T::CandidateSide)) }
                    th scope="col" { (lang.t(T::ActiveSide)) }
                    th scope="col" { (lang.t(T::Extra)) }
                } }
                tbody {
                    @for member in members {
                        tr class=[differs(member).then_some("differs")] data-member=(member.member) {
                            th scope="row" { (member.organisation) " " small { "(" (member.member) ")" } }
                            td { (outcome(lang, &member.candidate)) }
                            td { @if let Some(active) = &member.active { (outcome(lang, active)) } }
                            td.extra {
                                @if let Some(change) = &member.change {
                                    @for text in change.extra.title.iter().chain(&change.extra.body).chain(&change.extra.victim).chain(&change.extra.tags) {
                                        mark.extra { (text) } " "
                                    }
                                    @for indicator in &change.extra.indicators { mark.extra { (indicator.value) } " " }
                                    @if let Some(delay) = &change.delay_seconds { span { (lang.t(T::Delay)) ": " (delay.active) "s → " (delay.candidate) "s" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn differs(member: &playground::MemberRun) -> bool {
    member.change.is_some()
        || member
            .active
            .as_ref()
            .is_some_and(|a| a.received != member.candidate.received)
}

fn outcome(lang: Lang, outcome: &MemberOutcome) -> Markup {
    let view = outcome
        .view
        .as_ref()
        .and_then(|v| serde_json::to_value(v).ok());
    html! {
        @if outcome.received { span.received { (lang.t(T::Received)) } } @else { span.not-received { (lang.t(T::NotReceived)) } }
        " " small.why { (outcome.why.join(", ")) }
        @if outcome.delay_seconds > 0 { " · " (lang.t(T::Delay)) " " (outcome.delay_seconds) "s" }
        @if let Some(view) = view {
            details { summary { (lang.t(T::View)) } (layout::view(lang, &view)) }
        }
    }
}
