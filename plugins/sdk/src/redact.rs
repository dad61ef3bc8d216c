//! Builders for redaction operations. The host applies them; they only ever remove.

use crate::{Indicator, Redaction, Report, ReportField, Span, Tlp};

fn text(report: &Report, field: ReportField) -> Option<&str> {
    match field {
        ReportField::Title => Some(&report.title),
        ReportField::Body => Some(&report.body),
        ReportField::Victim => report.victim.as_deref(),
        ReportField::Tags => None,
    }
}

fn span(field: ReportField, start: usize, end: usize) -> Redaction {
    // Report fields are far below 4 GiB (the host caps them), so offsets fit in u32.
    Redaction::MaskSpan(Span {
        field,
        start: start as u32,
        end: end as u32,
    })
}

/// Masks all of a text field (`title`, `body` or `victim`); `None` when the field is
/// empty or absent, or is `tags` (use [`Redaction::DropField`] for tags).
pub fn mask_whole(report: &Report, field: ReportField) -> Option<Redaction> {
    text(report, field)
        .filter(|t| !t.is_empty())
        .map(|t| span(field, 0, t.len()))
}

/// Masks every mention of `needle` in the title and body, ignoring ASCII case.
pub fn mask_mentions(report: &Report, needle: &str) -> Vec<Redaction> {
    let needle = needle.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut ops = Vec::new();
    for field in [ReportField::Title, ReportField::Body] {
        let haystack = text(report, field).unwrap_or_default();
        // ASCII lower-casing keeps every byte offset (and char boundary) in place.
        let lowered = haystack.to_ascii_lowercase();
        for (start, found) in lowered.match_indices(&needle) {
            ops.push(span(field, start, start + found.len()));
        }
    }
    ops
}

/// Hides the victim: masks the `victim` field and every mention of it in the title
/// and body. Nothing when the report names no victim.
pub fn hide_victim(report: &Report) -> Vec<Redaction> {
    let Some(victim) = report.victim.as_deref() else {
        return Vec::new();
    };
    let mut ops: Vec<Redaction> = mask_whole(report, ReportField::Victim)
        .into_iter()
        .collect();
    ops.extend(mask_mentions(report, victim));
    ops
}

/// Drops every indicator for which `drop` holds.
pub fn drop_indicators(report: &Report, drop: impl Fn(&Indicator) -> bool) -> Vec<Redaction> {
    report
        .indicators
        .iter()
        .enumerate()
        .filter(|(_, indicator)| drop(indicator))
        .map(|(index, _)| Redaction::DropIndicator(index as u32))
        .collect()
}

/// Raises the view's label to `tlp` when that is stricter than the report's own.
pub fn raise_tlp(report: &Report, tlp: Tlp) -> Option<Redaction> {
    (tlp.rank() > report.tlp.rank()).then_some(Redaction::RaiseTlp(tlp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IndicatorKind;
    use crate::testing::report;

    #[test]
    fn hides_victim_field_and_mentions_ignoring_case() {
        let mut r = report();
        r.victim = Some("ACME Bank".into());
        r.title = "acme bank hit".into();
        r.body = "Mail to ACME BANK staff; acme bank again".into();
        assert_eq!(
            hide_victim(&r),
            vec![
                span(ReportField::Victim, 0, 9),
                span(ReportField::Title, 0, 9),
                span(ReportField::Body, 8, 17),
                span(ReportField::Body, 25, 34),
            ]
        );
    }

    #[test]
    fn mentions_keep_offsets_in_non_ascii_text() {
        let mut r = report();
        r.body = "被害者はACMEです".into();
        let ops = mask_mentions(&r, "acme");
        assert_eq!(ops, vec![span(ReportField::Body, 12, 16)]);
    }

    #[test]
    fn drops_indicators_by_index_and_raises_only_upward() {
        let ind = |kind, value: &str| Indicator {
            kind,
            value: value.into(),
        };
        let mut r = crate::testing::report_with(vec![
            ind(IndicatorKind::Email, "a@b.example"),
            ind(IndicatorKind::Domain, "b.example"),
            ind(IndicatorKind::Email, "c@d.example"),
        ]);
        let ops = drop_indicators(&r, |i| i.kind == IndicatorKind::Email);
        assert_eq!(
            ops,
            vec![Redaction::DropIndicator(0), Redaction::DropIndicator(2)]
        );
        r.tlp = Tlp::Amber;
        assert_eq!(raise_tlp(&r, Tlp::Green), None);
        assert_eq!(raise_tlp(&r, Tlp::Red), Some(Redaction::RaiseTlp(Tlp::Red)));
        assert_eq!(mask_whole(&r, ReportField::Victim), None);
    }
}
