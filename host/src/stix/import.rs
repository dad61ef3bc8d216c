//! STIX 2.1 objects as report submissions. Every object is mapped and every
//! submission validated before anything is submitted, so a bundle is imported
//! whole or not at all; an error names the object and its field.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::pattern;
use super::restriction::Restriction;
use crate::intake::{self, Submission, ValidSubmission};
use crate::model::{Confidence, Indicator, IndicatorKind};

/// Why an object cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {field}: {message}")]
pub struct ImportError {
    /// The object's STIX id (or `objects[i]` when it has none).
    pub object: String,
    pub field: String,
    pub message: String,
}

/// One submission and the STIX object it came from.
#[derive(Debug)]
pub struct Imported {
    pub source: String,
    pub submission: ValidSubmission,
}

/// Types that describe other objects and become no report of their own.
const CONTEXT_TYPES: [&str; 3] = ["identity", "marking-definition", "extension-definition"];

pub(super) fn error(object: &str, field: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        object: object.into(),
        field: field.into(),
        message: message.into(),
    }
}

/// STIX confidence (0-100) to a level; STIX's own scale puts 30 and 70 at the
/// "low"/"medium"/"high" boundaries.
fn confidence(object: &Value, id: &str) -> Result<Confidence, ImportError> {
    let score = object["confidence"].as_u64().ok_or_else(|| {
        error(
            id,
            "confidence",
            "required (0-100): a missing confidence is never guessed",
        )
    })?;
    Ok(match score {
        0..30 => Confidence::Suspicion,
        30..70 => Confidence::Unconfirmed,
        70..=100 => Confidence::Confirmed,
        _ => return Err(error(id, "confidence", "must be 0-100")),
    })
}

/// The indicators an `indicator` or `vulnerability` object stands for.
fn indicators(object: &Value, id: &str) -> Result<Vec<Indicator>, ImportError> {
    match object["type"].as_str() {
        Some("indicator") => {
            if object["pattern_type"].as_str().is_some_and(|t| t != "stix") {
                return Err(error(
                    id,
                    "pattern_type",
                    "only STIX patterns can be mapped",
                ));
            }
            let text = object["pattern"]
                .as_str()
                .ok_or_else(|| error(id, "pattern", "required"))?;
            let found = pattern::parse(text).map_err(|m| error(id, "pattern", m))?;
            Ok(found
                .into_iter()
                .map(|(kind, value)| Indicator { kind, value })
                .collect())
        }
        Some("vulnerability") => {
            let cve = object["external_references"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["source_name"] == "cve")
                .and_then(|r| r["external_id"].as_str())
                .or_else(|| object["name"].as_str())
                .ok_or_else(|| error(id, "external_references", "needs a `cve` reference"))?;
            Ok(vec![Indicator {
                kind: IndicatorKind::Cve,
                value: cve.to_string(),
            }])
        }
        other => Err(error(
            id,
            "type",
            format!("{} cannot be mapped to indicators", other.unwrap_or("?")),
        )),
    }
}

