//! The common dedup rule: join the candidate case that shares the most fingerprints
//! with the report and had a report recently enough.

use crate::{CaseSummary, Correlation, Report, Timestamp};

/// Joins the candidate that shares the most fingerprints with `report` among those
/// whose last report is at most `window` seconds before `now`; ties go to the most
/// recently active case, then to the smallest id, so the answer is deterministic.
/// With no such candidate, opens a new case titled like the report.
pub fn within_window(
    now: Timestamp,
    window: i64,
    report: &Report,
    candidates: &[CaseSummary],
) -> Correlation {
    candidates
        .iter()
        .filter(|c| !c.shared_fingerprints.is_empty() && now - c.last_report_at <= window)
        .max_by(|a, b| {
            a.shared_fingerprints
                .len()
                .cmp(&b.shared_fingerprints.len())
                .then(a.last_report_at.cmp(&b.last_report_at))
                .then(b.id.cmp(&a.id))
        })
        .map(|c| Correlation::Join(c.id.clone()))
        .unwrap_or_else(|| Correlation::NewCase(report.title.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DAY;

    fn case(id: &str, last: Timestamp, shared: usize) -> CaseSummary {
        CaseSummary {
            last_report_at: last,
            shared_fingerprints: (0..shared).map(|i| format!("domain:{i}.example")).collect(),
            ..crate::testing::case(id)
        }
    }

    #[test]
    fn picks_most_shared_recent_case_inside_window() {
        let now = 100 * DAY;
        let r = crate::testing::report();
        let candidates = [
            case("old", now - 31 * DAY, 5),
            case("one", now - DAY, 1),
            case("two-a", now - 2 * DAY, 2),
            case("two-b", now - 3 * DAY, 2),
        ];
        assert_eq!(
            within_window(now, 30 * DAY, &r, &candidates),
            Correlation::Join("two-a".into())
        );
        assert_eq!(
            within_window(now, 30 * DAY, &r, &candidates[..1]),
            Correlation::NewCase(r.title.clone())
        );
        assert_eq!(
            within_window(now, 40 * DAY, &r, &candidates),
            Correlation::Join("old".into())
        );
    }
}
