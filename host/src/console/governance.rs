//! The steering committee's page (applications to decide, policy versions
//! awaiting approval) and the secretariat's (communities, the audit chain,
//! tokens in use). Lists and decisions go through the API's handlers
//! (`GET /communities`, `GET /communities/{id}/applications`,
//! `POST /applications/{id}/approve|refuse`, `GET …/policies`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::{Markup, html};
use serde_json::Value;

use super::i18n::T;
use super::layout;
use super::session::Signed;
use super::{Failure, Form, redirect};
use crate::api::extract::{ApiJson, Path as ApiPath};
use crate::api::{ApiError, AppState, Principal, applications, communities, members, policies};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/steering", get(steering))
        .route("/applications/{id}/{decision}", post(decide))
        .route("/secretariat", get(secretariat))
        .route("/members/{id}", get(member_page))
        .route("/members/status", post(change_status))
}

fn json<T: serde::Serialize>(value: T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Every community's id and name.
async fn community_ids(
    state: &AppState,
    signed: &Signed,
) -> Result<Vec<(String, String)>, Failure> {
    let Json(listed) = communities::list(State(state.clone()), signed.principal.clone()).await?;
    let listed = json(listed)?;
    Ok(listed["communities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

async fn steering(State(state): State<AppState>, signed: Signed) -> Result<Markup, Failure> {
    if signed.principal != Principal::SteeringCommittee {
        return Err(ApiError::Forbidden.into());
    }
    let lang = signed.lang;
    let mut pending_applications = Vec::new();
    let mut pending_versions = Vec::new();
    for (id, name) in community_ids(&state, &signed).await? {
        let Json(listed) = applications::list(
            State(state.clone()),
            signed.principal.clone(),
            ApiPath(id.clone()),
        )
        .await?;
        for application in json(listed)?["applications"]
            .as_array()
            .into_iter()
            .flatten()
        {
            pending_applications.push((name.clone(), application.clone()));
        }
        let versions = policies::list_json(&state, &signed.principal, &id).await?;
        for version in versions["versions"].as_array().into_iter().flatten() {
            if matches!(version["status"].as_str(), Some("staged" | "shadow")) {
                pending_versions.push((id.clone(), version.clone()));
            }
        }
    }
    let body = html! {
        section aria-labelledby="applications" {
            h2 #applications { (lang.t(T::Applications)) " (" (pending_applications.len()) ")" }
            @if pending_applications.is_empty() { p.muted { (lang.t(T::None)) } }
            @for (community, application) in &pending_applications {
                @let id = application["id"].as_str().unwrap_or_default();
                article.application {
                    h3 { (application["name"].as_str().unwrap_or_default()) " → " (community) }
                    p { (application["kind"].as_str().unwrap_or_default()) " · " (application["sector"].as_str().unwrap_or_default())
                        " · " (lang.date_text(application["filed_at"].as_str().unwrap_or_default())) }
                    @for decision in ["approve", "refuse"] {
                        form method="post" action={ "/console/applications/" (id) "/" (decision) } {
                            input type="hidden" name="csrf" value=(signed.csrf);
                            label for={ (decision) "-" (id) } { (lang.t(T::Reason)) }
                            input id={ (decision) "-" (id) } name="reason" required;
                            button type="submit" { (lang.t(if decision == "approve" { T::Approve } else { T::Refuse })) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="approvals" {
            h2 #approvals { (lang.t(T::PendingApprovals)) " (" (pending_versions.len()) ")" }
            ul {
                @for (community, version) in &pending_versions {
                    li { a href={ "/console/communities/" (community) } { (community) " v" (version["id"]) } " — " (version["status"].as_str().unwrap_or_default())
                         " · " (lang.t(T::Approvals)) ": " (version["approvals"].as_array().map(Vec::len).unwrap_or(0)) }
                }
            }
        }
        section aria-labelledby="status" {
            h2 #status { (lang.t(T::MemberStatus)) }
            form method="post" action="/console/members/status" {
                input type="hidden" name="csrf" value=(signed.csrf);
                label for="member" { (lang.t(T::Member)) " ID" }
                input #member name="member" inputmode="numeric" required;
                label for="transition" { (lang.t(T::Status)) }
                select #transition name="transition" {
                    option value="suspend" { "suspend" }
                    option value="reinstate" { "reinstate" }
                    option value="expel" { "expel" }
                }
                label for="status-reason" { (lang.t(T::Reason)) }
                input #status-reason name="reason" required;
                button type="submit" { (lang.t(T::SubmitButton)) }
            }
        }
    };
    Ok(layout::page(
        &signed,
        "/console/steering",
        lang.t(T::Steering),
        body,
    ))
}

/// A member's seat and its status changes with their reasons (`GET /members/{id}`).
async fn member_page(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let id = super::path_number(&id)?;
    let member = members::show_json(state, signed.principal.clone(), id).await?;
    let body = html! {
        dl {
            dt { (lang.t(T::Organisation)) } dd { (member["organisation"]["name"].as_str().unwrap_or_default()) }
            dt { (lang.t(T::Community)) } dd { (member["community"].as_str().unwrap_or_default()) }
            dt { (lang.t(T::Class)) } dd { (member["class"].as_str().unwrap_or_default()) }
            dt { (lang.t(T::Status)) } dd #member-status { (member["status"].as_str().unwrap_or_default()) }
        }
        h2 { (lang.t(T::MemberStatus)) }
        table #events {
            thead { tr { th scope="col" { (lang.t(T::Status)) } th scope="col" { (lang.t(T::Reason)) } th scope="col" { (lang.t(T::Delivered)) } } }
            tbody {
                @for event in member["events"].as_array().into_iter().flatten() {
                    tr {
                        td { (event["event"].as_str().unwrap_or_default()) }
                        td { (event["reason"].as_str().unwrap_or_default()) }
                        td { (lang.date_text(event["at"].as_str().unwrap_or_default())) }
                    }
                }
            }
        }
    };
    let title = format!("{} {id}", lang.t(T::Member));
    Ok(layout::page(
        &signed,
        &format!("/console/members/{id}"),
        &title,
        body,
    ))
}

async fn change_status(
    State(state): State<AppState>,
    signed: Signed,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&body);
    signed.check_form(&form)?;
    let id: i64 = form
        .get("member")
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid("member", "a member id"))?;
    let (transition, reason) = (
        form.get("transition").to_string(),
        form.get("reason").to_string(),
    );
    members::transition_as(state, signed.principal.clone(), id, transition, reason).await?;
    Ok(redirect(&format!("/console/members/{id}")))
}

async fn decide(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, decision)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Failure> {
    let form = Form::parse(&body);
    signed.check_form(&form)?;
    let request = Ok(ApiJson(applications::Decision {
        reason: form.get("reason").to_string(),
        organisation_id: None,
    }));
    let _answer = applications::decide(
        State(state),
        signed.principal.clone(),
        ApiPath((id, decision)),
        request,
    )
    .await?;
    Ok(redirect("/console/steering"))
}

async fn secretariat(State(state): State<AppState>, signed: Signed) -> Result<Markup, Failure> {
    if signed.principal != Principal::Secretariat {
        return Err(ApiError::Forbidden.into());
    }
    let lang = signed.lang;
    let communities = community_ids(&state, &signed).await?;
    let chain = crate::store::verify_audit(&state.db).await?;
    let checkpoints = crate::store::checkpoint::newest(&state.db, 0, 1).await?;
    let tokens: Vec<(String, i64)> = sqlx::query_as(
        "SELECT role, COUNT(*) FROM tokens WHERE revoked_at IS NULL GROUP BY role ORDER BY role",
    )
    .fetch_all(&state.db)
    .await?;
    let body = html! {
        section aria-labelledby="communities" {
            h2 #communities { (lang.t(T::Communities)) }
            ul { @for (id, name) in &communities { li { a href={ "/console/communities/" (id) } { (name) } " (" code { (id) } ")" } } }
        }
        section aria-labelledby="audit" {
            h2 #audit { (lang.t(T::AuditChain)) }
            @match &chain {
                Ok(length) => { p #chain-status.ok { (lang.t(T::Intact)) ": " (length) " " (lang.t(T::Entries)) } }
                Err(broken) => { p #chain-status.error role="alert" { "#" (broken.seq) ": " (broken.reason) } }
            }
            p { (lang.t(T::Checkpoints)) ": " @match checkpoints.first() { Some(c) => { (c.length) " " (lang.t(T::Entries)) " · " (lang.date(c.at)) } None => { (lang.t(T::None)) } } }
        }
        section aria-labelledby="tokens" {
            h2 #tokens { (lang.t(T::Token)) }
            table { tbody { @for (role, count) in &tokens { tr { th scope="row" { (role) } td { (count) } } } } }
        }
    };
    Ok(layout::page(
        &signed,
        "/console/secretariat",
        lang.t(T::Secretariat),
        body,
    ))
}
