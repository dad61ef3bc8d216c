//! Builds what one recipient group sees of a report.
//!
//! The policy plugin only chooses redaction operations; the host applies them here. Every
//! operation removes or obscures something, so a view can never hold more than the original.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::{Confidence, Indicator, Redaction, Report, ReportField, Span, Tlp};

mod domain_names;
mod victim;

pub use domain_names::DomainName;

/// Replaces each masked character (not byte), so masked text keeps its length in characters.
pub const MASK: char = '█';
/// A view always has a title, so a dropped one is replaced rather than removed.
pub const WITHHELD_TITLE: &str = "[withheld]";
/// The order `dropped_fields` is listed in, so it does not depend on the plugin's op order.
const FIELD_ORDER: [ReportField; 4] = [
    ReportField::Title,
    ReportField::Body,
    ReportField::Victim,
    ReportField::Tags,
];

/// What one group of recipients sees of a report. Serialised as the JSON a member's inbox returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct View {
    pub report_id: String,
    pub community: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub body: Option<String>,
    pub tlp: Tlp,
    pub confidence: Confidence,
    pub indicators: Vec<Indicator>,
    /// The Unicode form of each internationalised domain among `indicators`
    /// (which hold the ASCII form every fingerprint is taken from).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub domain_names: Vec<DomainName>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub victim: Option<String>,
    /// Which operations were applied, so a recipient knows something was withheld.
    pub redacted: RedactionSummary,
    /// The communities a forwarded report came through, the source's first: a
    /// reader learns where it came from, never which organisation submitted it.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub forwarded_through: Vec<String>,
}

/// What was withheld from a view: kinds and counts only, never the withheld content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RedactionSummary {
    /// Masked runs in the view's text once overlapping or touching spans are merged, so it
    /// matches the `█` runs a reader sees. Spans on dropped fields are not counted: their
    /// field is gone, and counting them would hint at what it held.
    pub masked_spans: usize,
    /// Distinct indicators removed (dropping one index twice removes it once).
    pub dropped_indicators: usize,
    /// Dropped fields in declaration order. Listed even when the original had nothing there,
    /// because otherwise a dropped `victim` would tell the recipient that the report named one.
    pub dropped_fields: Vec<ReportField>,
}

/// An operation that cannot be applied to this report; the message names the offending op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactionError(pub String);

impl fmt::Display for RedactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid redaction: {}", self.0)
    }
}

impl std::error::Error for RedactionError {}

