//! TAXII 2.1 objects, manifest and status: the `inbox` collection lists the
//! member's due deliveries as STIX objects (after the TLP marking definitions
//! and the community's identities, one per TLP, they refer to), each page's
//! views audit-logged; `submissions` takes objects and imports them as reports,
//! answering with a status resource.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::extract::{Path, Query};
use super::{Collection, STIX, TAXII, seat_in, taxii};
use crate::api::stix::{MAX_DELIVERIES, deliveries, import_objects};
use crate::api::{ApiError, AppState, JSON_LIMIT, Principal, Seat, raw_body, read_audit};
use crate::stix::{self, marking, timestamp};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/taxii2/{root}/collections/{collection}/objects/",
            get(list).post(add),
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
/// When the TLP 2.0 marking definitions were published (their date added here).
const MARKINGS_ADDED: i64 = 1_664_582_400;

/// An object in the inbox collection: where it is (delivery, index; delivery 0
/// holds the shared markings and identities) and when it was added.
struct Entry {
    position: (i64, usize),
    added: i64,
    object: Value,
}

/// What a listing asks for.
struct Listing {
    after: (i64, usize),
    added_after: Option<i128>,
    types: Option<Vec<String>>,
    ids: Option<Vec<String>>,
    limit: usize,
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
                return Err(ApiError::invalid(key.clone(), "unknown parameter"));
            }
        }
        let list = |key: &str| {
            query
                .get(key)
                .map(|v| v.split(',').map(str::to_string).collect())
        };
        let after = match query.get("next") {
            None => (-1, 0),
            Some(next) => next
                .split_once('.')
                .and_then(|(d, i)| Some((d.parse().ok()?, i.parse().ok()?)))
                .ok_or_else(|| ApiError::invalid("next", "not a token this server gave"))?,
        };
        let added_after = query
            .get("added_after")
            .map(|t| {
                OffsetDateTime::parse(t, &Rfc3339)
                    .map(|t| t.unix_timestamp_nanos())
                    .map_err(|e| ApiError::invalid("added_after", e.to_string()))
            })
            .transpose()?;
        let limit = match query.get("limit") {
            None => DEFAULT_LIMIT,
            Some(l) => l
                .parse()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| ApiError::invalid("limit", format!("must be 1-{MAX_LIMIT}")))?,
        };
        Ok(Listing {
            after,
            added_after,
            types: list("match[type]"),
            ids: list("match[id]"),
            limit,
        })
    }

    fn wants(&self, entry: &Entry) -> bool {
        let field = |name: &str| entry.object[name].as_str().unwrap_or_default().to_string();
        entry.position > self.after
            && self
                .added_after
                .is_none_or(|t| i128::from(entry.added) * 1_000_000_000 > t)
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.contains(&field("type")))
            && self.ids.as_ref().is_none_or(|i| i.contains(&field("id")))
    }
}

/// Where the next page starts, when more may follow.
type Next = Option<(i64, usize)>;

/// The page of the inbox collection a listing asks for, and where the next one
/// starts. At most [`MAX_DELIVERIES`] deliveries are read per page; when the
/// filter matched few of them, the next page starts after the last one read, so
/// a page may be short (even empty) while more follow.
async fn page(
    state: &AppState,
    seat: &Seat,
    listing: &Listing,
) -> Result<(Vec<Entry>, Next), ApiError> {
    let mut entries: Vec<Entry> = Vec::new();
    if listing.after.0 < 1 {
        let mut shared: Vec<Value> = marking::LABELS
            .into_iter()
            .map(marking::definition)
            .collect();
        shared.extend(
            marking::LABELS
                .into_iter()
                .map(|tlp| stix::export::community_identity(&seat.community_id, tlp)),
        );
        entries.extend(shared.into_iter().enumerate().map(|(i, object)| Entry {
            position: (0, i),
            added: MARKINGS_ADDED,
            object,
        }));
    }
    let loaded = deliveries(
        &state.db,
        seat,
        (listing.after.0 - 1).max(0),
        MAX_DELIVERIES,
    )
    .await?;
    let capped = loaded.len() == MAX_DELIVERIES;
    for delivery in loaded {
        let objects = delivery
            .objects
            .into_iter()
            .filter(|o| o["type"] != "identity");
        entries.extend(objects.enumerate().map(|(i, object)| Entry {
            position: (delivery.delivery, i),
            added: delivery.available_at,
            object,
        }));
    }
    let scanned = entries.last().map(|e| e.position);
    let mut wanted: Vec<Entry> = entries.into_iter().filter(|e| listing.wants(e)).collect();
    let next = if wanted.len() > listing.limit {
        wanted.truncate(listing.limit);
        wanted.last().map(|e| e.position)
    } else if capped {
        scanned
    } else {
        None
    };
    Ok((wanted, next))
}

