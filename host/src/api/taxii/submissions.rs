//! The `submissions` collection: objects added as reports (`api::stix_import`),
//! answered with a TAXII status resource that says, object by object, which
//! report each became or is part of, or why it was refused. Only a bad object
//! and what refers to it are refused; the rest of the envelope is added.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::super::extract::Path;
use super::{Collection, TAXII, seat_in, taxii};
use crate::api::stix::organisation_name;
use crate::api::stix_import::{self, Added};
use crate::api::{ApiError, AppState, JSON_LIMIT, Principal, raw_body};
use crate::stix::import::{self, ImportError};
use crate::stix::{self, timestamp};
use crate::store;

pub(super) async fn add(
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
    let requested = timestamp(crate::store::clock::now_utc());
    let organisation = organisation_name(&state.db, seat).await?;
    let import = import::import_each(objects, &organisation);
    let made: Vec<Made> = import
        .reports
        .iter()
        .map(|r| (r.source.clone(), r.version.clone(), r.carries.clone()))
        .collect();
    let added = stix_import::add(&state, seat, import.reports).await?;
    let (successes, failures) = per_object(objects, &import.refused, &made, &added);
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

type Outcome = Result<Added, &'static str>;
/// A report to be made: its source object's id and version, and what it carries.
type Made = (String, String, Vec<String>);

/// One status entry per object, in the envelope's order: (successes, failures).
fn per_object(
    objects: &[Value],
    refused: &[ImportError],
    made: &[Made],
    added: &[Outcome],
) -> (Vec<Value>, Vec<Value>) {
    let refused: HashMap<&str, &ImportError> =
        refused.iter().map(|e| (e.object.as_str(), e)).collect();
    let mut sources: HashMap<(&str, &str), &Outcome> = HashMap::new();
    // An object several reports are made of: a stored one answers for it.
    let mut parts: HashMap<&str, &Outcome> = HashMap::new();
    for (outcome, (source, version, carried)) in added.iter().zip(made) {
        sources.insert((source.as_str(), version.as_str()), outcome);
        for part in carried {
            let entry = parts.entry(part.as_str()).or_insert(outcome);
            if entry.is_err() {
                *entry = outcome;
            }
        }
    }
    let mut successes = Vec::new();
    let mut failures = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        let place = format!("objects[{index}]");
        let id = object["id"].as_str().unwrap_or(&place);
        let version = import::version(object);
        let (ok, message) = if let Some(error) = refused.get(id) {
            (false, format!("{}: {}", error.field, error.message))
        } else if let Some(outcome) = sources.get(&(id, version.as_str())) {
            match outcome {
                Ok(a) if a.duplicate => (true, format!("already added as report {}", a.report_id)),
                Ok(a) => (true, format!("added as report {}", a.report_id)),
                Err(message) => (false, message.to_string()),
            }
        } else if let Some(outcome) = parts.get(id) {
            match outcome {
                Ok(a) => (true, format!("in report {}", a.report_id)),
                Err(message) => (false, message.to_string()),
            }
        } else {
            (true, "nothing to store".to_string())
        };
        let entry = json!({ "id": id, "version": version, "message": message });
        if ok {
            successes.push(entry)
        } else {
            failures.push(entry)
        }
    }
    (successes, failures)
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
