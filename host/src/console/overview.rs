//! A member's other pages: its cases (`GET /cases`), the publications it may
//! read (`GET /publications`) and its community's fiscal-year statistics with
//! charts (`GET /statistics`), each through the API's handler. Charts are SVG
//! drawn here (no script, nothing the CSP would block).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use maud::{Markup, html};

use super::Failure;
use super::i18n::{Lang, T};
use super::layout;
use super::session::Signed;
use crate::api::extract::Query;
use crate::api::statistics::StatisticsQuery;
use crate::api::{AppState, cases, publications, statistics};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases_page))
        .route("/publications", get(publications_page))
        .route("/statistics", get(statistics_page))
}

async fn cases_page(State(state): State<AppState>, signed: Signed) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let listed = cases::all_json(state, signed.principal.clone()).await?;
    let body = html! {
        table #cases {
            thead { tr {
                th scope="col" { (lang.t(T::Case)) }
                th scope="col" { (lang.t(T::ReportTitle)) }
                th scope="col" { (lang.t(T::Status)) }
                th scope="col" { (lang.t(T::Delivered)) }
            } }
            tbody {
                @for case in listed["cases"].as_array().into_iter().flatten() {
                    tr {
                        td { code { (case["id"].as_str().unwrap_or_default()) } }
                        td { (layout::masked(lang, case["title"].as_str().unwrap_or_default())) }
                        td { (case["status"].as_str().unwrap_or_default()) }
                        td { (lang.date_text(case["last_report_at"].as_str().unwrap_or_default())) }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        &signed,
        "/console/cases",
        lang.t(T::Cases),
        body,
    ))
}

async fn publications_page(
    State(state): State<AppState>,
    signed: Signed,
) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let Json(listed) = publications::for_member(State(state), signed.principal.clone()).await?;
    let body = html! {
        @if listed.publications.is_empty() { p.muted { (lang.t(T::None)) } }
        @for publication in &listed.publications {
            article.publication {
                h2 { (publication.title) }
                p.muted { (publication.scope) " · " (publication.community) " · " (lang.date(publication.published_at)) }
                p.body { (publication.body) }
            }
        }
    };
    Ok(layout::page(
        &signed,
        "/console/publications",
        lang.t(T::Publications),
        body,
    ))
}

async fn statistics_page(State(state): State<AppState>, signed: Signed) -> Result<Markup, Failure> {
    let lang = signed.lang;
    let community = match &signed.principal {
        crate::api::Principal::Member(seat) => seat.community_id.clone(),
        crate::api::Principal::Operator { community_id } => community_id.clone(),
        _ => "council".to_string(),
    };
    let query = StatisticsQuery {
        community: Some(community),
        fiscal_year: None,
        members_at: None,
    };
    let Json(year) = statistics::show(State(state), signed.principal.clone(), Query(query)).await?;
    let members: Vec<(String, i64)> = year
        .members
        .iter()
        .map(|m| {
            (
                format!(
                    "FY{}",
                    crate::council::fiscal_year::FiscalYear::containing(m.at - 1).year()
                ),
                m.count,
            )
        })
        .collect();
    let sectors: Vec<(String, i64)> = year
        .reports_by_sector
        .iter()
        .map(|(s, n)| (s.clone(), *n))
        .collect();
    let body = html! {
        p { (lang.t(T::Community)) ": " (year.community) " · " (fiscal(lang, year.fiscal_year)) }
        dl {
            dt { (lang.t(T::CasesHandled)) } dd #cases-total { (year.cases.total) " (" (year.cases.new) " / " (year.cases.continuing) " / " (year.cases.closed) ")" }
            dt { (lang.t(T::Publications)) } dd { (year.publications.total) " (" (year.publications.public) " / " (year.publications.limited) ")" }
            dt { (lang.t(T::TrendReports)) } dd { (year.trend_reports) }
        }
        h2 { (lang.t(T::MembersOverTime)) }
        (bars(&members, lang.t(T::MembersOverTime)))
        h2 { (lang.t(T::ReportsBySector)) }
        (bars(&sectors, lang.t(T::ReportsBySector)))
    };
    Ok(layout::page(
        &signed,
        "/console/statistics",
        lang.t(T::Statistics),
        body,
    ))
}

fn fiscal(lang: Lang, year: i32) -> String {
    match lang {
        Lang::En => format!("FY{year}"),
        Lang::Ja => format!("{year}年度"),
    }
}

/// A horizontal bar chart in SVG, labelled for screen readers, with the
/// numbers in a table beside it.
fn bars(data: &[(String, i64)], title: &str) -> Markup {
    const ROW: i64 = 26;
    let max = data.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let height = ROW * data.len().max(1) as i64;
    html! {
        figure.chart {
            svg role="img" aria-label=(title) viewBox={ "0 0 640 " (height) } width="640" height=(height) {
                @for (i, (label, value)) in data.iter().enumerate() {
                    @let y = i as i64 * ROW;
                    text x="0" y=(y + 17) font-size="13" { (label) }
                    rect x="200" y=(y + 4) height="18" width=(value * 380 / max) fill="#0b5cad" {}
                    text x=(206 + value * 380 / max) y=(y + 17) font-size="13" { (value) }
                }
            }
            @if data.is_empty() { figcaption.muted { "—" } }
        }
    }
}
