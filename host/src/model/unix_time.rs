//! Times in the API's JSON: stored as Unix seconds, written as RFC 3339 in UTC
//! (`2026-12-02T05:00:00Z`), the one convention for every time a client reads,
//! as views and fixtures already had it. Use on an `i64` field with
//! `#[serde(with = "crate::model::unix_time")]` and
//! `#[schema(value_type = String, format = DateTime)]` (`option` for `Option<i64>`).

use serde::{Deserialize, Deserializer, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `at` as RFC 3339 (seconds outside what RFC 3339 can write are clamped to
/// its range, which no stored time reaches).
pub fn to_rfc3339(at: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp(at).unwrap_or(if at < 0 {
        OffsetDateTime::UNIX_EPOCH
    } else {
        time::macros::datetime!(9999-12-31 23:59:59 UTC)
    });
    at.format(&Rfc3339).unwrap_or_default()
}

/// RFC 3339 text as Unix seconds.
pub fn from_rfc3339(text: &str) -> Result<i64, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| format!("{text}: not an RFC 3339 time ({e}), e.g. 2026-12-02T05:00:00Z"))
}

pub fn serialize<S: Serializer>(at: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&to_rfc3339(*at))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let text = String::deserialize(deserializer)?;
    from_rfc3339(&text).map_err(serde::de::Error::custom)
}

/// The same for an optional time (absent or `null` stays so).
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.serialize_str(&super::to_rfc3339(*at)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::from_rfc3339(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_read_and_write_as_rfc3339_in_utc() {
        assert_eq!(to_rfc3339(1_796_187_600), "2026-12-02T05:00:00Z");
        assert_eq!(from_rfc3339("2026-12-02T14:00:00+09:00"), Ok(1_796_187_600));
        assert!(from_rfc3339("1796187600").unwrap_err().contains("RFC 3339"));
    }
}
