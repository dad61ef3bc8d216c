//! A community's operations as its operator (and the secretariat) sees them:
//! quarantined reports with re-run, the decision log with member and
//! organisation names, explain for any member and report, and a shadowed
//! version's diffs per member with the extra text highlighted. Every page goes
//! through the API's handler, so text a plugin wrote about an AMBER or RED
//! report stays withheld here as it is over the API.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::Value;

use super::i18n::{Lang, T};
use super::layout;
use super::session::Signed;
use super::{Failure, Form, redirect};
use crate::api::{AppState, explain, operations, policy_checks};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities/{id}/quarantine", get(quarantine))
        .route("/communities/{id}/quarantine/{report}/rerun", post(rerun))
        .route("/communities/{id}/decisions", get(decisions))
        .route(
            "/communities/{id}/decisions/{report}/explain",
            get(explain_page),
        )
        .route("/communities/{id}/versions/{version}/diffs", get(diffs))
}

/// Text the API may withhold (`{"withheld": "TLP:RED", "length": N}`) or show.
fn quoted(lang: Lang, value: &Value) -> Markup {
    match value {
        Value::String(text) => html! { (text) },
        Value::Object(o) if o.contains_key("withheld") => html! {
            span.withheld { (lang.t(T::Withheld)) " (" (o["withheld"].as_str().unwrap_or_default()) ", " (o["length"]) ")" }
        },
        Value::Null => html! {},
        other => html! { code { (other.to_string()) } },
    }
}

async fn quarantine(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let listed = operations::quarantine_json(state, signed.principal.clone(), id.clone()).await?;
    let items: Vec<&Value> = listed["quarantined"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let body = html! {
        @if items.is_empty() { p.muted { (lang.t(T::None)) } }
        table #quarantine {
            thead { tr { th scope="col" { "ID" } th scope="col" { (lang.t(T::Fault)) } th scope="col" { (lang.t(T::Delivered)) } th scope="col" { span.visually-hidden { "actions" } } } }
            tbody {
                @for item in &items {
                    @let report = item["report_id"].as_str().unwrap_or_default();
                    tr {
                        td { code { (report) } br; small { (item["stage"].as_str().unwrap_or_default()) } }
                        td { (quoted(lang, &item["fault"]["kind"])) ": " (quoted(lang, &item["fault"]["message"])) }
                        td { (lang.date_text(item["at"].as_str().unwrap_or_default())) }
                        td {
                            form method="post" action={ "/console/communities/" (id) "/quarantine/" (report) "/rerun" } {
                                input type="hidden" name="csrf" value=(signed.csrf);
                                button type="submit" { (lang.t(T::Rerun)) }
                            }
                        }
                    }
                }
            }
        }
    };
    let here = format!("/console/communities/{id}/quarantine");
    Ok(layout::page(&signed, &here, lang.t(T::Quarantine), body))
}

async fn rerun(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, report)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Failure> {
    signed.check_form(&Form::parse(&body))?;
    operations::rerun_json(state, signed.principal.clone(), id.clone(), report).await?;
    Ok(redirect(&format!("/console/communities/{id}/quarantine")))
}

async fn decisions(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let log = operations::decisions_json(state, signed.principal.clone(), id.clone()).await?;
    let names = &log["member_names"];
    let name = |member: &Value| -> String {
        let key = member.to_string();
        match names[&key].as_str() {
            Some(name) => format!("{name} ({key})"),
            None => key,
        }
    };
    let body = html! {
        table #decisions {
            thead { tr {
                th scope="col" { "ID" }
                th scope="col" { (lang.t(T::Recipients)) }
                th scope="col" { (lang.t(T::Fault)) }
                th scope="col" { (lang.t(T::Delivered)) }
            } }
            tbody {
                @for decision in log["decisions"].as_array().into_iter().flatten() {
                    @let report = decision["report_id"].as_str().unwrap_or_default();
                    tr {
                        td { code { (report) } br; small { (decision["plugin"].as_str().unwrap_or_default().chars().take(12).collect::<String>()) " · " (decision["duration_us"]) " µs" } }
                        td {
                            @for group in decision["outputs"]["groups"].as_array().into_iter().flatten() {
                                p {
                                    @let recipients: Vec<String> = group["recipients"].as_array().into_iter().flatten().map(&name).collect();
                                    (recipients.join(", "))
                                    @if group["delay_seconds"].as_i64().unwrap_or(0) > 0 { " · " (lang.t(T::Delay)) " " (group["delay_seconds"]) "s" }
                                }
                            }
                            form method="get" action={ "/console/communities/" (id) "/decisions/" (report) "/explain" } {
                                label for={ "explain-" (report) } { (lang.t(T::Why)) " — " (lang.t(T::Member)) " ID" }
                                input id={ "explain-" (report) } name="member" inputmode="numeric" required;
                                button type="submit" { (lang.t(T::Why)) }
                            }
                        }
                        td { (quoted(lang, &decision["fault"])) }
                        td { (lang.date_text(decision["at"].as_str().unwrap_or_default())) }
                    }
                }
            }
        }
    };
    let here = format!("/console/communities/{id}/decisions");
    Ok(layout::page(&signed, &here, lang.t(T::Decisions), body))
}

