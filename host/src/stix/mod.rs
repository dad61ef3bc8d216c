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

#[cfg(test)]
mod tests {
    use super::*;

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
