//! Fingerprints: the keys under which the host indexes reports to find candidate cases.

use crate::{Indicator, IndicatorKind, Report};

/// The kind's name as used in fingerprints and in the WIT file (`ipv4`, `sha256`...).
pub fn kind_name(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ipv4 => "ipv4",
        IndicatorKind::Ipv6 => "ipv6",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Url => "url",
        IndicatorKind::Email => "email",
        IndicatorKind::Md5 => "md5",
        IndicatorKind::Sha1 => "sha1",
        IndicatorKind::Sha256 => "sha256",
        IndicatorKind::Cve => "cve",
    }
}

/// `kind:value`, e.g. `domain:evil.example`. The host has normalised the value.
pub fn fingerprint_of(indicator: &Indicator) -> String {
    format!("{}:{}", kind_name(indicator.kind), indicator.value)
}

/// One fingerprint per distinct indicator, in the report's order.
pub fn fingerprints_of(report: &Report) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(report.indicators.len());
    for key in report.indicators.iter().map(fingerprint_of) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keys_in_report_order() {
        let ind = |kind, value: &str| Indicator {
            kind,
            value: value.into(),
        };
        let report = crate::testing::report_with(vec![
            ind(IndicatorKind::Domain, "evil.example"),
            ind(IndicatorKind::Sha256, &"a".repeat(64)),
            ind(IndicatorKind::Domain, "evil.example"),
        ]);
        assert_eq!(
            fingerprints_of(&report),
            vec![
                "domain:evil.example".to_string(),
                format!("sha256:{}", "a".repeat(64))
            ]
        );
    }
}
