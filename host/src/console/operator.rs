//! A community's policy as its operator (and the secretariat, and the steering
//! committee, which approves) sees it: the active version, required approvals,
//! the version timeline (staged, shadow, active, retired; who staged and who
//! approved) with its actions, and the form that stages a version. Each page
//! and action calls the API's own handler (`GET/POST /communities/{id}/policies`,
//! `…/{v}/approve|activate|shadow`, `…/policies/rollback`) with the session's
//! principal, so it allows exactly what the API allows.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::{Markup, html};
use serde_json::Value;

use super::i18n::{Lang, T};
use super::layout;
use super::session::Signed;
use super::{Failure, Form, Posted, redirect};
use crate::api::extract::{ApiJson, Path as ApiPath};
use crate::api::policies::{self, Candidate, Rollback, VersionPath};
use crate::api::{ApiError, AppState, Principal, communities};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{id}", get(community_page))
        .route("/communities/{id}/stage", post(stage))
        .route("/communities/{id}/rollback", post(rollback))
        .route("/communities/{id}/versions/{version}/{action}", post(act))
}

#[derive(serde::Deserialize)]
struct Done {
    done: Option<String>,
}

async fn community_page(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Markup, Failure> {
    let done = done.done.is_some();
    page(&state, &signed, &id, &Form::default(), None, done).await
}

/// The community page, the stage form filled with `form` and showing `problem`.
async fn page(
    state: &AppState,
    signed: &Signed,
    id: &str,
    form: &Form,
    problem: Option<&str>,
    done: bool,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let listed = policies::list_json(&state, &signed.principal, &id).await?;
    let versions: Vec<&Value> = listed["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let active = versions.iter().find(|v| v["status"] == "active");
    let operates = signed.principal.operates(id);
    let body = html! {
        @if done { p.notice role="status" { (lang.t(T::Done)) } }
        @if let Some(problem) = problem { p.error role="alert" { (problem) } }
        section aria-labelledby="summary" {
            h2 #summary { (lang.t(T::Community)) ": " (id) }
            dl {
                dt { (lang.t(T::Active)) }
                dd #active-version { @match active { Some(v) => { "v" (v["id"]) " · " code { (short(&v["digest"])) } } None => { (lang.t(T::None)) } } }
                dt { (lang.t(T::Settings)) }
                dd { code { (active.and_then(|v| v["settings"].as_str()).unwrap_or_default()) } }
                dt { (lang.t(T::RequiredApprovals)) }
                dd { (listed["required_approvals"]) }
            }
            @if operates { p { a href={ "/console/communities/" (id) "/playground" } { (lang.t(T::Playground)) } } }
        }
        section aria-labelledby="timeline" {
            h2 #timeline { (lang.t(T::Versions)) }
            table #versions {
                thead { tr {
                    th scope="col" { (lang.t(T::Version)) }
                    th scope="col" { (lang.t(T::Status)) }
                    th scope="col" { (lang.t(T::Plugin)) }
                    th scope="col" { (lang.t(T::StagedBy)) }
                    th scope="col" { (lang.t(T::Approvals)) }
                    th scope="col" { span.visually-hidden { "actions" } }
                } }
                tbody {
                    @for version in &versions { (row(lang, signed, id, version)) }
                }
            }
            @if operates {
                form method="post" action={ "/console/communities/" (id) "/rollback" } {
                    input type="hidden" name="csrf" value=(signed.csrf);
                    label for="rollback-to" { (lang.t(T::RollbackTo)) }
                    select #rollback-to name="to" {
                        option value="" { (lang.t(T::PreviousVersion)) }
                        @for v in versions.iter().filter(|v| v["status"] == "retired") {
                            option value=(v["id"]) { "v" (v["id"]) }
                        }
                    }
                    button type="submit" { (lang.t(T::Rollback)) }
                }
            }
        }
        @if operates { (stage_form(lang, signed, id, form)) }
    };
    let here = format!("/console/communities/{id}");
    Ok(layout::page(signed, &here, lang.t(T::Versions), body))
}

/// The first 12 hex digits of a digest.
fn short(digest: &Value) -> String {
    digest
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(12)
        .collect()
}