fn added(entry: &Entry) -> String {
    timestamp(
        OffsetDateTime::from_unix_timestamp(entry.added).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

/// An envelope-shaped response with the date-added headers of its page.
fn paged(entries: &[Entry], next: Next, mut body: Value) -> Response {
    if let Some((delivery, index)) = next {
        body["next"] = json!(format!("{delivery}.{index}"));
    }
    body["more"] = json!(next.is_some());
    let mut response = taxii(StatusCode::OK, body);
    if let (Some(first), Some(last)) = (entries.first(), entries.last()) {
        for (name, entry) in [
            ("X-TAXII-Date-Added-First", first),
            ("X-TAXII-Date-Added-Last", last),
        ] {
            if let Ok(value) = HeaderValue::from_str(&added(entry)) {
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
) -> Result<(Vec<Entry>, Next), ApiError> {
    let seat = seat_in(principal, root, headers)?;
    readable(root, collection)?;
    let (entries, next) = page(state, seat, &Listing::parse(query)?).await?;
    log_read(state, seat, route, &entries).await?;
    Ok((entries, next))
}

/// Audit-logs the views whose objects `entries` carry (delivery 0 holds no view).
async fn log_read(
    state: &AppState,
    seat: &Seat,
    route: &str,
    entries: &[Entry],
) -> Result<(), ApiError> {
    let views = entries
        .iter()
        .map(|e| e.position.0)
        .filter(|delivery| *delivery > 0);
    read_audit::views_read(&state.db, seat, route, views).await
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(path): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (entries, next) =
        inbox_page(&state, &principal, &headers, &path, &query, "taxii/objects").await?;
    let objects: Vec<&Value> = entries.iter().map(|e| &e.object).collect();
    Ok(paged(&entries, next, json!({ "objects": objects })))
}

async fn manifest(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(path): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (entries, next) = inbox_page(
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
            json!({ "id": e.object["id"], "date_added": added(e), "version": version, "media_type": STIX })
        })
        .collect();
    Ok(paged(&entries, next, json!({ "objects": records })))
}

async fn one(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path((root, collection, object)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let seat = seat_in(&principal, &root, &headers)?;
    readable(&root, &collection)?;
    let mut listing = Listing {
        after: (-1, 0),
        added_after: None,
        types: None,
        ids: Some(vec![object]),
        limit: MAX_LIMIT,
    };
    // Page through the whole inbox until the object turns up.
    loop {
        let (entries, next) = page(&state, seat, &listing).await?;
        if !entries.is_empty() {
            log_read(&state, seat, "taxii/object", &entries).await?;
            let objects: Vec<&Value> = entries.iter().map(|e| &e.object).collect();
            return Ok(paged(&entries, None, json!({ "objects": objects })));
        }
        listing.after = next.ok_or(ApiError::NotFound)?;
    }
}

async fn add(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path((root, collection)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let seat = seat_in(&principal, &root, &headers)?;
    match Collection::find(&root, &collection) {
        Some(Collection::Submissions) => {}
        Some(Collection::Inbox) => return Err(ApiError::Forbidden),
        None => return Err(ApiError::NotFound),
    }
    let bytes = raw_body(body, JSON_LIMIT)?;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.replace(' ', "").to_ascii_lowercase();
    if !(media == "application/taxii+json"
        || media.starts_with("application/taxii+json;version=2.1"))
    {
        return Err(ApiError::WrongMediaType(TAXII));
    }
    let envelope: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let objects = envelope["objects"]
        .as_array()
        .ok_or_else(|| ApiError::invalid("objects", "required"))?;
    let requested = timestamp(OffsetDateTime::now_utc());
    let version = |o: &Value| {
        o.get("modified")
            .or(o.get("created"))
            .cloned()
            .unwrap_or_default()
    };
    let (successes, failures) = match import_objects(&state, seat, objects).await {
        Ok(_) => (
            objects
                .iter()
                .map(|o| json!({ "id": o["id"], "version": version(o) }))
                .collect(),
            Vec::new(),
        ),
        // Nothing was imported: every object fails, each with the reason.
        Err(ApiError::Invalid { field, message }) => {
            let reason = format!("nothing imported: {field}: {message}");
            (
                Vec::new(),
                objects
                    .iter()
                    .map(|o| json!({ "id": o["id"], "version": version(o), "message": reason }))
                    .collect(),
            )
        }
        Err(other) => return Err(other),
    };
    let id = stix::id("status", &store::new_id("s"))
        .trim_start_matches("status--")
        .to_string();
    let status = json!({
        "id": id, "status": "complete", "request_timestamp": requested,
        "total_count": objects.len(), "success_count": successes.len(), "successes": successes,
        "failure_count": failures.len(), "failures": failures, "pending_count": 0,
    });
    sqlx::query("INSERT INTO taxii_status (id, member_id, at, body) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(seat.member_id)
        .bind(store::now())
        .bind(status.to_string())
        .execute(&state.db)
        .await?;
    Ok(taxii(StatusCode::ACCEPTED, status))
}

/// A status resource: only the member whose submission it describes may read it.
pub async fn status(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let seat = seat_in(&principal, &root, &headers)?;
    let body: Option<String> =
        sqlx::query_scalar("SELECT body FROM taxii_status WHERE id = $1 AND member_id = $2")
            .bind(&id)
            .bind(seat.member_id)
            .fetch_optional(&state.db)
            .await?;
    let body = body.ok_or(ApiError::NotFound)?;
    let status: Value =
        serde_json::from_str(&body).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(taxii(StatusCode::OK, status))
}