#[derive(serde::Deserialize)]
struct Asked {
    member: Option<String>,
}

async fn explain_page(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, report)): Path<(String, String)>,
    Query(asked): Query<Asked>,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let member = asked.member.and_then(|m| m.trim().parse().ok());
    let explained = explain::explain_json(
        state,
        signed.principal.clone(),
        id.clone(),
        report.clone(),
        member,
    )
    .await?;
    let body = html! {
        p { code { (report) } " → " (explained["member"]["organisation"].as_str().unwrap_or_default()) " (" (explained["member"]["id"]) ")" }
        p #received { @if explained["received"] == true { span.received { (lang.t(T::Received)) } } @else { span.not-received { (lang.t(T::NotReceived)) } } }
        ol #reasons {
            @for reason in explained["reasons"].as_array().into_iter().flatten() {
                li { code { (reason["code"].as_str().unwrap_or_default()) } " — " (reason["text"].as_str().unwrap_or_default()) }
            }
        }
        p { a href={ "/console/communities/" (id) "/decisions" } { (lang.t(T::Back)) } }
    };
    let here = format!("/console/communities/{id}/decisions/{report}/explain");
    Ok(layout::page(&signed, &here, lang.t(T::Why), body))
}

async fn diffs(
    State(state): State<AppState>,
    signed: Signed,
    Path((id, version)): Path<(String, String)>,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let summary =
        policy_checks::diffs_json(state, signed.principal.clone(), id.clone(), version.clone())
            .await?;
    let names = &summary["member_names"];
    let body = html! {
        h2 { (lang.t(T::Shadow)) " v" (version) }
        dl.counts {
            @for (key, value) in summary["summary"].as_object().into_iter().flatten() {
                dt { (key) } dd { (value) }
            }
        }
        @for diff in summary["diffs"].as_array().into_iter().flatten() {
            article.diff {
                h3 { code { (diff["report_id"].as_str().unwrap_or_default()) } }
                table {
                    thead { tr { th scope="col" { (lang.t(T::Member)) } th scope="col" { (lang.t(T::Extra)) } } }
                    tbody {
                        @for change in diff["diff"]["views_differ"].as_array().into_iter().flatten() {
                            tr.differs {
                                th scope="row" {
                                    @for member in change["members"].as_array().into_iter().flatten() {
                                        (names[member.to_string()].as_str().unwrap_or_default()) " (" (member) ") "
                                    }
                                }
                                td {
                                    @for field in ["title", "body", "victim", "tags"] {
                                        @for text in change["extra"][field].as_array().into_iter().flatten() {
                                            mark.extra { (quoted(lang, text)) } " "
                                        }
                                    }
                                    @for indicator in change["extra"]["indicators"].as_array().into_iter().flatten() {
                                        mark.extra { (quoted(lang, &indicator["value"])) } " "
                                    }
                                    @if !change["delay_seconds"].is_null() {
                                        (lang.t(T::Delay)) ": " (change["delay_seconds"]["active"]) "s → " (change["delay_seconds"]["candidate"]) "s"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let here = format!("/console/communities/{id}/versions/{version}/diffs");
    Ok(layout::page(&signed, &here, lang.t(T::ShadowDiffs), body))
}
