//! STIX 2.1 objects as report submissions. Every object is mapped and every
//! submission validated before anything is submitted; an error names the object
//! and its field. [`import_each`] refuses only a bad report, and any report
//! referring to a bad object (what a TAXII status reports per object);
//! [`import`] refuses the whole bundle for one error.

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
    /// The source's `modified` (else `created`): with the id, what makes adding
    /// the same object twice one report.
    pub version: String,
    /// The other objects of the bundle the report is made of.
    pub carries: Vec<String>,
    pub submission: ValidSubmission,
}

/// What [`import_each`] made of a bundle's objects.
#[derive(Debug, Default)]
pub struct Import {
    pub reports: Vec<Imported>,
    /// Objects that become no report, each with why.
    pub refused: Vec<ImportError>,
}

/// An object's version: `modified`, else `created`.
pub fn version(object: &Value) -> String {
    object
        .get("modified")
        .or(object.get("created"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
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
/// from `organisation`, or the first reason one cannot be made.
pub fn import(objects: &[Value], organisation: &str) -> Result<Vec<Imported>, ImportError> {
    let import = import_each(objects, organisation);
    match import.refused.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(import.reports),
    }
}

/// Maps `objects` to validated submissions from `organisation`: every report,
/// and every indicator no report refers to. A bad object is refused, with any
/// report that refers to it (and the objects only that report refers to); the
/// rest are imported.
pub fn import_each(objects: &[Value], organisation: &str) -> Import {
    let mut import = Import::default();
    let mut by_id = HashMap::new();
    for (index, object) in objects.iter().enumerate() {
        let Some(id) = object["id"].as_str() else {
            let place = format!("objects[{index}]");
            import.refused.push(error(&place, "id", "required"));
            continue;
        };
        if object["type"].as_str().is_none() {
            import.refused.push(error(id, "type", "required"));
            continue;
        }
        by_id.insert(id, object);
    }
    let mut referenced = HashSet::new();
    // Objects refused for themselves, and objects of refused reports.
    let mut refused_ids: HashSet<String> = HashSet::new();
    let mut orphans: Vec<(String, String)> = Vec::new();
    for object in objects.iter().filter(|o| o["type"] == "report") {
        let Some(id) = object["id"].as_str() else {
            continue;
        };
        let refs: Vec<&str> = object["object_refs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        referenced.extend(refs.iter().copied());
        match report(object, id, &refs, &by_id, organisation) {
            Ok(imported) => import.reports.push(imported),
            Err(cause) => {
                if cause.object != id {
                    let message = format!("refers to {}, which is refused: {cause}", cause.object);
                    if refused_ids.insert(cause.object.clone()) {
                        import.refused.push(cause);
                    }
                    import.refused.push(error(id, "object_refs", message));
                } else {
                    import.refused.push(cause);
                }
                refused_ids.insert(id.to_string());
                orphans.extend(refs.iter().map(|r| (r.to_string(), id.to_string())));
            }
        }
    }
    for object in objects {
        let (Some(id), Some(kind)) = (object["id"].as_str(), object["type"].as_str()) else {
            continue;
        };
        if kind == "report" || referenced.contains(id) || CONTEXT_TYPES.contains(&kind) {
            continue;
        }
        match standalone(object, id, kind, &by_id, organisation) {
            Ok(imported) => import.reports.push(imported),
            Err(cause) => {
                refused_ids.insert(id.to_string());
                import.refused.push(cause);
            }
        }
    }
    let carried: HashSet<&str> = import
        .reports
        .iter()
        .flat_map(|r| r.carries.iter().map(String::as_str))
        .collect();
    for (object, report) in orphans {
        if !carried.contains(object.as_str()) && refused_ids.insert(object.clone()) {
            let message = format!("the report that refers to it, {report}, is refused");
            import.refused.push(error(&object, "id", message));
        }
    }
    import
}

/// A `report` object and what it refers to, as one submission.
fn report(
    object: &Value,
    id: &str,
    refs: &[&str],
    by_id: &HashMap<&str, &Value>,
    organisation: &str,
) -> Result<Imported, ImportError> {
    let mut restriction = Restriction::of(object, id)?;
    check_author(object, id, by_id, organisation, &mut restriction)?;
    if !object["object_refs"].is_array() {
        return Err(error(id, "object_refs", "required"));
    }
    let mut found = Vec::new();
    for target in refs {
        let referred = by_id
            .get(target)
            .ok_or_else(|| error(id, "object_refs", format!("{target} is not in the bundle")))?;
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
    let mut carries: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
    for referred in refs.iter().filter_map(|r| by_id.get(r)) {
        carries.extend(markings(referred));
    }
    submission(object, id, title, restriction, found, carries)
}

/// An indicator or vulnerability no report refers to, as a submission of its own.
fn standalone(
    object: &Value,
    id: &str,
    kind: &str,
    by_id: &HashMap<&str, &Value>,
    organisation: &str,
) -> Result<Imported, ImportError> {
    if kind != "indicator" && kind != "vulnerability" {
        return Err(error(
            id,
            "type",
            format!("{kind} cannot be mapped to a report"),
        ));
    }
    let mut restriction = Restriction::of(object, id)?;
    check_author(object, id, by_id, organisation, &mut restriction)?;
    let found = indicators(object, id)?
        .into_iter()
        .map(|i| (id.to_string(), i))
        .collect();
    let title = object["name"]
        .as_str()
        .or(object["pattern"].as_str())
        .unwrap_or(id);
    submission(object, id, title, restriction, found, Vec::new())
}

/// The marking definitions an object refers to (`object_marking_refs` and
/// `granular_markings`): a bundle may carry them along.
fn markings(object: &Value) -> impl Iterator<Item = String> + '_ {
    let whole = object["object_marking_refs"]
        .as_array()
        .into_iter()
        .flatten();
    let granular = object["granular_markings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| &g["marking_ref"]);
    whole
        .chain(granular)
        .filter_map(Value::as_str)
        .map(str::to_string)
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
    mut carries: Vec<String>,
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
    carries.extend(markings(object));
    if let Some(author) = object["created_by_ref"].as_str() {
        carries.push(author.to_string());
    }
    Ok(Imported {
        source: id.to_string(),
        version: version(object),
        carries,
        submission,
    })
}
