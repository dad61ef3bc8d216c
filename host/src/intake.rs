//! What a member POSTs as a new report: the JSON body, how it is parsed, and the
//! field-by-field checks (with indicator normalisation) it must pass before it is stored.
//! Every failure names the offending field, so the API can point the submitter at it.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{Confidence, Indicator, IndicatorKind, MemberId, Tlp};
use crate::text;

/// Also the cap on a title a plugin gives a new case (see `runtime::output`).
pub const MAX_TITLE: usize = 300;
const MAX_BODY: usize = 64 * 1024;
const MAX_VICTIM: usize = 300;
const MAX_INDICATORS: usize = 500;
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 64;
const MAX_RECIPIENTS: usize = 100;
/// The longest URL accepted, before and after normalisation: what common browsers
/// and CDNs take (longer ones are refused by much of the web, so rarely live
/// indicators), and an indicator every recipient's tools can store. Other kinds
/// are bounded by their syntax (a domain 253 bytes, an e-mail 318, hashes fixed).
const MAX_URL: usize = 2048;

/// The JSON body of POST /api/v1/communities/{id}/reports.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// No default: a missing TLP must never fall back to wider sharing.
    pub tlp: Tlp,
    pub confidence: Confidence,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub victim: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<u64>)]
    pub named_recipients: Vec<MemberId>,
}

/// A submission that passed every check, with title, victim and tags trimmed, tags
/// lowercased and indicator values normalised. Only [`validate`] can make one.
#[derive(Debug, Clone)]
pub struct ValidSubmission(Submission);

impl ValidSubmission {
    #[must_use]
    pub fn submission(&self) -> &Submission {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> Submission {
        self.0
    }
}

/// Why a submission was refused, naming the field as a path such as `indicators[2].value`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        Self { field, message }
    }
}

fn fail<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, FieldError> {
    Err(FieldError::new(field, message))
}

/// Parses a JSON body into a [`Submission`], naming the field serde refused. What belongs
/// to no one field (malformed JSON, a non-object, a repeated key) is reported against
/// `body` with serde's message, which gives the line and column.
pub fn parse(json: &[u8]) -> Result<Submission, FieldError> {
    // serde's derived Deserialize would also take the struct as a positional array;
    // the API contract is an object only.
    if json.trim_ascii_start().first() != Some(&b'{') {
        return fail("body", "expected a JSON object");
    }
    // Deserialising straight into the struct (not via `Value`) rejects duplicate keys, so
    // `{"tlp":"red","tlp":"clear"}` cannot mean different things to us and to a proxy.
    serde_json::from_slice(json).map_err(|err| {
        let culprit = match serde_json::from_slice::<Value>(json) {
            Ok(value) if err.is_data() => check_object("", &value, SUBMISSION_FIELDS),
            _ => None,
        };
        culprit.unwrap_or_else(|| FieldError::new("body", err.to_string()))
    })
}

/// Re-checks a parsed body piece by piece to find which field serde refused; each entry
/// must match the type of the same field in [`Submission`] or [`Indicator`].
type Check = fn(&str, &Value) -> Option<FieldError>;
const SUBMISSION_FIELDS: &[(&str, bool, Check)] = &[
    ("title", true, check::<String>),
    ("body", false, check::<String>),
    ("tlp", true, check::<Tlp>),
    ("confidence", true, check::<Confidence>),
    ("indicators", false, check_indicators),
    ("tags", false, check_list::<String>),
    ("victim", false, check::<Option<String>>),
    ("named_recipients", false, check_list::<MemberId>),
];
const INDICATOR_FIELDS: &[(&str, bool, Check)] = &[
    ("kind", true, check::<IndicatorKind>),
    ("value", true, check::<String>),
];

fn check<T: DeserializeOwned>(path: &str, value: &Value) -> Option<FieldError> {
    T::deserialize(value)
        .err()
        .map(|err| FieldError::new(path, err.to_string()))
}

fn check_list<T: DeserializeOwned>(path: &str, value: &Value) -> Option<FieldError> {
    check_each(path, value, check::<T>)
}

