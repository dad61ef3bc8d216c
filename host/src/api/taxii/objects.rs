//! TAXII 2.1 objects, manifest and status: the `inbox` collection lists the
//! member's due deliveries as STIX objects (after the TLP marking definitions
//! and the community's identities, one per TLP, they refer to) in the order
//! they became due (`store::collection`), each object at a date added of its
//! own, so `next` and `added_after` walk it alike; each page's views
//! audit-logged. (`submissions` takes objects: see `submissions`.)

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use sqlx::Row;

use super::super::extract::{Path, Query};
use super::{Collection, STIX, seat_in, taxii};
use crate::api::inbox::{ViewFilter, due_views};
use crate::api::{ApiError, AppState, Principal, Seat, read_audit};
use crate::stix::{self, Namespace, export, marking, timestamp_micros};
use crate::store::{bulk, collection, collection::Placed};
use crate::view::View;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/taxii2/{root}/collections/{collection}/objects/",
            get(list).post(super::submissions::add),
        )
        .route(
            "/taxii2/{root}/collections/{collection}/objects/{object}/",
            get(one),
        )
        .route(
            "/taxii2/{root}/collections/{collection}/manifest/",
            get(manifest),
        )
}

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;
/// When the TLP 2.0 marking definitions were published: the shared objects'
/// date added (Unix microseconds), before anything a member received.
const SHARED_ADDED: i64 = 1_664_582_400_000_000;
/// Views loaded at a time while filling a page.
const VIEWS_PER_LOAD: usize = 100;

/// An object in the inbox collection at its position (date added, Unix
/// microseconds), and the view it is part of (none for the shared markings and
/// identities).
struct Entry {
    position: i64,
    view: Option<i64>,
    object: Value,
}

/// What a listing asks for.
struct Listing {
    /// Only objects past this position: the later of `next` and `added_after`.
    after: i64,
    types: Option<Vec<String>>,
    ids: Option<Vec<String>>,
    /// Exact versions asked for; `None` for every version (our objects have one).
    versions: Option<Vec<i128>>,
    spec_versions: Option<Vec<String>>,
    limit: usize,
}

/// Unix nanoseconds of an RFC 3339 timestamp, or a 400 naming `field`.
fn instant(field: &str, text: &str) -> Result<i128, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| t.unix_timestamp_nanos())
        .map_err(|e| ApiError::bad_parameter(field, format!("not an RFC 3339 timestamp: {e}")))
}

impl Listing {
    fn parse(query: &HashMap<String, String>) -> Result<Listing, ApiError> {
        for key in query.keys() {
            if ![
                "added_after",
                "limit",
                "next",
                "match[type]",
                "match[id]",
                "match[version]",
                "match[spec_version]",
            ]
            .contains(&key.as_str())
            {
                return Err(ApiError::bad_parameter(key.clone(), "unknown parameter"));
            }
        }
        let list = |key: &str| {
            query.get(key).map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
        };
        let next = query
            .get("next")
            .map(|next| {
                next.parse::<i64>()
                    .map_err(|_| ApiError::bad_parameter("next", "not a token this server gave"))
            })
            .transpose()?;
        // Positions are whole microseconds: after X.yyyyyy9 means after X.yyyyyy.
        let added_after = query
            .get("added_after")
            .map(|t| instant("added_after", t).map(|nanos| nanos.div_euclid(1000) as i64))
            .transpose()?;
        let limit = match query.get("limit") {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| {
                    ApiError::bad_parameter("limit", format!("must be 1-{MAX_LIMIT}"))
                })?,
        };
        let versions = match list("match[version]") {
            None => None,
            Some(v)
                if v.iter()
                    .any(|v| ["first", "last", "all"].contains(&v.as_str())) =>
            {
                None
            }
            Some(v) => Some(
                v.iter()
                    .map(|t| instant("match[version]", t))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Listing {
            after: next
                .into_iter()
                .chain(added_after)
                .max()
                .unwrap_or(i64::MIN),
            types: list("match[type]"),
            ids: list("match[id]"),
            versions,
            spec_versions: list("match[spec_version]"),
            limit,
        })
    }

