//! Requests as each reader sees them. The requesting officers see every
//! recipient: who answered (with the report's id, never its content: officers
//! read no views), who declined and why, who is pending or overdue, and who
//! answered late. A recipient sees the request and its own response only.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::Response;
use crate::council::{CouncilError, FiscalYear};
use crate::model::Stored;

/// A request as the officers read it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Request {
    pub id: String,
    pub title: String,
    pub body: String,
    pub case_id: Option<String>,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: i64,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: i64,
    pub requested_by: String,
    pub recipients: Vec<Recipient>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recipient {
    pub member: i64,
    pub organisation: String,
    pub response: Response,
    /// Pending after the due date.
    pub overdue: bool,
    /// Responded after the due date.
    pub late: bool,
    /// The answer's report.
    pub report_id: Option<String>,
    pub reason: Option<String>,
    #[serde(with = "crate::model::unix_time::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub responded_at: Option<i64>,
}

/// A request as one of its recipients reads it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub id: String,
    pub community: String,
    pub title: String,
    pub body: String,
    /// Only when the recipient received a report in the case.
    pub case_id: Option<String>,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: i64,
    pub response: Response,
    pub overdue: bool,
    pub report_id: Option<String>,
}

/// Requests and responses counted by the fiscal year a request was sent in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearCount {
    pub fiscal_year: i32,
    pub requests: i64,
    pub recipients: i64,
    pub answered: i64,
    pub declined: i64,
    /// Answered or declined after the due date.
    pub late: i64,
}

fn parse<T: Stored>(text: String) -> Result<T, sqlx::Error> {
    T::parse(text).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The community's requests, newest first, with every recipient.
pub async fn for_officers(
    db: &AnyPool,
    community: &str,
    now: i64,
) -> Result<Vec<Request>, CouncilError> {
    let requests = sqlx::query(
        "SELECT id, title, body, case_id, due_at, requested_at, requested_by FROM info_requests \
         WHERE community_id = $1 ORDER BY requested_at DESC, id",
    )
    .bind(community)
    .fetch_all(db)
    .await?;
    let mut out = Vec::with_capacity(requests.len());
    for row in requests {
        let id: String = row.try_get(0)?;
        let due_at: i64 = row.try_get(4)?;
        let recipients = sqlx::query(
            "SELECT r.member_id, o.name, r.status, r.report_id, r.reason, r.responded_at \
             FROM info_request_recipients r JOIN members m ON m.id = r.member_id \
             JOIN organisations o ON o.id = m.organisation_id \
             WHERE r.request_id = $1 ORDER BY r.member_id",
        )
        .bind(&id)
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| {
            let response: Response = parse(r.try_get(2)?)?;
            let responded_at: Option<i64> = r.try_get(5)?;
            Ok(Recipient {
                member: r.try_get(0)?,
                organisation: r.try_get(1)?,
                response,
                overdue: response == Response::Pending && now > due_at,
                late: responded_at.is_some_and(|at| at > due_at),
                report_id: r.try_get(3)?,
                reason: r.try_get(4)?,
                responded_at,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        out.push(Request {
            id,
            title: row.try_get(1)?,
            body: row.try_get(2)?,
            case_id: row.try_get(3)?,
            due_at,
            requested_at: row.try_get(5)?,
            requested_by: row.try_get(6)?,
            recipients,
        });
    }
    Ok(out)
}

/// Counts per fiscal year, oldest first.
pub fn per_fiscal_year(requests: &[Request]) -> Vec<YearCount> {
    let mut years: std::collections::BTreeMap<i32, YearCount> = Default::default();
    for request in requests {
        let year = FiscalYear::containing(request.requested_at).year();
        let count = years.entry(year).or_insert(YearCount {
            fiscal_year: year,
            requests: 0,
            recipients: 0,
            answered: 0,
            declined: 0,
            late: 0,
        });
        count.requests += 1;
        for recipient in &request.recipients {
            count.recipients += 1;
            count.answered += i64::from(recipient.response == Response::Answered);
            count.declined += i64::from(recipient.response == Response::Declined);
            count.late += i64::from(recipient.late);
        }
    }
    years.into_values().collect()
}

/// The requests addressed to `member`, pending first, then newest first. The
/// case id is the caller's to withhold (see [`Received::case_id`]).
pub async fn for_recipient(
    db: &AnyPool,
    member: i64,
    now: i64,
) -> Result<Vec<Received>, CouncilError> {
    let rows = sqlx::query(
        "SELECT q.id, q.community_id, q.title, q.body, q.case_id, q.due_at, r.status, r.report_id \
         FROM info_requests q JOIN info_request_recipients r ON r.request_id = q.id \
         WHERE r.member_id = $1 \
         ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END, q.requested_at DESC, q.id",
    )
    .bind(member)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let response: Response = parse(r.try_get(6)?)?;
            let due_at: i64 = r.try_get(5)?;
            Ok(Received {
                id: r.try_get(0)?,
                community: r.try_get(1)?,
                title: r.try_get(2)?,
                body: r.try_get(3)?,
                case_id: r.try_get(4)?,
                due_at,
                response,
                overdue: response == Response::Pending && now > due_at,
                report_id: r.try_get(7)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(CouncilError::from)
}