fn row(lang: Lang, signed: &Signed, id: &str, version: &Value) -> Markup {
    let number = version["id"].as_i64().unwrap_or_default();
    let status = version["status"].as_str().unwrap_or_default();
    let pending = matches!(status, "staged" | "shadow");
    let approvals: Vec<&str> = version["approvals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut actions: Vec<(&str, T)> = Vec::new();
    if signed.principal.operates(id) {
        match status {
            "staged" => actions.extend([("shadow", T::Shadow), ("activate", T::Activate)]),
            "shadow" => actions.extend([("unshadow", T::Shadow), ("activate", T::Activate)]),
            _ => {}
        }
    }
    if pending && signed.principal == Principal::SteeringCommittee {
        actions.push(("approve", T::Approve));
    }
    html! {
        tr data-version=(number) data-status=(status) {
            td { "v" (number) }
            td { span class={ "status " (status) } { (status) } }
            td { code { (short(&version["digest"])) } " " (version["wit_version"].as_str().unwrap_or_default())
                 @if let Some(why) = version["unusable"].as_str() { br; span.error { (why) } } }
            td { (version["uploaded_by"].as_str().unwrap_or_default()) br;
                 small { (lang.date_text(version["uploaded_at"].as_str().unwrap_or_default())) } }
            td { @if approvals.is_empty() { span.muted { (lang.t(T::None)) } } @else { (approvals.join(", ")) } }
            td.actions {
                @if status == "shadow" {
                    a href={ "/console/communities/" (id) "/versions/" (number) "/diffs" } { (lang.t(T::ShadowDiffs)) }
                }
                @for (action, label) in &actions {
                    form method="post" action={ "/console/communities/" (id) "/versions/" (number) "/" (action) } {
                        input type="hidden" name="csrf" value=(signed.csrf);
                        button type="submit" data-action=(action) { (lang.t(*label)) @if *action == "unshadow" { " ✕" } " v" (number) }
                    }
                }
            }
        }
    }
}

fn stage_form(lang: Lang, signed: &Signed, id: &str, form: &Form) -> Markup {
    html! {
        section aria-labelledby="stage" {
            h2 #stage { (lang.t(T::Stage)) }
            p.help #stage-help { (lang.t(T::StageHelp)) }
            form method="post" enctype="multipart/form-data" action={ "/console/communities/" (id) "/stage" } {
                input type="hidden" name="csrf" value=(signed.csrf);
                label for="component" { (lang.t(T::Component)) }
                input #component type="file" name="component" accept=".wasm,application/wasm";
                label for="plugin" { (lang.t(T::Plugin)) }
                input #plugin name="plugin" value=(form.get("plugin")) aria-describedby="stage-help";
                label for="settings" { (lang.t(T::Settings)) " (JSON)" }
                textarea #settings name="settings" rows="3" { (form.get("settings")) }
                button type="submit" { (lang.t(T::StageButton)) }
            }
        }
    }
}

async fn stage(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    posted: Posted,
) -> Result<Response, Failure> {
    let Posted { form, file } = signed.checked(posted)?;
    let mut plugin = Some(form.get("plugin").trim().to_string()).filter(|p| !p.is_empty());
    // An uploaded component is stored as `POST /plugins` stores it, then staged
    // by digest; only by whoever may stage here, so nothing is stored for a
    // request that staging would refuse.
    if let Some(bytes) = file {
        policies::community(&state, &signed.principal, &id, true).await?;
        let uploaded =
            communities::upload(State(state.clone()), signed.principal.clone(), Ok(bytes)).await;
        match uploaded {
            Ok((_, Json(uploaded))) => plugin = Some(uploaded.digest),
            Err(ApiError::Invalid { message, .. }) => {
                let problem = format!("component: {message}");
                let page = page(&state, &signed, &id, &form, Some(&problem), false).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            Err(other) => return Err(other.into()),
        }
    }
    let settings = match form.get("settings").trim() {
        "" => Ok(None),
        text => serde_json::from_str::<Value>(text)
            .map(Some)
            .map_err(|e| ApiError::invalid("settings", e.to_string())),
    };
    let staged = match settings {
        Ok(settings) => {
            let candidate = Ok(ApiJson(Candidate { plugin, settings }));
            policies::stage(
                State(state.clone()),
                signed.principal.clone(),
                ApiPath(id.clone()),
                candidate,
            )
            .await
            .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match staged {
        Ok(()) => Ok(redirect(&format!("/console/communities/{id}?done=staged"))),
        Err(ApiError::Invalid { field, message }) => {
            let problem = format!("{field}: {message}");
            let page = page(&state, &signed, &id, &form, Some(&problem), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn act(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, version, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, Failure> {
    signed.check_form(&Form::parse(&body))?;
    let (state2, principal) = (State(state.clone()), signed.principal.clone());
    let path = || {
        ApiPath(VersionPath {
            id: id.clone(),
            version: version.clone(),
        })
    };
    // The API's answer is not shown: the community page, reloaded, shows the change.
    match action.as_str() {
        "activate" => {
            let _answer = policies::activate(state2, principal, path()).await?;
        }
        "shadow" => {
            let _answer = policies::shadow_on(state2, principal, path()).await?;
        }
        "unshadow" => {
            let _answer = policies::shadow_off(state2, principal, path()).await?;
        }
        "approve" => {
            let _answer =
                policies::approve_as(&state, &principal, &id, &version, &signed.token_hash).await?;
        }
        _ => return Err(ApiError::NotFound.into()),
    }
    Ok(redirect(&format!(
        "/console/communities/{id}?done={action}"
    )))
}

async fn rollback(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&body);
    signed.check_form(&form)?;
    let to = form.get("to").parse().ok();
    let request = Ok(Some(ApiJson(Rollback { to })));
    let _answer = policies::rollback(
        State(state),
        signed.principal.clone(),
        ApiPath(id.clone()),
        request,
    )
    .await?;
    Ok(redirect(&format!(
        "/console/communities/{id}?done=rollback"
    )))
}
