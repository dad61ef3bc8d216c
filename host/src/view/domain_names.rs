//! Internationalised domain names in a view: stored (and fingerprinted) in
//! their ASCII form (UTS #46), so `さくら銀行.example` and `xn--…example` are one
//! indicator; shown to a reader in Unicode as well, with a warning when a
//! label mixes scripts the way homograph phishing does (Latin `a` beside a
//! Cyrillic `а`), per the "highly restrictive" level of UTS #39, which still
//! lets Japanese labels mix Han, Hiragana, Katakana and Latin.

use serde::{Deserialize, Serialize};
use unicode_security::{RestrictionLevel, RestrictionLevelDetection};

use crate::model::{Indicator, IndicatorKind};

/// The Unicode form of an indicator holding an internationalised domain name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DomainName {
    /// Its index in the view's `indicators`.
    pub indicator: usize,
    pub unicode: String,
    /// A label mixes scripts beyond what one language writes: likely a homograph.
    pub mixed_script: bool,
}

/// The Unicode forms of `indicators` that have one (domains and e-mail domains
/// with an `xn--` label).
pub fn of(indicators: &[Indicator]) -> Vec<DomainName> {
    indicators
        .iter()
        .enumerate()
        .filter_map(|(index, indicator)| {
            let domain = match indicator.kind {
                IndicatorKind::Domain => indicator.value.as_str(),
                IndicatorKind::Email => indicator.value.rsplit_once('@')?.1,
                _ => return None,
            };
            if !domain.split('.').any(|label| label.starts_with("xn--")) {
                return None;
            }
            let (unicode, decoded) = idna::domain_to_unicode(domain);
            decoded.ok()?;
            let mixed_script = unicode.split('.').any(|label| {
                label.detect_restriction_level() > RestrictionLevel::HighlyRestrictive
            });
            let unicode = match indicator.kind {
                IndicatorKind::Email => {
                    let (local, _) = indicator.value.rsplit_once('@')?;
                    format!("{local}@{unicode}")
                }
                _ => unicode,
            };
            Some(DomainName {
                indicator: index,
                unicode,
                mixed_script,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(value: &str) -> Indicator {
        Indicator {
            kind: IndicatorKind::Domain,
            value: value.into(),
        }
    }

    #[test]
    fn japanese_names_read_in_unicode_and_homographs_are_flagged() {
        let japanese = idna::domain_to_ascii("さくら銀行.example").unwrap();
        // Latin "p", "y", "l" with a Cyrillic "а" (U+0430) in "paypal".
        let homograph = idna::domain_to_ascii("p\u{430}ypal.example").unwrap();
        let names = of(&[
            domain("plain.example"),
            domain(&japanese),
            domain(&homograph),
        ]);
        assert_eq!(
            names,
            [
                DomainName {
                    indicator: 1,
                    unicode: "さくら銀行.example".into(),
                    mixed_script: false
                },
                DomainName {
                    indicator: 2,
                    unicode: "p\u{430}ypal.example".into(),
                    mixed_script: true
                },
            ]
        );
    }

    #[test]
    fn a_label_mixing_latin_and_japanese_is_not_a_homograph() {
        let ascii = idna::domain_to_ascii("sakuraぎんこう.example").unwrap();
        assert!(!of(&[domain(&ascii)])[0].mixed_script);
    }
}