    /// Whether `object` passes the filters (its position is checked apart).
    fn wants(&self, object: &Value) -> bool {
        let field = |name: &str| object[name].as_str().unwrap_or_default().to_string();
        let any = |wanted: &Option<Vec<String>>, value: String| {
            wanted.as_ref().is_none_or(|w| w.contains(&value))
        };
        any(&self.types, field("type"))
            && any(&self.ids, field("id"))
            && any(&self.spec_versions, field("spec_version"))
            && self.versions.as_ref().is_none_or(|wanted| {
                let version = object.get("modified").or(object.get("created"));
                version
                    .and_then(Value::as_str)
                    .and_then(|v| instant("version", v).ok())
                    .is_some_and(|v| wanted.contains(&v))
            })
    }
}

/// The objects every member's collection starts with, those after position
/// `after`: the TLP marking definitions and the community's identities, one
/// per TLP. Only those a page can show are built: a page further on builds none.
fn shared(seat: &Seat, after: i64) -> impl Iterator<Item = Entry> + '_ {
    let definitions = marking::LABELS.into_iter().map(|tlp| (tlp, false));
    let identities = marking::LABELS.into_iter().map(|tlp| (tlp, true));
    definitions
        .chain(identities)
        .enumerate()
        .map(|(i, kind)| (SHARED_ADDED + i as i64, kind))
        .filter(move |(position, _)| *position > after)
        .map(|(position, (tlp, identity))| Entry {
            position,
            view: None,
            object: if identity {
                stix::export::community_identity(&seat.community_id, tlp)
            } else {
                marking::definition(tlp)
            },
        })
}

/// The objects of these placed views, at their positions, in collection order.
async fn objects_of(
    state: &AppState,
    seat: &Seat,
    namespace: &Namespace,
    placed: &[Placed],
) -> Result<Vec<Entry>, ApiError> {
    let ids: Vec<i64> = placed.iter().map(|p| p.view).collect();
    let filter = ViewFilter {
        community: Some(seat.community_id.clone()),
        ..ViewFilter::default()
    };
    let mut views = HashMap::new();
    for row in due_views(&state.db, &ids, &filter).await? {
        let id: i64 = row.try_get(0)?;
        let content: String = row.try_get(5)?;
        let view: View =
            serde_json::from_str(&content).map_err(|e| ApiError::Internal(e.to_string()))?;
        views.insert(id, view);
    }
    let mut entries = Vec::new();
    for place in placed {
        let Some(view) = views.get(&place.view) else {
            continue;
        };
        let objects = export::collection_objects(namespace, place.view, view);
        entries.extend(
            objects
                .into_iter()
                .take(place.objects as usize)
                .enumerate()
                .map(|(i, object)| Entry {
                    position: place.first + i as i64,
                    view: Some(place.view),
                    object,
                }),
        );
    }
    Ok(entries)
}

/// The objects named by `ids` that the member received, in collection order.
async fn objects_by_id(
    state: &AppState,
    seat: &Seat,
    namespace: &Namespace,
    ids: &[String],
) -> Result<Vec<Entry>, ApiError> {
    let mut placed = Vec::new();
    for chunk in ids.chunks(100) {
        let sql = format!(
            "SELECT view_id, added FROM stix_objects WHERE object_id IN ({})",
            bulk::placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&state.db).await? {
            let (view, added): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            if let Some(place) = collection::place(&state.db, seat.member_id, view, added).await? {
                placed.push(place);
            }
        }
    }
    placed.sort_by_key(|p| p.first);
    placed.dedup();
    objects_of(state, seat, namespace, &placed).await
}

/// The page of the inbox collection a listing asks for, and whether more
/// objects pass its filters after it. A page is only short at the end of the
/// collection, so `more` always means another object is there to be had, by
/// `next` or by `added_after` with the page's last date added.
async fn page(
    state: &AppState,
    seat: &Seat,
    listing: &Listing,
) -> Result<(Vec<Entry>, bool), ApiError> {
    state.pipeline.ordered().await?;
    let namespace = Namespace::of(&state.db).await?;
    let wanted = |entry: &Entry| entry.position > listing.after && listing.wants(&entry.object);
    let mut found: Vec<Entry> = shared(seat, listing.after).filter(wanted).collect();
    if let Some(ids) = &listing.ids {
        let objects = objects_by_id(state, seat, &namespace, ids).await?;
        found.extend(objects.into_iter().filter(wanted));
    } else {
        let mut after = listing.after;
        while found.len() <= listing.limit {
            let mut placed = Vec::new();
            collection::walk(&state.db, seat.member_id, after, |place| {
                placed.push(place);
                placed.len() < VIEWS_PER_LOAD
            })
            .await?;
            let Some(last) = placed.last() else { break };
            after = last.last();
            let objects = objects_of(state, seat, &namespace, &placed).await?;
            found.extend(objects.into_iter().filter(wanted));
        }
    }
    let more = found.len() > listing.limit;
    found.truncate(listing.limit);
    Ok((found, more))
}

