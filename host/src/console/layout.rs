//! The frame every page shares: the header with the visitor's role and its
//! pages, the language switch and sign-out; the sign-in and error pages; and
//! helpers to show a view with its redactions marked.

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

use super::i18n::{Lang, T};
use super::session::Signed;
use crate::api::Principal;
use crate::view::MASK;

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — " (lang.t(T::Title)) }
            // No favicon request (it would be a 404 in the console log).
            link rel="icon" href="data:,";
            link rel="stylesheet" href="/console/static/console.css";
            script src="/console/static/console.js" defer {}
        }
    }
}

/// The language switch: links back to the current page in the other language.
fn switch(lang: Lang, here: &str) -> Markup {
    let back: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    html! {
        nav.lang aria-label=(lang.t(T::Language)) {
            a href={ "/console/lang/en?back=" (back) } lang="en" aria-current=[(lang == Lang::En).then_some("true")] { "English" }
            " | "
            a href={ "/console/lang/ja?back=" (back) } lang="ja" aria-current=[(lang == Lang::Ja).then_some("true")] { "日本語" }
        }
    }
}

/// The pages of the visitor's role.
fn nav(signed: &Signed) -> Markup {
    let lang = signed.lang;
    let links: Vec<(String, T)> = match &signed.principal {
        Principal::Member(_) => vec![
            ("/console/inbox".into(), T::Inbox),
            ("/console/submit".into(), T::Submit),
            ("/console/cases".into(), T::Cases),
            ("/console/publications".into(), T::Publications),
            ("/console/statistics".into(), T::Statistics),
        ],
        Principal::Operator { community_id } => vec![
            (format!("/console/communities/{community_id}"), T::Versions),
            (
                format!("/console/communities/{community_id}/playground"),
                T::Playground,
            ),
            (
                format!("/console/communities/{community_id}/quarantine"),
                T::Quarantine,
            ),
            (
                format!("/console/communities/{community_id}/decisions"),
                T::Decisions,
            ),
        ],
        Principal::SteeringCommittee => vec![("/console/steering".into(), T::Steering)],
        Principal::Secretariat => vec![("/console/secretariat".into(), T::Secretariat)],
    };
    html! {
        nav.main aria-label="main" {
            ul { @for (href, label) in &links { li { a href=(href) { (lang.t(*label)) } } } }
        }
    }
}

/// How the header names who is signed in: a member by its organisation.
fn who(signed: &Signed) -> String {
    match &signed.principal {
        Principal::Member(seat) => format!("{} @ {}", signed.organisation, seat.community_id),
        Principal::Operator { community_id } => format!("operator @ {community_id}"),
        Principal::SteeringCommittee => "steering committee".into(),
        Principal::Secretariat => "secretariat".into(),
    }
}

/// A whole page for a signed-in visitor; `here` is its path (for the switch).
pub fn page(signed: &Signed, here: &str, title: &str, body: Markup) -> Markup {
    let lang = signed.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                a.skip href="#main" { (lang.t(T::SkipToMain)) }
                header {
                    a.brand href="/console" { (lang.t(T::Title)) }
                    (nav(signed))
                    div.account {
                        span { (lang.t(T::SignedInAs)) ": " strong #who { (who(signed)) } }
                        form method="post" action="/console/sign-out" {
                            input type="hidden" name="csrf" value=(signed.csrf);
                            button type="submit" { (lang.t(T::SignOut)) }
                        }
                        (switch(lang, here))
                    }
                }
                main #main { h1 { (title) } (body) }
            }
        }
    }
}

pub fn sign_in(lang: Lang, refused: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, lang.t(T::SignIn)))
            body {
                header { span.brand { (lang.t(T::Title)) } div.account { (switch(lang, "/console/sign-in")) } }
                main #main.narrow {
                    h1 { (lang.t(T::SignIn)) }
                    @if refused { p.error role="alert" id="token-error" { (lang.t(T::BadToken)) } }
                    form method="post" action="/console/sign-in" {
                        label for="token" { (lang.t(T::Token)) }
                        input #token type="password" name="token" required autocomplete="off"
                            aria-describedby="token-help" aria-invalid=[refused.then_some("true")];
                        p.help id="token-help" { (lang.t(T::TokenHelp)) }
                        button type="submit" { (lang.t(T::SignIn)) }
                    }
                }
            }
        }
    }
}