/// Maps `objects` (a bundle's or a TAXII envelope's) to validated submissions
/// from `organisation`: every report, and every indicator no report refers to.
pub fn import(objects: &[Value], organisation: &str) -> Result<Vec<Imported>, ImportError> {
    let mut by_id = HashMap::new();
    for (index, object) in objects.iter().enumerate() {
        let place = format!("objects[{index}]");
        let id = object["id"]
            .as_str()
            .ok_or_else(|| error(&place, "id", "required"))?;
        object["type"]
            .as_str()
            .ok_or_else(|| error(id, "type", "required"))?;
        by_id.insert(id, object);
    }
    let mut referenced = HashSet::new();
    let mut imported = Vec::new();
    for object in objects.iter().filter(|o| o["type"] == "report") {
        let id = object["id"].as_str().unwrap_or_default();
        let mut restriction = Restriction::of(object, id)?;
        check_author(object, id, &by_id, organisation, &mut restriction)?;
        let mut found = Vec::new();
        let refs = object["object_refs"]
            .as_array()
            .ok_or_else(|| error(id, "object_refs", "required"))?;
        for reference in refs {
            let target = reference.as_str().unwrap_or_default();
            let referred = by_id.get(target).ok_or_else(|| {
                error(id, "object_refs", format!("{target} is not in the bundle"))
            })?;
            referenced.insert(target);
            restriction.include(referred, target)?;
            if !CONTEXT_TYPES.contains(&referred["type"].as_str().unwrap_or_default()) {
                found.extend(
                    indicators(referred, target)?
                        .into_iter()
                        .map(|i| (target.to_string(), i)),
                );
            }
        }
        let title = object["name"]
            .as_str()
            .ok_or_else(|| error(id, "name", "required"))?;
        imported.push(submission(object, id, title, restriction, found)?);
    }
    for object in objects {
        let id = object["id"].as_str().unwrap_or_default();
        let kind = object["type"].as_str().unwrap_or_default();
        if kind == "report" || referenced.contains(id) || CONTEXT_TYPES.contains(&kind) {
            continue;
        }
        if kind != "indicator" && kind != "vulnerability" {
            return Err(error(
                id,
                "type",
                format!("{kind} cannot be mapped to a report"),
            ));
        }
        let mut restriction = Restriction::of(object, id)?;
        check_author(object, id, &by_id, organisation, &mut restriction)?;
        let found = indicators(object, id)?
            .into_iter()
            .map(|i| (id.to_string(), i))
            .collect();
        let title = object["name"]
            .as_str()
            .or(object["pattern"].as_str())
            .unwrap_or(id);
        imported.push(submission(object, id, title, restriction, found)?);
    }
    Ok(imported)
}

/// `created_by_ref`, when given, must be the submitting organisation; its
/// identity is brought in with the object, so its markings count too.
fn check_author(
    object: &Value,
    id: &str,
    by_id: &HashMap<&str, &Value>,
    organisation: &str,
    restriction: &mut Restriction,
) -> Result<(), ImportError> {
    let Some(author) = object["created_by_ref"].as_str() else {
        return Ok(());
    };
    let identity = by_id.get(author).ok_or_else(|| {
        error(
            id,
            "created_by_ref",
            format!("{author} is not in the bundle"),
        )
    })?;
    restriction.include(identity, author)?;
    let name = identity["name"].as_str().unwrap_or_default();
    if name.trim().eq_ignore_ascii_case(organisation.trim()) {
        Ok(())
    } else {
        Err(error(
            id,
            "created_by_ref",
            format!("{name:?} is not the submitting organisation {organisation:?}"),
        ))
    }
}

/// A validated submission under the most restrictive TLP of what it contains;
/// intake's field names are translated to the STIX object and property they
/// came from.
fn submission(
    object: &Value,
    id: &str,
    title: &str,
    restriction: Restriction,
    found: Vec<(String, Indicator)>,
) -> Result<Imported, ImportError> {
    let tags = object["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let (sources, indicators): (Vec<String>, Vec<Indicator>) = found.into_iter().unzip();
    let submission = Submission {
        title: title.to_string(),
        body: object["description"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        tlp: restriction.tlp(),
        confidence: confidence(object, id)?,
        indicators,
        tags,
        victim: None,
        named_recipients: Vec::new(),
    };
    let submission = intake::validate(submission).map_err(|e| {
        let index = e
            .field
            .strip_prefix("indicators[")
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        match index.and_then(|i| sources.get(i)) {
            Some(source) => error(source, "pattern", e.message.clone()),
            None => {
                let field = match e.field.as_str() {
                    "title" => "name",
                    "body" => "description",
                    "tags" => "labels",
                    "named_recipients" => "object_marking_refs",
                    other => other,
                };
                error(id, field, e.message.clone())
            }
        }
    })?;
    Ok(Imported {
        source: id.to_string(),
        submission,
    })
}