/// An envelope-shaped response with the date-added headers of its page.
fn paged(entries: &[Entry], more: bool, mut body: Value) -> Response {
    if more && let Some(last) = entries.last() {
        body["next"] = json!(last.position.to_string());
    }
    body["more"] = json!(more);
    let mut response = taxii(StatusCode::OK, body);
    if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
        for (name, entry) in [
            ("X-TAXII-Date-Added-First", first),
            ("X-TAXII-Date-Added-Last", last),
        ] {
            if let Ok(value) = HeaderValue::from_str(&timestamp_micros(entry.position)) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

/// The collection, which must be readable.
fn readable(root: &str, id: &str) -> Result<(), ApiError> {
    match Collection::find(root, id) {
        Some(Collection::Inbox) => Ok(()),
        Some(Collection::Submissions) => Err(ApiError::Forbidden),
        None => Err(ApiError::NotFound),
    }
}

/// The requested page of a readable collection of the caller's API root, its
/// read audit-logged as through `route`.
async fn inbox_page(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    (root, collection): &(String, String),
    query: &HashMap<String, String>,
    route: &str,
) -> Result<(Vec<Entry>, bool), ApiError> {
    let seat = seat_in(principal, root, headers)?;
    readable(root, collection)?;
    let (entries, more) = page(state, seat, &Listing::parse(query)?).await?;
    log_read(state, seat, route, &entries).await?;
    Ok((entries, more))
}

/// Audit-logs the views whose objects `entries` carry.
async fn log_read(
    state: &AppState,
    seat: &Seat,
    route: &str,
    entries: &[Entry],
) -> Result<(), ApiError> {
    let mut views: Vec<i64> = entries.iter().filter_map(|e| e.view).collect();
    views.dedup();
    read_audit::views_read(&state.db, seat, route, views).await
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(path): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (entries, more) =
        inbox_page(&state, &principal, &headers, &path, &query, "taxii/objects").await?;
    let objects: Vec<&Value> = entries.iter().map(|e| &e.object).collect();
    Ok(paged(&entries, more, json!({ "objects": objects })))
}

async fn manifest(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(path): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (entries, more) = inbox_page(
        &state,
        &principal,
        &headers,
        &path,
        &query,
        "taxii/manifest",
    )
    .await?;
    let records: Vec<Value> = entries
        .iter()
        .map(|e| {
            let version = e
                .object
                .get("modified")
                .or(e.object.get("created"))
                .cloned()
                .unwrap_or_default();
            json!({ "id": e.object["id"], "date_added": timestamp_micros(e.position),
                    "version": version, "media_type": STIX })
        })
        .collect();
    Ok(paged(&entries, more, json!({ "objects": records })))
}

/// One object by id (every version: ours have one), with the listing's other
/// filters and paging.
async fn one(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path((root, collection, object)): Path<(String, String, String)>,
    Query(mut query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let seat = seat_in(&principal, &root, &headers)?;
    readable(&root, &collection)?;
    if query.contains_key("match[id]") {
        return Err(ApiError::bad_parameter(
            "match[id]",
            "the path names the object",
        ));
    }
    query.insert("match[id]".into(), object);
    let (entries, more) = page(&state, seat, &Listing::parse(&query)?).await?;
    if entries.is_empty() && !more {
        return Err(ApiError::NotFound);
    }
    log_read(&state, seat, "taxii/object", &entries).await?;
    let objects: Vec<&Value> = entries.iter().map(|e| &e.object).collect();
    Ok(paged(&entries, more, json!({ "objects": objects })))
}