pub fn error_page(lang: Lang, message: &str, status: StatusCode) -> Markup {
    let (title, text) = match status {
        StatusCode::FORBIDDEN => (lang.t(T::Forbidden), lang.t(T::ForbiddenText)),
        StatusCode::NOT_FOUND => (lang.t(T::NotFound), lang.t(T::NotFoundText)),
        _ => (lang.t(T::Problem), ""),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                header { a.brand href="/console" { (lang.t(T::Title)) } }
                main #main.narrow {
                    h1 { (status.as_u16()) " " (title) }
                    @if !text.is_empty() { p { (text) } }
                    @if !message.is_empty() && !matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                        p.error role="alert" { (message) }
                    }
                    p { a href="/console" { (lang.t(T::Back)) } }
                }
            }
        }
    }
}

/// Text of a view with every masked run (`█…`) marked, so a reader sees at a
/// glance what the policy withheld.
pub fn masked(lang: Lang, text: &str) -> Markup {
    let mut out = String::new();
    let mut run = String::new();
    let flush_plain = |out: &mut String, plain: &str| {
        out.push_str(&html_escape::encode_text(plain));
    };
    let mut plain = String::new();
    for c in text.chars() {
        if c == MASK {
            if !plain.is_empty() {
                flush_plain(&mut out, &plain);
                plain.clear();
            }
            run.push(c);
        } else {
            if !run.is_empty() {
                out.push_str(&mark(lang, &run));
                run.clear();
            }
            plain.push(c);
        }
    }
    flush_plain(&mut out, &plain);
    if !run.is_empty() {
        out.push_str(&mark(lang, &run));
    }
    PreEscaped(out)
}

fn mark(lang: Lang, run: &str) -> String {
    html! { mark.masked title=(lang.t(T::Masked)) { (run) span.visually-hidden { " (" (lang.t(T::Masked)) ")" } } }
        .into_string()
}

/// A view's field: its text with masks marked, or "withheld" when dropped.
pub fn field(lang: Lang, view: &Value, name: &str) -> Markup {
    let dropped = view["redacted"]["dropped_fields"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f.as_str() == Some(name)));
    match &view[name] {
        _ if dropped => html! { span.withheld { (lang.t(T::Withheld)) } },
        Value::String(text) => masked(lang, text),
        Value::Array(items) => html! {
            @for item in items { span.tag { (masked(lang, item.as_str().unwrap_or_default())) } " " }
        },
        _ => html! { span.muted { (lang.t(T::None)) } },
    }
}

/// A view as a definition list: every field, masks and withheld fields marked.
pub fn view(lang: Lang, view: &Value) -> Markup {
    let redacted = &view["redacted"];
    html! {
        dl.view {
            dt { (lang.t(T::ReportTitle)) } dd.title { (field(lang, view, "title")) }
            dt { (lang.t(T::Tlp)) } dd { span.tlp { "TLP:" (view["tlp"].as_str().unwrap_or_default().to_uppercase()) } }
            dt { (lang.t(T::Confidence)) } dd { (view["confidence"].as_str().unwrap_or_default()) }
            dt { (lang.t(T::Submitted)) } dd { (lang.date_text(view["submitted_at"].as_str().unwrap_or_default())) }
            dt { (lang.t(T::Victim)) } dd.victim { (field(lang, view, "victim")) }
            dt { (lang.t(T::Body)) } dd.body { (field(lang, view, "body")) }
            dt { (lang.t(T::Tags)) } dd { (field(lang, view, "tags")) }
            dt { (lang.t(T::Indicators)) }
            dd {
                ul.indicators {
                    @for i in view["indicators"].as_array().into_iter().flatten() {
                        li { code { (i["kind"].as_str().unwrap_or_default()) " " (i["value"].as_str().unwrap_or_default()) } }
                    }
                }
            }
            dt { (lang.t(T::Redactions)) }
            dd.redactions {
                (lang.t(T::RedactionSummary)) ": "
                (redacted["masked_spans"].as_u64().unwrap_or(0)) " / "
                (redacted["dropped_indicators"].as_u64().unwrap_or(0)) " / "
                @let dropped: Vec<&str> = redacted["dropped_fields"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                @if dropped.is_empty() { (lang.t(T::None)) } @else { (dropped.join(", ")) }
            }
        }
    }
}
