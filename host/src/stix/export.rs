//! A member's delivered views as STIX 2.1 objects. Each view becomes a `report`
//! whose `object_refs` are its indicators (CVE ids as `vulnerability` objects),
//! created by the community's identity; every object is marked with the view's
//! TLP 2.0 marking, so a consumer that splits the report up (OpenCTI and MISP
//! store objects one by one) keeps each part under the view's TLP. Ids derive
//! from the delivery under the deployment's [`Namespace`], so the same delivery
//! always exports the same objects and no other deployment issues their ids.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Namespace, id, marking, pattern, timestamp};
use crate::model::{Confidence, IndicatorKind, Tlp, label_name};
use crate::view::View;

/// STIX confidence (0-100) for each confidence level.
pub fn confidence_score(confidence: Confidence) -> u8 {
    match confidence {
        Confidence::Suspicion => 15,
        Confidence::Unconfirmed => 50,
        Confidence::Confirmed => 85,
    }
}

/// The objects of one delivered view: its indicators and vulnerabilities, the
/// community's identity, then the report that refers to them (marking
/// definitions are added by [`bundle`]).
pub fn objects(namespace: &Namespace, delivery: i64, view: &View) -> Vec<Value> {
    let identity = community_identity(&view.community, view.tlp);
    let mut objects = collection_objects(namespace, delivery, view);
    let report = objects.pop();
    objects.push(identity);
    objects.extend(report);
    objects
}

/// The objects a view adds to a member's TAXII collection: its indicators and
/// vulnerabilities, then its report; not the community identity, which the
/// collection lists once among its shared objects (building it for each view,
/// only to drop it, was a tenth of a TAXII page's time).
pub fn collection_objects(namespace: &Namespace, delivery: i64, view: &View) -> Vec<Value> {
    let at = timestamp(view.submitted_at);
    let marking = vec![marking::id(view.tlp)];
    let mut objects = Vec::new();
    for (index, indicator) in view.indicators.iter().enumerate() {
        let pattern = pattern::of(indicator.kind, &indicator.value);
        let id = indicator_object_id(namespace, delivery, index, pattern.is_some());
        let object = match pattern {
            Some(pattern) => json!({
                "type": "indicator", "spec_version": "2.1", "id": id,
                "created": at, "modified": at, "name": indicator.value,
                "description": format!("{} indicator from a report shared in {}", label_name(&indicator.kind), view.community),
                "pattern": pattern, "pattern_type": "stix", "valid_from": at,
                "object_marking_refs": marking,
            }),
            None => {
                debug_assert_eq!(indicator.kind, IndicatorKind::Cve);
                json!({
                    "type": "vulnerability", "spec_version": "2.1", "id": id,
                    "created": at, "modified": at, "name": indicator.value,
                    "external_references": [{ "source_name": "cve", "external_id": indicator.value }],
                    "object_marking_refs": marking,
                })
            }
        };
        objects.push(object);
    }
    let identity = community_identity_id(&view.community, view.tlp);
    let mut refs: Vec<Value> = objects.iter().map(|o| o["id"].clone()).collect();
    if refs.is_empty() {
        // A report must refer to something; with every indicator withheld, it
        // refers to the community it came through.
        refs.push(json!(identity));
    }
    let mut report = json!({
        "type": "report", "spec_version": "2.1", "id": report_id(namespace, delivery),
        "created": at, "modified": at, "published": at, "name": view.title,
        "report_types": ["threat-report"], "confidence": confidence_score(view.confidence),
        "created_by_ref": identity, "object_refs": refs, "object_marking_refs": marking,
    });
    if let Some(body) = &view.body {
        report["description"] = json!(body);
    }
    if let Some(tags) = view.tags.as_ref().filter(|t| !t.is_empty()) {
        report["labels"] = json!(tags);
    }
    objects.push(report);
    objects
}

/// The id of the object the view's indicator `index` exports as: an
/// `indicator` when it has a STIX pattern, else (a CVE) a `vulnerability`.
fn indicator_object_id(
    namespace: &Namespace,
    delivery: i64,
    index: usize,
    patterned: bool,
) -> String {
    let kind = if patterned {
        "indicator"
    } else {
        "vulnerability"
    };
    namespace.id(kind, &format!("view:{delivery}:indicator:{index}"))
}