/// Applies every operation to the original. The submitter identity (`submitter`,
/// `submitter_organisation`) and `named_recipients` are never copied into a view; the
/// provenance is, as the communities a forward came through.
///
/// # Errors
///
/// If any op does not fit the original: a span out of range or off a character boundary, a
/// mask on `tags` or on a missing victim, an indicator index out of range, or a TLP below the
/// report's. Every op is checked, even one that a `drop_field` makes moot: an invalid op means
/// the plugin misread the report, so none of its choices is applied.
pub fn apply(report: &Report, ops: &[Redaction]) -> Result<View, RedactionError> {
    let mut keep_indicator = vec![true; report.indicators.len()];
    let mut masks: HashMap<ReportField, Vec<Range<usize>>> = HashMap::new();
    let mut dropped = HashSet::new();
    let mut tlp = report.tlp;
    for (n, op) in ops.iter().enumerate() {
        check(op, report).map_err(|reason| RedactionError(format!("op {n} {op:?}: {reason}")))?;
        match op {
            Redaction::DropIndicator(i) => keep_indicator[*i as usize] = false,
            Redaction::MaskSpan(span) => {
                let range = span.start as usize..span.end as usize;
                masks.entry(span.field).or_default().push(range);
            }
            Redaction::DropField(field) => {
                dropped.insert(*field);
            }
            Redaction::RaiseTlp(to) => tlp = tlp.max(*to),
        }
    }

    let victim_withheld = report.victim.as_deref().filter(|_| {
        dropped.contains(&ReportField::Victim)
            || masks
                .get(&ReportField::Victim)
                .is_some_and(|ranges| ranges.iter().any(|r| !r.is_empty()))
    });
    if let Some(name) = victim_withheld {
        for (field, text) in [
            (ReportField::Title, &report.title),
            (ReportField::Body, &report.body),
        ] {
            masks
                .entry(field)
                .or_default()
                .extend(victim::mentions(text, name));
        }
    }

    let mut masked_spans = 0;
    // Dropping wins over masking, so a dropped field's masks are neither applied nor counted.
    let mut render = |field: ReportField, text: &str| {
        if dropped.contains(&field) {
            return None;
        }
        let ranges = union(masks.remove(&field).unwrap_or_default());
        masked_spans += ranges.len();
        Some(mask(text, &ranges))
    };
    let title = render(ReportField::Title, &report.title);
    // An empty body or tag list is absent, as in a report submitted without one.
    let body = Some(report.body.as_str())
        .filter(|body| !body.is_empty())
        .and_then(|body| render(ReportField::Body, body));
    let victim = report
        .victim
        .as_deref()
        .and_then(|v| render(ReportField::Victim, v));
    let tags = (!report.tags.is_empty() && !dropped.contains(&ReportField::Tags)).then(|| {
        match victim_withheld {
            Some(name) => {
                let tags = victim::mask_tags(&report.tags, name);
                masked_spans += tags.masked_runs;
                tags.tags
            }
            None => report.tags.clone(),
        }
    });

    let indicators: Vec<Indicator> = report
        .indicators
        .iter()
        .zip(&keep_indicator)
        .filter(|(_, keep)| **keep)
        .map(|(i, _)| i.clone())
        .collect();
    Ok(View {
        report_id: report.id.clone(),
        community: report.community.clone(),
        submitted_at: report.submitted_at,
        title: title.unwrap_or_else(|| WITHHELD_TITLE.to_owned()),
        body,
        tlp,
        confidence: report.confidence,
        domain_names: domain_names::of(&indicators),
        indicators,
        tags,
        victim,
        redacted: RedactionSummary {
            masked_spans,
            dropped_indicators: keep_indicator.iter().filter(|keep| !**keep).count(),
            dropped_fields: FIELD_ORDER
                .into_iter()
                .filter(|f| dropped.contains(f))
                .collect(),
        },
        forwarded_through: report.provenance.clone(),
    })
}

/// Whether one operation fits the report: an indicator index in range, a span
/// on character boundaries of a text field the report has, a TLP only raised.
/// The one check of a redaction: the runtime runs it on a plugin's answer
/// (naming the group), and [`apply`] on what it applies.
pub fn check(op: &Redaction, report: &Report) -> Result<(), String> {
    match op {
        Redaction::DropIndicator(index) if *index as usize >= report.indicators.len() => {
            Err(format!(
                "drop_indicator({index}) but the report has {} indicator(s)",
                report.indicators.len()
            ))
        }
        Redaction::MaskSpan(span) => check_span(report, span).map_err(|reason| {
            format!(
                "mask_span {}..{} of {:?}: {reason}",
                span.start, span.end, span.field
            )
        }),
        Redaction::RaiseTlp(to) if *to < report.tlp => Err(format!(
            "raise_tlp({to:?}) would lower the report's {:?}",
            report.tlp
        )),
        Redaction::DropIndicator(_) | Redaction::DropField(_) | Redaction::RaiseTlp(_) => Ok(()),
    }
}

/// Whether a span lies on character boundaries of a text field the report has.
fn check_span(report: &Report, span: &Span) -> Result<(), String> {
    let text = match span.field {
        ReportField::Title => report.title.as_str(),
        ReportField::Body => report.body.as_str(),
        ReportField::Victim => report
            .victim
            .as_deref()
            .ok_or("the report names no victim")?,
        // Tags are a list, so one byte range cannot address them.
        ReportField::Tags => return Err("tags cannot be masked; use drop_field".to_owned()),
    };
    let (start, end) = (span.start as usize, span.end as usize);
    if start > end || end > text.len() {
        Err(format!("not within the field's {} bytes", text.len()))
    } else if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        Err("splits a UTF-8 character".to_owned())
    } else {
        Ok(())
    }
}

