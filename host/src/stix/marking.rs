//! TLP 2.0 as STIX 2.1 marking definitions: the ids and objects published by
//! OASIS for the TLP 2.0 extension, and the TLP 1.0 ids of the STIX 2.1
//! specification, which older tools still send.

use serde_json::{Value, json};

use crate::model::Tlp;

/// Every TLP 2.0 label, least restrictive first.
pub const LABELS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];

/// The OASIS extension definition that TLP 2.0 marking definitions use.
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

const TLP2: [(Tlp, &str, &str); 5] = [
    (
        Tlp::Clear,
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "clear",
    ),
    (
        Tlp::Green,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "green",
    ),
    (
        Tlp::Amber,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber",
    ),
    (
        Tlp::AmberStrict,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
    ),
    (
        Tlp::Red,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "red",
    ),
];

/// TLP 1.0 (STIX 2.1 section 7.2.1.4): WHITE is CLEAR's predecessor.
const TLP1: [(Tlp, &str); 4] = [
    (
        Tlp::Clear,
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    ),
    (
        Tlp::Green,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ),
    (
        Tlp::Amber,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    ),
    (
        Tlp::Red,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    ),
];

fn entry(tlp: Tlp) -> (Tlp, &'static str, &'static str) {
    TLP2.into_iter()
        .find(|(t, _, _)| *t == tlp)
        .unwrap_or(TLP2[4])
}

/// The id of the TLP 2.0 marking definition for `tlp`.
pub fn id(tlp: Tlp) -> &'static str {
    entry(tlp).1
}

/// The label as TLP 2.0 writes it, e.g. `TLP:AMBER+STRICT`.
pub fn name(tlp: Tlp) -> String {
    format!("TLP:{}", entry(tlp).2.to_uppercase())
}

/// The TLP 2.0 marking definition object for `tlp`, as OASIS publishes it.
pub fn definition(tlp: Tlp) -> Value {
    let (_, id, name) = entry(tlp);
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": self::name(tlp),
        "extensions": { TLP2_EXTENSION: { "extension_type": "property-extension", "tlp_2_0": name } }
    })
}

/// The TLP a marking definition id stands for (TLP 2.0 or 1.0), if it is one.
pub fn tlp_of(marking: &str) -> Option<Tlp> {
    TLP2.iter()
        .find(|(_, id, _)| *id == marking)
        .map(|(tlp, _, _)| *tlp)
        .or_else(|| {
            TLP1.iter()
                .find(|(_, id)| *id == marking)
                .map(|(tlp, _)| *tlp)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_round_trips_through_its_marking() {
        for tlp in [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ] {
            assert_eq!(tlp_of(id(tlp)), Some(tlp));
            assert_eq!(definition(tlp)["id"], id(tlp));
        }
        assert_eq!(tlp_of(TLP1[0].1), Some(Tlp::Clear));
        assert_eq!(tlp_of("marking-definition--unknown"), None);
        assert_eq!(definition(Tlp::AmberStrict)["name"], "TLP:AMBER+STRICT");
    }
}