/// The id of the `report` object a delivered view exports as.
pub fn report_id(namespace: &Namespace, delivery: i64) -> String {
    namespace.id("report", &format!("view:{delivery}"))
}

/// The ids of [`collection_objects`], in their order, without building the
/// objects: the writer orders every committed view in its collections, and
/// building each view's objects only to read their ids was the most of that pass.
pub fn collection_object_ids(namespace: &Namespace, delivery: i64, view: &View) -> Vec<String> {
    let mut ids: Vec<String> = view
        .indicators
        .iter()
        .enumerate()
        .map(|(index, indicator)| {
            let patterned = pattern::of(indicator.kind, &indicator.value).is_some();
            indicator_object_id(namespace, delivery, index, patterned)
        })
        .collect();
    ids.push(report_id(namespace, delivery));
    ids
}

/// The identity of the community a view came through: its reports'
/// `created_by_ref` (the submitter is not disclosed by a view). One per TLP,
/// marked with it, so every object of a view carries the view's marking while
/// views of different TLPs in one bundle each refer to their own.
pub fn community_identity(community: &str, tlp: Tlp) -> Value {
    json!({
        "type": "identity", "spec_version": "2.1", "id": community_identity_id(community, tlp),
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "name": community, "identity_class": "organization",
        "object_marking_refs": [marking::id(tlp)],
    })
}

/// The id of [`community_identity`].
fn community_identity_id(community: &str, tlp: Tlp) -> String {
    id(
        "identity",
        &format!("community:{community}:{}", marking::name(tlp)),
    )
}

/// The TLP markings the objects use, each once, in a fixed order.
pub fn markings(objects: &[Value]) -> Vec<Value> {
    let used: BTreeSet<&str> = objects
        .iter()
        .filter_map(|o| o["object_marking_refs"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    marking::LABELS
        .into_iter()
        .filter(|tlp| used.contains(marking::id(*tlp)))
        .map(marking::definition)
        .collect()
}

/// A bundle of objects with the marking definitions they use, deduplicated by
/// id (an identity shared by several views appears once).
pub fn bundle(objects: Vec<Value>) -> Value {
    let mut seen = BTreeSet::new();
    let mut all = markings(&objects);
    all.extend(objects);
    all.retain(|o| seen.insert(o["id"].as_str().unwrap_or_default().to_string()));
    let ids: Vec<&str> = all.iter().filter_map(|o| o["id"].as_str()).collect();
    json!({ "type": "bundle", "id": id("bundle", &ids.join(",")), "objects": all })
}

#[cfg(test)]
mod tests {
    use super::{Namespace, collection_object_ids, collection_objects, objects};
    use crate::view::View;

    #[test]
    fn the_ids_alone_are_those_of_the_collection_objects() {
        let namespace = Namespace::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap();
        let view: View = serde_json::from_value(serde_json::json!({
            "report_id": "r-1", "community": "council", "submitted_at": "2026-05-11T08:59:00Z",
            "title": "Phishing wave", "tlp": "amber", "confidence": "confirmed",
            "indicators": [{"kind": "domain", "value": "evil.example"},
                           {"kind": "cve", "value": "CVE-2026-1234"},
                           {"kind": "ipv4", "value": "192.0.2.7"}],
            "redacted": {}
        }))
        .unwrap();
        let mut withheld = view.clone();
        withheld.indicators.clear();
        for view in [view, withheld] {
            let built: Vec<String> = collection_objects(&namespace, 42, &view)
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(collection_object_ids(&namespace, 42, &view), built);
            // The view's own objects add its community's identity before the
            // report, which it created.
            let all = objects(&namespace, 42, &view);
            let identity = &all[all.len() - 2];
            assert_eq!(identity["type"], "identity");
            assert_eq!(all[all.len() - 1]["created_by_ref"], identity["id"]);
            let mut without = all.clone();
            without.remove(all.len() - 2);
            assert_eq!(without, collection_objects(&namespace, 42, &view));
        }
    }
}