/// Merges possibly overlapping, unordered ranges into disjoint, non-empty, ascending ones.
fn union(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges.into_iter().filter(|r| !r.is_empty()) {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Masks each character that starts inside one of `ranges` (disjoint, ascending). The ranges
/// lie on character boundaries, so a character is always masked whole or not at all.
fn mask(text: &str, ranges: &[Range<usize>]) -> String {
    let mut pending = ranges.iter().peekable();
    text.char_indices()
        .map(|(i, c)| {
            while pending.next_if(|r| r.end <= i).is_some() {}
            if pending.peek().is_some_and(|r| r.start <= i) {
                MASK
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndicatorKind;
    use Redaction::*;
    use ReportField::*;
    use Tlp::*;
    use time::macros::datetime;

    fn report() -> Report {
        let ioc = |kind, value: &str| Indicator {
            kind,
            value: value.into(),
        };
        Report {
            id: "r-1".into(),
            community: "jp-fin".into(),
            submitter: 7,
            submitter_organisation: 70,
            submitter_kind: Default::default(),
            submitter_sector: Default::default(),
            submitted_at: datetime!(2024-05-01 09:30 UTC),
            title: "Phishing wave against 東京銀行".into(),
            body: "C2 at 203.0.113.9 を確認。被害者は東京銀行の支店です。".into(),
            tlp: Amber,
            confidence: Confidence::Unconfirmed,
            indicators: vec![
                ioc(IndicatorKind::Ipv4, "203.0.113.9"),
                ioc(IndicatorKind::Domain, "evil.example"),
                ioc(IndicatorKind::Sha256, "ab12"),
            ],
            tags: vec!["phishing".into()],
            victim: Some("東京銀行 渋谷支店".into()),
            named_recipients: vec![42],
            provenance: vec!["partner-isac".into()],
        }
    }

    fn text_of(report: &Report, field: ReportField) -> &str {
        match field {
            Title => &report.title,
            Body => &report.body,
            Victim => report.victim.as_deref().unwrap_or_default(),
            Tags => unreachable!("tags are not text"),
        }
    }

    /// Masks the first occurrence of `needle` in the fixture's field.
    fn hide(field: ReportField, needle: &str) -> Redaction {
        let start = text_of(&report(), field).find(needle).unwrap();
        span(field, start, start + needle.len())
    }

    fn span(field: ReportField, start: usize, end: usize) -> Redaction {
        let (start, end) = (start as u32, end as u32);
        MaskSpan(Span { field, start, end })
    }

    #[test]
    fn no_ops_copies_everything_but_identity() {
        let original = report();
        let view = apply(&original, &[]).unwrap();
        let expected = View {
            report_id: original.id.clone(),
            community: original.community.clone(),
            submitted_at: original.submitted_at,
            title: original.title.clone(),
            body: Some(original.body.clone()),
            tlp: original.tlp,
            confidence: original.confidence,
            indicators: original.indicators.clone(),
            domain_names: Vec::new(),
            tags: Some(original.tags.clone()),
            victim: original.victim.clone(),
            redacted: RedactionSummary::default(),
            forwarded_through: vec!["partner-isac".into()],
        };
        assert_eq!(view, expected);
        let json = serde_json::to_string(&view).unwrap();
        for leak in ["submitter", "recipients", "\"70\"", ":70", ":7,", "42"] {
            assert!(!json.contains(leak), "{leak} leaked into {json}");
        }
        assert_eq!(serde_json::from_str::<View>(&json).unwrap(), view);
    }

    #[test]
    fn empty_body_and_tags_are_absent_from_json() {
        let mut original = report();
        (original.body, original.tags, original.victim) = (String::new(), vec![], None);
        let json = serde_json::to_value(apply(&original, &[]).unwrap()).unwrap();
        for absent in ["body", "tags", "victim"] {
            assert!(json.get(absent).is_none(), "{absent} present in {json}");
        }
        let summary =
            serde_json::json!({"masked_spans": 0, "dropped_indicators": 0, "dropped_fields": []});
        assert_eq!(json["redacted"], summary);
    }

    #[test]
    fn spans_are_merged_then_masked_per_character() {
        let cases = [
            (vec![(2, 4)], "ab██efghij", 1),
            (vec![(5, 8), (1, 3)], "a██de███ij", 2),
            (vec![(1, 5), (3, 7)], "a██████hij", 1),
            (vec![(1, 3), (3, 5)], "a████fghij", 1),
            (vec![(2, 4), (2, 4)], "ab██efghij", 1),
            (vec![(0, 10), (2, 3)], "██████████", 1),
            (vec![(4, 4)], "abcdefghij", 0),
        ];
        let mut original = report();
        original.title = "abcdefghij".into();
        for (spans, masked, count) in cases {
            let ops: Vec<_> = spans.iter().map(|&(s, e)| span(Title, s, e)).collect();
            let view = apply(&original, &ops).unwrap();
            assert_eq!(
                (view.title.as_str(), view.redacted.masked_spans),
                (masked, count)
            );
        }
        let body = apply(&report(), &[hide(Body, "東京銀行")]).unwrap().body;
        assert_eq!(
            body.unwrap(),
            "C2 at 203.0.113.9 を確認。被害者は████の支店です。"
        );
    }

    #[test]
    fn ops_that_fit_the_report_pass_the_check() {
        let original = report();
        let fits = [
            DropIndicator(2),
            span(Title, 0, 8),
            span(Title, 22, 34),
            span(Victim, 0, 0),
            DropField(Tags),
            RaiseTlp(Amber),
            RaiseTlp(Red),
        ];
        for op in fits {
            assert_eq!(check(&op, &original), Ok(()), "{op:?}");
        }
        assert_eq!(
            check(&span(Title, 23, 34), &original),
            Err("mask_span 23..34 of Title: splits a UTF-8 character".into())
        );
    }

    #[test]
    fn invalid_ops_are_rejected_naming_the_op() {
        let original = Report {
            victim: None,
            ..report()
        };
        let len = original.body.len();
        let cases = [
            (vec![span(Body, 5, 3)], "op 0 MaskSpan", "not within"),
            (vec![span(Body, 0, len + 1)], "op 0 MaskSpan", "not within"),
            (
                vec![DropField(Body), span(Body, 19, 21)],
                "op 1 MaskSpan",
                "splits",
            ),
            (vec![span(Tags, 0, 1)], "op 0 MaskSpan", "use drop_field"),
            (vec![span(Victim, 0, 0)], "op 0 MaskSpan", "no victim"),
            (
                vec![DropIndicator(3)],
                "op 0 DropIndicator(3)",
                "3 indicator(s)",
            ),
            (vec![RaiseTlp(Green)], "op 0 RaiseTlp(Green)", "would lower"),
        ];
        for (ops, op, reason) in cases {
            let err = apply(&original, &ops).unwrap_err().to_string();
            let prefix = format!("invalid redaction: {op}");
            assert!(err.starts_with(&prefix) && err.contains(reason), "{err}");
        }
    }

    #[test]
    fn dropped_fields_are_withheld_and_win_over_masks() {
        let drops = [Tags, Body, Title, Victim, Body].map(DropField);
        let view = apply(&report(), &[&[hide(Body, "確認")], &drops[..]].concat()).unwrap();
        assert_eq!(view.title, WITHHELD_TITLE);
        assert_eq!((view.body, view.victim, view.tags), (None, None, None));
        let summary = RedactionSummary {
            dropped_fields: FIELD_ORDER.to_vec(),
            ..Default::default()
        };
        assert_eq!(view.redacted, summary);
        // Listed even with nothing to drop, so the summary does not reveal whether there was.
        let no_victim = Report {
            victim: None,
            ..report()
        };
        let view = apply(&no_victim, &[DropField(Victim)]).unwrap();
        assert_eq!(view.redacted.dropped_fields, [Victim]);
    }

    #[test]
    fn dropped_indicators_are_removed_in_order() {
        let view = apply(&report(), &[DropIndicator(1), DropIndicator(1)]).unwrap();
        let values: Vec<_> = view.indicators.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(values, ["203.0.113.9", "ab12"]);
        assert_eq!(view.redacted.dropped_indicators, 1);
    }

    #[test]
    fn strictest_raise_wins() {
        let cases = [
            (vec![RaiseTlp(Amber)], Amber),
            (vec![RaiseTlp(Red), RaiseTlp(AmberStrict)], Red),
            (vec![RaiseTlp(AmberStrict), RaiseTlp(Amber)], AmberStrict),
        ];
        for (ops, tlp) in cases {
            assert_eq!(apply(&report(), &ops).unwrap().tlp, tlp, "{ops:?}");
        }
    }

    /// Whatever the ops, masked text is gone, masked fields keep their length in characters,
    /// dropped indicators are gone and the TLP never goes down.
    #[test]
    fn views_only_ever_narrow() {
        let original = report();
        let (title, body) = (original.title.len(), original.body.len());
        let cases = vec![
            vec![],
            vec![hide(Body, "203.0.113.9")],
            vec![hide(Body, "東京銀行")],
            vec![hide(Victim, "渋谷支店"), hide(Victim, "東京")],
            vec![hide(Title, "東京銀行"), RaiseTlp(Red)],
            vec![hide(Body, "被害者は東京"), hide(Body, "銀行の支店")],
            vec![hide(Body, "支店です"), hide(Body, "C2"), DropIndicator(0)],
            vec![DropField(Body), hide(Body, "確認")],
            vec![hide(Title, "Phishing"), DropField(Title)],
            vec![DropField(Victim), DropIndicator(2), DropIndicator(2)],
            vec![RaiseTlp(AmberStrict), RaiseTlp(Amber), RaiseTlp(Red)],
            vec![span(Body, 0, 0), hide(Body, "を確認")],
            vec![span(Title, 0, title)],
            vec![span(Body, 0, body), hide(Body, "203")],
            vec![hide(Victim, "東京銀行 渋谷支店")],
            vec![hide(Title, "wave"), hide(Title, "ve ag")],
            vec![DropIndicator(1), hide(Body, "0.113.9")],
            vec![hide(Body, "。被"), hide(Body, "C2"), hide(Body, "C")],
            vec![hide(Victim, "渋谷"), DropField(Victim)],
            vec![hide(Body, "113"), hide(Body, "0.113.9 を")],
        ];
        for ops in cases {
            let view = apply(&original, &ops).unwrap();
            assert!(view.tlp >= original.tlp, "{ops:?}");
            for op in &ops {
                match op {
                    DropIndicator(i) => {
                        let gone = &original.indicators[*i as usize];
                        assert!(!view.indicators.contains(gone), "{ops:?}");
                    }
                    MaskSpan(span) if !ops.contains(&DropField(span.field)) => {
                        assert_masked(&original, &view, span);
                    }
                    _ => {}
                }
            }
        }
    }

    /// A victim masked or dropped in its own field is masked wherever the report names it.
    #[test]
    fn a_withheld_victim_is_masked_in_title_body_and_tags() {
        let mut original = report();
        original.victim = Some("Sakura Bank".into());
        original.title = "Credential phishing against SAKURA BANK customers".into();
        original.body = "Seen at Sakura Bank and at sakura bank's branch.".into();
        original.tags = vec!["sakura bank".into(), "phishing".into()];
        let masked = "Credential phishing against ███████████ customers";
        for ops in [vec![DropField(Victim)], vec![span(Victim, 0, 6)]] {
            let view = apply(&original, &ops).unwrap();
            assert_eq!(view.title, masked, "{ops:?}");
            assert_eq!(
                view.body.as_deref(),
                Some("Seen at ███████████ and at ███████████'s branch."),
            );
            assert_eq!(view.tags.unwrap(), ["███████████", "phishing"]);
            let in_victim = usize::from(ops != [DropField(Victim)]);
            assert_eq!(view.redacted.masked_spans, 4 + in_victim, "{ops:?}");
        }
        // A victim shown in its own field is shown everywhere.
        let view = apply(&original, &[]).unwrap();
        assert_eq!(view.title, original.title);
    }

    fn assert_masked(original: &Report, view: &View, span: &Span) {
        let text = text_of(original, span.field);
        let shown = match span.field {
            Title => &view.title,
            Body => view.body.as_deref().unwrap(),
            _ => view.victim.as_deref().unwrap(),
        };
        let secret = &text[span.start as usize..span.end as usize];
        assert_eq!(shown.chars().count(), text.chars().count(), "{shown}");
        let before = text[..span.start as usize].chars().count();
        let mut at = shown.chars().skip(before).take(secret.chars().count());
        assert!(at.all(|c| c == MASK), "{secret} not masked in {shown}");
        assert!(
            secret.is_empty() || !shown.contains(secret),
            "{secret} in {shown}"
        );
    }
}
