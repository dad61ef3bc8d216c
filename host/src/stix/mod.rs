//! STIX 2.1: a member's delivered views as bundles (`export`) and bundles as
//! reports (`import`), with TLP 2.0 markings (`marking`) and indicator patterns
//! (`pattern`); an imported report takes the most restrictive marking of what
//! it contains (`restriction`).

pub mod export;
pub mod import;
pub mod marking;
pub mod pattern;
pub mod restriction;

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

/// `type--uuid`, the same for the same `name` every time, so exporting the same
/// delivery twice gives the same ids and consumers deduplicate. The UUID is cut
/// from a SHA-256 of type and name and marked as version 4, the form STIX 2.1
/// asks of domain objects' ids.
pub fn id(kind: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("isac-host:{kind}:{name}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!(
        "{kind}--{}",
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    )
}

/// This deployment's namespace for the ids of the objects it exports (created
/// at its first start, see migration 0009): ids are UUIDv5 of the object's name
/// under it, the same for the same delivery every time, and never the same as
/// another deployment's for its own deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Namespace(uuid::Uuid);

impl Namespace {
    /// Parses the stored namespace (32 hex digits, with or without dashes).
    pub fn parse(text: &str) -> Option<Namespace> {
        uuid::Uuid::try_parse(text.trim()).ok().map(Namespace)
    }

    /// This deployment's namespace, as stored.
    pub async fn of<'e>(
        db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ) -> Result<Namespace, sqlx::Error> {
        let text: String = sqlx::query_scalar("SELECT namespace FROM deployment WHERE id = 1")
            .fetch_one(db)
            .await?;
        Namespace::parse(&text)
            .ok_or_else(|| sqlx::Error::Decode(format!("bad deployment namespace {text:?}").into()))
    }

    /// `type--uuid`, UUIDv5 of `type` and `name` under this namespace.
    pub fn id(&self, kind: &str, name: &str) -> String {
        let uuid = uuid::Uuid::new_v5(&self.0, format!("{kind}:{name}").as_bytes());
        format!("{kind}--{uuid}")
    }
}

/// A STIX timestamp: RFC 3339 in UTC with milliseconds.
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// A TAXII date added: RFC 3339 in UTC with microseconds, from Unix microseconds.
pub fn timestamp_micros(micros: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}.{:06}Z",
        timestamp(at).split('.').next().unwrap_or_default(),
        at.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_ids_differ_between_deployments() {
        let a = Namespace::parse("0b6c7a4e9f2d4c1b8a3e5d7f9a1b3c5d").unwrap();
        let b = Namespace::parse("1b6c7a4e9f2d4c1b8a3e5d7f9a1b3c5d").unwrap();
        assert_eq!(a.id("report", "view:1"), a.id("report", "view:1"));
        assert_ne!(a.id("report", "view:1"), b.id("report", "view:1"));
        let id = a.id("report", "view:1");
        assert_eq!(
            id.as_bytes()["report--".len() + 14],
            b'5',
            "UUID version 5: {id}"
        );
    }

    #[test]
    fn dates_added_have_microseconds() {
        assert_eq!(
            timestamp_micros(1_700_000_000_123_456),
            "2023-11-14T22:13:20.123456Z"
        );
    }

    #[test]
    fn ids_are_deterministic_and_typed() {
        assert_eq!(id("report", "view:1"), id("report", "view:1"));
        assert_ne!(id("report", "view:1"), id("report", "view:2"));
        assert!(id("indicator", "x").starts_with("indicator--"));
        assert_eq!(id("report", "x").as_bytes()[8 + 14], b'4', "UUID version 4");
    }

    #[test]
    fn timestamps_have_milliseconds_in_utc() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(timestamp(at), "2023-11-14T22:13:20.000Z");
    }
}
