//! The TLP an imported report takes: the most restrictive among its own marking
//! and the markings of every object it brings in. A report is delivered as one
//! view under one TLP, so a part of it marked more restrictively (a referenced
//! indicator, a granular marking on its description) raises the whole report,
//! or it would be delivered below its own marking. TLP:RED is the exception: it
//! needs named recipients, which a STIX bundle cannot give, so a RED part of a
//! report that is not itself RED is refused rather than raised.

use serde_json::Value;

use super::import::{ImportError, error};
use super::marking;
use crate::model::Tlp;

/// The TLP an imported object accumulates from itself and what it refers to.
#[derive(Debug)]
pub struct Restriction {
    /// The object being imported, named in refusals.
    source: String,
    tlp: Tlp,
}

impl Restriction {
    /// Starts from an imported object's own TLP marking (required) and raises
    /// it by the object's granular markings.
    pub fn of(object: &Value, id: &str) -> Result<Restriction, ImportError> {
        let own = own_tlp(object, id)?.ok_or_else(|| {
            error(
                id,
                "object_marking_refs",
                "needs a TLP marking definition (TLP 2.0 or 1.0)",
            )
        })?;
        let mut restriction = Restriction {
            source: id.to_string(),
            tlp: own,
        };
        restriction.granular(object, id)?;
        Ok(restriction)
    }

    /// Takes in an object the imported one refers to. An unmarked object adds
    /// nothing: it is shared under the marking of the object that refers to it.
    pub fn include(&mut self, object: &Value, id: &str) -> Result<(), ImportError> {
        if let Some(tlp) = own_tlp(object, id)? {
            self.raise(tlp, id, "object_marking_refs")?;
        }
        self.granular(object, id)
    }

    /// The most restrictive TLP taken in.
    pub fn tlp(&self) -> Tlp {
        self.tlp
    }

    fn granular(&mut self, object: &Value, id: &str) -> Result<(), ImportError> {
        let Some(entries) = object.get("granular_markings") else {
            return Ok(());
        };
        let entries = entries
            .as_array()
            .ok_or_else(|| error(id, "granular_markings", "must be a list"))?;
        for (index, entry) in entries.iter().enumerate() {
            let field = format!("granular_markings[{index}].marking_ref");
            match entry.get("marking_ref") {
                Some(reference) => {
                    let tlp = known(reference, id, &field)?;
                    self.raise(tlp, id, &field)?;
                }
                // A language marking says which language a part is in, not who may read it.
                None if entry.get("lang").is_some() => {}
                None => return Err(error(id, &field, "required (or `lang`)")),
            }
        }
        Ok(())
    }

    fn raise(&mut self, tlp: Tlp, id: &str, field: &str) -> Result<(), ImportError> {
        if tlp == Tlp::Red && self.tlp != Tlp::Red {
            return Err(error(
                id,
                field,
                format!(
                    "is TLP:RED but {} is {}: TLP:RED needs named recipients, which a STIX \
                     bundle cannot give; leave the object out or submit it as a report",
                    self.source,
                    marking::name(self.tlp)
                ),
            ));
        }
        self.tlp = self.tlp.max(tlp);
        Ok(())
    }
}

/// The TLP of an object's `object_marking_refs`, if it has one. A marking the
/// host cannot honour is refused, never ignored; so is more than one TLP.
fn own_tlp(object: &Value, id: &str) -> Result<Option<Tlp>, ImportError> {
    let field = "object_marking_refs";
    let Some(references) = object.get(field) else {
        return Ok(None);
    };
    let references = references
        .as_array()
        .ok_or_else(|| error(id, field, "must be a list"))?;
    let labels = references
        .iter()
        .map(|r| known(r, id, field))
        .collect::<Result<Vec<Tlp>, ImportError>>()?;
    match labels.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(error(id, field, "has more than one TLP marking")),
    }
}

/// The TLP a marking reference stands for; anything else is refused by name.
fn known(reference: &Value, id: &str, field: &str) -> Result<Tlp, ImportError> {
    let text = reference.as_str().unwrap_or_default();
    marking::tlp_of(text).ok_or_else(|| {
        error(
            id,
            field,
            format!(
                "{reference} is not a TLP marking definition (TLP 2.0 or 1.0); the host \
                 cannot honour other markings"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn marked(tlp: Tlp) -> Value {
        json!({ "object_marking_refs": [marking::id(tlp)] })
    }

    #[test]
    fn the_most_restrictive_marking_wins() {
        let mut r = Restriction::of(&marked(Tlp::Green), "report--1").unwrap();
        r.include(&json!({}), "identity--1").unwrap();
        assert_eq!(r.tlp(), Tlp::Green, "an unmarked object adds nothing");
        r.include(&marked(Tlp::Amber), "indicator--1").unwrap();
        r.include(&marked(Tlp::Clear), "indicator--2").unwrap();
        assert_eq!(r.tlp(), Tlp::Amber);
        let granular = json!({ "granular_markings": [
            { "lang": "ja", "selectors": ["name"] },
            { "marking_ref": marking::id(Tlp::AmberStrict), "selectors": ["description"] },
        ]});
        r.include(&granular, "indicator--3").unwrap();
        assert_eq!(r.tlp(), Tlp::AmberStrict);
    }

    #[test]
    fn red_parts_and_unknown_markings_are_refused_by_field() {
        let red_granular = json!({ "object_marking_refs": [marking::id(Tlp::Green)],
            "granular_markings": [{ "marking_ref": marking::id(Tlp::Red), "selectors": ["description"] }] });
        let unknown = json!({ "object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000000"] });
        let granular_without_ref = json!({ "granular_markings": [{ "selectors": ["name"] }] });
        let cases = [
            (&marked(Tlp::Red), "object_marking_refs"),
            (&red_granular, "granular_markings[0].marking_ref"),
            (&unknown, "object_marking_refs"),
            (&granular_without_ref, "granular_markings[0].marking_ref"),
        ];
        for (object, field) in cases {
            let mut r = Restriction::of(&marked(Tlp::Amber), "report--1").unwrap();
            let refused = r.include(object, "indicator--9").unwrap_err();
            assert_eq!(
                (refused.object.as_str(), refused.field.as_str()),
                ("indicator--9", field)
            );
        }
        let mut red = Restriction::of(&marked(Tlp::Red), "report--1").unwrap();
        red.include(&marked(Tlp::Red), "indicator--1").unwrap();
        assert_eq!(red.tlp(), Tlp::Red);
        assert!(Restriction::of(&red_granular, "indicator--2").is_err());
    }
}
