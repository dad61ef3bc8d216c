//! A withheld victim stays withheld in every field: a plugin that masks or drops
//! the `victim` field but leaves "Sakura Bank" in the title would otherwise hand
//! the name to every reader of the title (and of every case title built from it).

use std::ops::Range;

/// The byte ranges where the victim's name appears in `text`, ignoring ASCII
/// case. Lower-casing ASCII keeps every byte offset, so the ranges address `text`.
pub fn mentions(text: &str, victim: &str) -> Vec<Range<usize>> {
    let needle = victim.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let haystack = text.to_ascii_lowercase();
    haystack
        .match_indices(&needle)
        .map(|(start, found)| start..start + found.len())
        .collect()
}

/// Tags with every mention of the victim masked, and the masked runs a reader sees.
pub struct MaskedTags {
    pub tags: Vec<String>,
    pub masked_runs: usize,
}

/// Masks every mention of the victim in each tag (tags cannot carry spans).
pub fn mask_tags(tags: &[String], victim: &str) -> MaskedTags {
    let mut masked_runs = 0;
    let tags = tags
        .iter()
        .map(|tag| {
            let ranges = super::union(mentions(tag, victim));
            masked_runs += ranges.len();
            super::mask(tag, &ranges)
        })
        .collect();
    MaskedTags { tags, masked_runs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_mention_whatever_its_ascii_case() {
        assert_eq!(
            mentions("SAKURA bank and sakura Bank", "Sakura Bank"),
            vec![0..11, 16..27]
        );
    }

    #[test]
    fn finds_names_outside_ascii_by_their_exact_text() {
        let text = "東京銀行の顧客を狙うフィッシング";
        assert_eq!(mentions(text, "東京銀行"), vec![0..12]);
    }

    #[test]
    fn a_blank_victim_mentions_nothing() {
        assert!(mentions("anything", "  ").is_empty());
    }
}