fn check_indicators(path: &str, value: &Value) -> Option<FieldError> {
    check_each(path, value, |path, item| {
        check_object(path, item, INDICATOR_FIELDS)
    })
}

fn check_each(path: &str, value: &Value, item: Check) -> Option<FieldError> {
    let Value::Array(items) = value else {
        return Some(FieldError::new(path, "expected an array"));
    };
    items
        .iter()
        .enumerate()
        .find_map(|(i, value)| item(&format!("{path}[{i}]"), value))
}

fn check_object(path: &str, value: &Value, fields: &[(&str, bool, Check)]) -> Option<FieldError> {
    let child = |key: &str| match path {
        "" => key.to_owned(),
        _ => format!("{path}.{key}"),
    };
    let Value::Object(map) = value else {
        let path = if path.is_empty() { "body" } else { path };
        return Some(FieldError::new(path, "expected a JSON object"));
    };
    for (key, value) in map {
        let error = match fields.iter().find(|(name, ..)| name == key) {
            Some((_, _, check)) => check(&child(key), value),
            None => Some(FieldError::new(child(key), "unknown field")),
        };
        if error.is_some() {
            return error;
        }
    }
    fields
        .iter()
        .find(|(name, required, _)| *required && !map.contains_key(*name))
        .map(|(name, ..)| FieldError::new(child(name), "missing required field"))
}

/// Checks every field, stopping at the first failure, and normalises what it keeps.
pub fn validate(mut submission: Submission) -> Result<ValidSubmission, FieldError> {
    let s = &mut submission;
    s.title = one_line("title", &s.title, MAX_TITLE)?;
    within("body", s.body.len(), MAX_BODY, "bytes")?;
    let allowed = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
    if !s.body.chars().all(allowed) {
        return fail(
            "body",
            "must not contain control characters but \\n, \\r, \\t",
        );
    }
    if let Some(victim) = &mut s.victim {
        *victim = one_line("victim", victim, MAX_VICTIM)?;
    }
    validate_indicators(&mut s.indicators)?;
    within("tags", s.tags.len(), MAX_TAGS, "entries")?;
    for (i, tag) in s.tags.iter_mut().enumerate() {
        *tag = one_line(&format!("tags[{i}]"), &tag.to_lowercase(), MAX_TAG)?;
    }
    validate_recipients(s.tlp, &s.named_recipients)?;
    Ok(ValidSubmission(submission))
}

fn within(field: &str, len: usize, max: usize, unit: &str) -> Result<(), FieldError> {
    if len > max {
        return fail(field, format!("must have at most {max} {unit}"));
    }
    Ok(())
}

/// Trims a single-line text and checks it is short enough and one clean line
/// (see [`text::one_line`]). The limit is in characters, as a writer counts
/// them: 300 of Japanese are 900 bytes, and 4 bytes per character bounds it.
fn one_line(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let text = text::one_line(text).map_err(|e| FieldError::new(field, e.to_string()))?;
    within(field, text.chars().count(), max, "characters")?;
    Ok(text.to_owned())
}

fn validate_indicators(indicators: &mut [Indicator]) -> Result<(), FieldError> {
    within("indicators", indicators.len(), MAX_INDICATORS, "entries")?;
    let mut seen = HashMap::new();
    for (i, indicator) in indicators.iter_mut().enumerate() {
        indicator.value = normalise(indicator.kind, indicator.value.trim())
            .map_err(|message| FieldError::new(format!("indicators[{i}].value"), message))?;
        // Compared after normalisation, so `EXAMPLE.com.` duplicates `example.com`.
        if let Some(first) = seen.insert((indicator.kind, indicator.value.clone()), i) {
            return fail(
                format!("indicators[{i}]"),
                format!("duplicates indicators[{first}]"),
            );
        }
    }
    Ok(())
}

fn validate_recipients(tlp: Tlp, recipients: &[MemberId]) -> Result<(), FieldError> {
    let field = "named_recipients";
    if tlp == Tlp::Red && recipients.is_empty() {
        return fail(field, "TLP:RED needs at least one named recipient");
    }
    if tlp != Tlp::Red && !recipients.is_empty() {
        let why =
            "named recipients only apply to TLP:RED; below it the TLP alone decides who sees it";
        return fail(field, why);
    }
    within(field, recipients.len(), MAX_RECIPIENTS, "entries")?;
    let mut seen = HashSet::new();
    match recipients.iter().position(|id| !seen.insert(id)) {
        Some(i) => fail(format!("{field}[{i}]"), "duplicate member id"),
        None => Ok(()),
    }
}

