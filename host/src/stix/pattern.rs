//! Indicators as STIX patterns: `[domain-name:value = 'evil.example']`. Export
//! writes one comparison per indicator; import reads comparisons joined by OR,
//! the form every sharing tool emits for plain indicators, and refuses the rest
//! by name rather than guessing.

use crate::model::IndicatorKind;

/// The object path a kind is compared on (CVE ids are vulnerabilities, not patterns).
fn path(kind: IndicatorKind) -> Option<&'static str> {
    Some(match kind {
        IndicatorKind::Ipv4 => "ipv4-addr:value",
        IndicatorKind::Ipv6 => "ipv6-addr:value",
        IndicatorKind::Domain => "domain-name:value",
        IndicatorKind::Url => "url:value",
        IndicatorKind::Email => "email-addr:value",
        IndicatorKind::Md5 => "file:hashes.MD5",
        IndicatorKind::Sha1 => "file:hashes.'SHA-1'",
        IndicatorKind::Sha256 => "file:hashes.'SHA-256'",
        IndicatorKind::Cve => return None,
    })
}

/// Object paths accepted on import, with the spellings other tools use.
const ACCEPTED: [(&str, IndicatorKind); 11] = [
    ("ipv4-addr:value", IndicatorKind::Ipv4),
    ("ipv6-addr:value", IndicatorKind::Ipv6),
    ("domain-name:value", IndicatorKind::Domain),
    ("url:value", IndicatorKind::Url),
    ("email-addr:value", IndicatorKind::Email),
    ("file:hashes.md5", IndicatorKind::Md5),
    ("file:hashes.'sha-1'", IndicatorKind::Sha1),
    ("file:hashes.sha1", IndicatorKind::Sha1),
    ("file:hashes.'sha-256'", IndicatorKind::Sha256),
    ("file:hashes.sha256", IndicatorKind::Sha256),
    ("file:hashes.'sha256'", IndicatorKind::Sha256),
];

/// The pattern matching one indicator, or None for a kind with no pattern.
pub fn of(kind: IndicatorKind, value: &str) -> Option<String> {
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    path(kind).map(|path| format!("[{path} = '{escaped}']"))
}

/// The indicators a pattern matches, or why it cannot be mapped.
pub fn parse(pattern: &str) -> Result<Vec<(IndicatorKind, String)>, String> {
    let mut found = Vec::new();
    let mut rest = pattern.trim();
    loop {
        let (comparisons, after) = observation(rest)?;
        for comparison in comparisons {
            found.push(comparison?);
        }
        rest = after.trim_start();
        if rest.is_empty() {
            return Ok(found);
        }
        rest = rest
            .strip_prefix("OR")
            .ok_or_else(|| format!("only observations joined by OR can be mapped, found `{rest}`"))?
            .trim_start();
    }
}

/// One `[ ... ]` observation: its comparisons and the text after it.
fn observation(text: &str) -> Result<(Vec<Result<(IndicatorKind, String), String>>, &str), String> {
    let inner = text
        .strip_prefix('[')
        .ok_or_else(|| format!("expected `[` at `{text}`"))?;
    let mut comparisons = Vec::new();
    let mut rest = inner.trim_start();
    loop {
        let (comparison, after) = comparison(rest)?;
        comparisons.push(comparison);
        rest = after.trim_start();
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((comparisons, after));
        }
        rest = rest
            .strip_prefix("OR")
            .ok_or_else(|| format!("only comparisons joined by OR can be mapped, found `{rest}`"))?
            .trim_start();
    }
}

/// `path = 'value'`: the indicator and the text after it.
fn comparison(text: &str) -> Result<(Result<(IndicatorKind, String), String>, &str), String> {
    let (path, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("expected `path = 'value'` at `{text}`"))?;
    let path = path.trim();
    let rest = rest
        .trim_start()
        .strip_prefix('\'')
        .ok_or_else(|| format!("expected a quoted string after `{path} =`"))?;
    let mut value = String::new();
    let mut chars = rest.char_indices();
    let end = loop {
        match chars.next() {
            Some((_, '\\')) => match chars.next() {
                Some((_, c)) => value.push(c),
                None => return Err("unterminated string".into()),
            },
            Some((i, '\'')) => break i + 1,
            Some((_, c)) => value.push(c),
            None => return Err("unterminated string".into()),
        }
    };
    let kind = ACCEPTED
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(path))
        .map(|(_, kind)| *kind)
        .ok_or_else(|| format!("`{path}` is not an indicator kind this host knows"));
    Ok((kind.map(|kind| (kind, value)), &rest[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_patterns_parse_back() {
        for (kind, value) in [
            (IndicatorKind::Domain, "evil.example"),
            (IndicatorKind::Sha256, &"a".repeat(64)),
            (IndicatorKind::Url, "http://x.example/it's"),
        ] {
            let pattern = of(kind, value).unwrap();
            assert_eq!(parse(&pattern).unwrap(), vec![(kind, value.to_string())]);
        }
        assert_eq!(of(IndicatorKind::Cve, "CVE-2024-0001"), None);
    }

    #[test]
    fn or_joined_comparisons_and_observations_are_read() {
        let found = parse("[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'a.example'] OR [file:hashes.MD5 = 'abc']").unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[2].0, IndicatorKind::Md5);
    }

    #[test]
    fn what_cannot_be_mapped_is_refused_by_name() {
        assert!(
            parse("[ipv4-addr:value = '192.0.2.1' AND ipv4-addr:value = '192.0.2.2']")
                .unwrap_err()
                .contains("OR")
        );
        assert!(
            parse("[process:name = 'x']")
                .unwrap_err()
                .contains("process:name")
        );
        assert!(
            parse("[url:value = 'x")
                .unwrap_err()
                .contains("unterminated")
        );
    }
}