/// Checks an indicator value's syntax for its kind and returns its canonical form, so
/// that equal indicators compare equal when reports are correlated.
fn normalise(kind: IndicatorKind, value: &str) -> Result<String, &'static str> {
    match kind {
        IndicatorKind::Ipv4 => canonical::<Ipv4Addr>(value, "not an IPv4 address"),
        IndicatorKind::Ipv6 => canonical::<Ipv6Addr>(value, "not an IPv6 address"),
        IndicatorKind::Domain => domain(value),
        IndicatorKind::Url => web_url(value),
        IndicatorKind::Email => email(value),
        IndicatorKind::Md5 => hex(value, 32, "MD5 hash must be exactly 32 hex digits"),
        IndicatorKind::Sha1 => hex(value, 40, "SHA-1 hash must be exactly 40 hex digits"),
        IndicatorKind::Sha256 => hex(value, 64, "SHA-256 hash must be exactly 64 hex digits"),
        IndicatorKind::Cve => cve(value),
    }
}

/// IP addresses are compared in the standard library's canonical (RFC 5952 for IPv6) form.
fn canonical<T: FromStr + Display>(
    value: &str,
    error: &'static str,
) -> Result<String, &'static str> {
    value
        .parse::<T>()
        .map(|ip| ip.to_string())
        .map_err(|_| error)
}

fn web_url(value: &str) -> Result<String, &'static str> {
    const TOO_LONG: &str = "URL must be at most 2048 bytes";
    if value.len() > MAX_URL {
        return Err(TOO_LONG);
    }
    let url = url::Url::parse(value).map_err(|_| "not a URL")?;
    // The url crate refuses these (special) schemes without a host, so none is hostless.
    if !matches!(url.scheme(), "http" | "https" | "ftp") {
        return Err("URL scheme must be http, https or ftp");
    }
    // Percent-encoding can lengthen what was short enough.
    let url = String::from(url);
    if url.len() > MAX_URL {
        return Err(TOO_LONG);
    }
    Ok(url)
}

fn email(value: &str) -> Result<String, &'static str> {
    let (local, host) = value
        .rsplit_once('@')
        .ok_or("e-mail address needs an '@'")?;
    let printable = local.bytes().all(|b| b.is_ascii_graphic() && b != b'@');
    if local.is_empty() || local.len() > 64 || !printable {
        return Err("e-mail local part must be 1 to 64 printable ASCII, no spaces or '@'");
    }
    // Only the domain is case-insensitive; the local part is the receiving host's business.
    Ok(format!("{local}@{}", domain(host)?))
}

fn domain(value: &str) -> Result<String, &'static str> {
    // An internationalised name becomes its ASCII form by UTS #46 (which also
    // folds full-width letters and case), so `さくら銀行.example` and its
    // punycode are one indicator with one fingerprint; views show it in Unicode.
    let lower = if value.is_ascii() {
        value.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(value)
            .map_err(|_| "not a valid internationalised domain name (UTS #46)")?
    };
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if name.len() > 253 {
        return Err("domain name must be at most 253 bytes");
    }
    let Some((_, tld)) = name.rsplit_once('.') else {
        return Err("domain name needs at least two labels");
    };
    for label in name.split('.') {
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if label.is_empty() || label.len() > 63 || !label.bytes().all(allowed) {
            return Err("domain labels must be 1 to 63 letters, digits or '-' once in ASCII");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("domain labels must not start or end with '-'");
        }
    }
    // An all-numeric TLD would let dotted IPv4 addresses pass as domains.
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err("top-level domain must not be all digits");
    }
    Ok(name.to_owned())
}

fn hex(value: &str, digits: usize, error: &'static str) -> Result<String, &'static str> {
    if value.len() != digits || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(error);
    }
    Ok(value.to_ascii_lowercase())
}

fn cve(value: &str) -> Result<String, &'static str> {
    const SHAPE: &str = "CVE id must look like CVE-YYYY-NNNN (4 to 7 digit sequence)";
    let &[prefix, year, sequence] = value.split('-').collect::<Vec<_>>().as_slice() else {
        return Err(SHAPE);
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let sequence_ok = (4..=7).contains(&sequence.len()) && digits(sequence);
    if !prefix.eq_ignore_ascii_case("cve") || year.len() != 4 || !digits(year) || !sequence_ok {
        return Err(SHAPE);
    }
    match year.parse::<u16>() {
        Ok(1999..=2100) => Ok(format!("CVE-{year}-{sequence}")),
        _ => Err("CVE year must be between 1999 and 2100"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IndicatorKind::*;

    fn submission() -> Submission {
        Submission {
            title: "Phishing wave".into(),
            body: "Seen from 09:00.\r\n\tMore later.".into(),
            tlp: Tlp::Amber,
            confidence: Confidence::Confirmed,
            indicators: vec![],
            tags: vec![],
            victim: None,
            named_recipients: vec![],
        }
    }

    fn ind(kind: IndicatorKind, value: &str) -> Indicator {
        let value = value.to_owned();
        Indicator { kind, value }
    }

    fn red(s: &mut Submission, recipients: Vec<MemberId>) {
        (s.tlp, s.named_recipients) = (Tlp::Red, recipients);
    }

    type Case = (fn(&mut Submission), &'static str, &'static str);

    fn assert_refused(s: Submission, field: &str, phrase: &str) {
        let err = validate(s).expect_err(field);
        assert_eq!(err.field, field, "{err}");
        assert!(err.message.contains(phrase), "{err} lacks {phrase:?}");
    }

    #[test]
    fn each_rule_names_its_field() {
        #[rustfmt::skip]
        let cases: &[Case] = &[
            (|s| s.title = " \t ".into(), "title", "empty"),
            (|s| s.title = "x".repeat(301), "title", "at most 300 characters"),
            (|s| s.title = "red\u{1b}[0m".into(), "title", "control"),
            (|s| s.body = "x".repeat(64 * 1024 + 1), "body", "at most 65536 bytes"),
            (|s| s.body = "nul\0".into(), "body", "control"),
            (|s| s.victim = Some(String::new()), "victim", "empty"),
            (|s| s.victim = Some("v".repeat(301)), "victim", "at most 300 characters"),
            (|s| s.victim = Some("Acme\nForged: yes".into()), "victim", "control"),
            (|s| s.indicators = vec![ind(Cve, "CVE-2024-3400"); 501], "indicators", "at most 500"),
            (|s| s.indicators = vec![ind(Cve, "CVE-2024-3400"), ind(Ipv4, "1.2.3")],
                "indicators[1].value", "IPv4"),
            (|s| s.indicators = vec![ind(Domain, "a.example"), ind(Ipv4, "192.0.2.1"),
                ind(Domain, " A.EXAMPLE. ")], "indicators[2]", "duplicates indicators[0]"),
            (|s| s.tags = vec!["x".into(); 51], "tags", "at most 50"),
            (|s| s.tags = vec!["ok".into(), "  ".into()], "tags[1]", "empty"),
            (|s| s.tags = vec!["t".repeat(65)], "tags[0]", "at most 64 characters"),
            (|s| s.tags = vec!["a\u{7f}b".into()], "tags[0]", "control"),
            (|s| s.title = "invoice\u{202E}fdp.exe".into(), "title", "U+202E"),
            (|s| s.victim = Some("Sakura\u{200B}Bank".into()), "victim", "U+200B"),
            (|s| s.tags = vec!["a\u{2028}b".into()], "tags[0]", "U+2028"),
            (|s| s.tlp = Tlp::Red, "named_recipients", "TLP:RED needs at least one"),
            (|s| s.named_recipients = vec![7], "named_recipients", "only apply to TLP:RED"),
            (|s| red(s, (1..=101).collect()), "named_recipients", "at most 100"),
            (|s| red(s, vec![4, 5, 4]), "named_recipients[2]", "duplicate member id"),
        ];
        for (mutate, field, phrase) in cases {
            let mut s = submission();
            mutate(&mut s);
            assert_refused(s, field, phrase);
        }
    }

    #[test]
    fn limits_count_characters_as_a_japanese_writer_does() {
        let mut s = submission();
        s.title = "フィッシング".repeat(50);
        s.victim = Some("さくら銀行".repeat(60));
        s.tags = vec!["標的型攻撃".repeat(11) + "メール対策"];
        let valid = validate(s).expect("300, 300 and 60 characters of Japanese pass");
        assert_eq!(valid.into_inner().title.chars().count(), 300);
        let mut s = submission();
        s.title = "フィッシング".repeat(50) + "詐";
        assert_refused(s, "title", "at most 300 characters");
        let mut s = submission();
        s.tags = vec!["標".repeat(65)];
        assert_refused(s, "tags[0]", "at most 64 characters");
    }

    #[test]
    fn indicator_syntax_is_checked_by_kind() {
        let long_label = format!("{}.example", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_url = format!("https://example.com/{}", "a".repeat(2048));
        // 700 spaces become 2,100 bytes of %20.
        let widened_url = format!("https://example.com/{}x", " ".repeat(700));
        #[rustfmt::skip]
        let cases = [
            (Ipv4, "256.1.1.1", "IPv4"), (Ipv4, "010.1.1.1", "IPv4"),
            (Ipv6, "2001:db8::g", "IPv6"), (Ipv6, "[::1]", "IPv6"),
            (Domain, "localhost", "two labels"), (Domain, "a..example", "1 to 63"),
            (Domain, &long_label, "1 to 63"), (Domain, &long_name, "253"),
            (Domain, "\u{378}.example", "UTS #46"), (Domain, "a_b.example", "letters, digits"),
            (Domain, "-lead.example", "start or end"), (Domain, "192.0.2.1", "all digits"),
            (Url, "javascript:alert(1)", "scheme"), (Url, "file:///etc/passwd", "scheme"),
            (Url, "http://", "not a URL"), (Url, "example.com/path", "not a URL"),
            (Url, &long_url, "2048 bytes"), (Url, &widened_url, "2048 bytes"),
            (Email, "no-at.example", "'@'"), (Email, "@example.com", "local part"),
            (Email, "a b@example.com", "local part"), (Email, "a@b@example.com", "local part"),
            (Email, &long_local, "local part"), (Email, "root@localhost", "two labels"),
            (Md5, "d41d8cd98f00b204e9800998ecf8427", "32 hex"),
            (Sha1, "zz39a3ee5e6b4b0d3255bfef95601890afd80709", "40 hex"),
            (Sha256, "d41d8cd98f00b204e9800998ecf8427e", "64 hex"),
            (Cve, "CAN-2024-1234", "CVE-YYYY-NNNN"), (Cve, "CVE-24-1234", "CVE-YYYY-NNNN"),
            (Cve, "CVE-2024-123", "CVE-YYYY-NNNN"), (Cve, "CVE-2024-12345678", "CVE-YYYY-NNNN"),
            (Cve, "CVE-1998-1234", "1999 and 2100"),
        ];
        for (kind, value, phrase) in cases {
            let mut s = submission();
            s.indicators = vec![ind(kind, value)];
            assert_refused(s, "indicators[0].value", phrase);
        }
    }

    #[test]
    fn accepted_values_are_normalised() {
        let (sha256, sha256_lower) = ("AB".repeat(32), "ab".repeat(32));
        #[rustfmt::skip]
        let cases = [
            (Ipv4, " 192.0.2.1\t", "192.0.2.1"),
            (Ipv6, "2001:DB8:0:0::1", "2001:db8::1"),
            (Domain, "EXAMPLE.com.", "example.com"),
            (Domain, "xn--bcher-kva.example", "xn--bcher-kva.example"),
            (Domain, "bücherei.example", "xn--bcherei-n2a.example"),
            (Domain, "さくら銀行.example", "xn--y8jl1nm075aexk.example"),
            (Domain, "ＥＸＡＭＰＬＥ２．com", "example2.com"),
            (Email, "info@さくら銀行.example", "info@xn--y8jl1nm075aexk.example"),
            (Url, "HTTPS://Example.COM/a/../b?q=1", "https://example.com/b?q=1"),
            (Url, "ftp://files.example", "ftp://files.example/"),
            (Email, "Alice.Smith@EXAMPLE.com.", "Alice.Smith@example.com"),
            (Md5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
            (Sha1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (Sha256, &sha256, &sha256_lower),
            (Cve, "cve-2024-3400", "CVE-2024-3400"),
            (Cve, "CVE-2021-1234567", "CVE-2021-1234567"),
        ];
        let mut s = submission();
        s.title = "  Phishing wave ".into();
        s.victim = Some(" Acme ".into());
        s.tags = vec![" APT29 ".into()];
        red(&mut s, vec![3, 1]);
        s.indicators = cases
            .iter()
            .map(|(kind, value, _)| ind(*kind, value))
            .collect();
        let valid = validate(s).expect("valid").into_inner();
        let values: Vec<&str> = valid.indicators.iter().map(|i| i.value.as_str()).collect();
        let expected: Vec<&str> = cases.iter().map(|(.., normalised)| *normalised).collect();
        assert_eq!(values, expected);
        assert_eq!(
            (valid.title.as_str(), valid.victim.as_deref()),
            ("Phishing wave", Some("Acme"))
        );
        assert_eq!(valid.tags, ["apt29"]);
    }

    #[test]
    fn parse_names_the_offending_field() {
        // `$ok` stands for a valid set of the required fields, `$no_tlp` for one without TLP.
        #[rustfmt::skip]
        let cases = [
            (r#"{$ok"#, "body", "EOF while parsing an object at line 1 column"),
            (r#"{$ok,, "body": ""}"#, "body", "at line 1 column"),
            (r#"["t", "", "red", "confirmed"]"#, "body", "JSON object"),
            (r#"{$ok, "tlp": "clear"}"#, "body", "duplicate field `tlp`"),
            (r#"{$ok, "colour": 1}"#, "colour", "unknown field"),
            (r#"{$no_tlp}"#, "tlp", "missing"),
            (r#"{$no_tlp, "tlp": "orange"}"#, "tlp", "unknown variant `orange`"),
            (r#"{$ok, "victim": 5}"#, "victim", "invalid type"),
            (r#"{$ok, "tags": ["a", 5]}"#, "tags[1]", "invalid type"),
            (r#"{$ok, "tags": "a"}"#, "tags", "array"),
            (r#"{$ok, "named_recipients": [-1]}"#, "named_recipients[0]", "invalid value"),
            (r#"{$ok, "indicators": [{"kind":"md5","value":"x"}, {"kind":"hash","value":"x"}]}"#,
                "indicators[1].kind", "unknown variant `hash`"),
            (r#"{$ok, "indicators": [{"kind": "md5", "value": "x", "note": ""}]}"#,
                "indicators[0].note", "unknown field"),
            (r#"{$ok, "indicators": [{"kind": "md5"}]}"#, "indicators[0].value", "missing"),
            (r#"{$ok, "indicators": ["md5"]}"#, "indicators[0]", "JSON object"),
        ];
        for (json, field, phrase) in cases {
            let json = (json.replace("$ok", r#"$no_tlp, "tlp": "red""#))
                .replace("$no_tlp", r#""title": "t", "confidence": "confirmed""#);
            let err = parse(json.as_bytes()).expect_err(&json);
            assert_eq!(err.field, field, "{json}: {err}");
            assert!(
                err.message.contains(phrase),
                "{json}: {err} lacks {phrase:?}"
            );
        }
    }

    #[test]
    fn parse_fills_defaults_and_takes_both_amber_strict_spellings() {
        for tlp in ["amber+strict", "amber_strict"] {
            let json = format!(r#"{{"title": "t", "tlp": "{tlp}", "confidence": "suspicion"}}"#);
            let s = parse(json.as_bytes()).expect("valid JSON");
            assert_eq!(
                (s.tlp, s.body.as_str(), s.victim),
                (Tlp::AmberStrict, "", None)
            );
            assert!(s.indicators.is_empty() && s.tags.is_empty() && s.named_recipients.is_empty());
        }
    }
}
