//! Who may receive a report before any plugin has a say: approved members only,
//! inside the TLP ceiling. A plugin can narrow this audience, never widen it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{AnyPool, Row};

use crate::council::contribution;
use crate::model::{self, Member, Report, Tlp};
use crate::runtime::Audience;
use crate::store;

/// Approved members and what the pipeline needs to know about each.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// Every approved member on the host, as plugins see them (relative to the report).
    pub members: Arc<[Member]>,
    /// The members of the report's community: the audience of every report
    /// that is not RED, made once per roster.
    community: Audience,
    organisations: Arc<Organisations>,
}

/// Every organisation's kind and sector, by id.
type Organisations = HashMap<u64, (model::OrganisationKind, model::Sector)>;

/// Every approved member with its community, independent of any report.
#[derive(Debug, Default)]
pub struct Roster {
    entries: Vec<(Member, String)>,
    organisations: Arc<Organisations>,
    /// [`Roster::for_community`]'s answers: a roster is read by every report
    /// until the next membership change, so each community's view of it is
    /// made once, not copied per report.
    by_community: Mutex<HashMap<String, Candidates>>,
}

impl Roster {
    /// The roster as seen from a report in `community`.
    pub fn for_community(&self, community: &str) -> Candidates {
        let mut made = self
            .by_community
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(candidates) = made.get(community) {
            return candidates.clone();
        }
        let members: Arc<[Member]> = self
            .entries
            .iter()
            .map(|(member, home)| Member {
                in_community: home == community,
                ..member.clone()
            })
            .collect();
        let own: Vec<Member> = members.iter().filter(|m| m.in_community).cloned().collect();
        let candidates = Candidates {
            members,
            community: own.into(),
            organisations: self.organisations.clone(),
        };
        made.insert(community.to_string(), candidates.clone());
        candidates
    }
}

impl Candidates {
    /// `report` with what its submitter's organisation is (whether or not any
    /// of its members may receive the report): plugins route on it.
    pub fn describe_submitter(&self, mut report: Report) -> Report {
        let organisation = self.organisations.get(&report.submitter_organisation);
        let (kind, sector) = organisation.copied().unwrap_or_default();
        report.submitter_kind = kind;
        report.submitter_sector = sector;
        report
    }
}

/// Loads every approved member with its organisation and contribution statistics
/// (computed from stored data, see [`crate::council::contribution`]).
pub async fn roster(db: &AnyPool) -> Result<Roster, sqlx::Error> {
    let mut contributions = contribution::all(db, store::now()).await?;
    let rows = sqlx::query(
        "SELECT m.id, m.organisation_id, o.kind, o.sector, m.community_id, m.class \
         FROM members m JOIN organisations o ON o.id = m.organisation_id \
         WHERE m.status = 'approved' ORDER BY m.id",
    )
    .fetch_all(db)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let community: String = row.try_get(4)?;
        let label = |i: usize| -> Result<String, sqlx::Error> { row.try_get(i) };
        let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        let id = row.try_get::<i64, _>(0)? as u64;
        let member = Member {
            id,
            organisation: row.try_get::<i64, _>(1)? as u64,
            organisation_kind: model::parse_label(&label(2)?).map_err(decode)?,
            sector: model::parse_label(&label(3)?).map_err(decode)?,
            in_community: false,
            class: model::parse_label(&label(5)?).map_err(decode)?,
            contribution: contributions.remove(&id).unwrap_or_default(),
        };
        entries.push((member, community));
    }
    let mut organisations = Organisations::new();
    for row in sqlx::query("SELECT id, kind, sector FROM organisations")
        .fetch_all(db)
        .await?
    {
        let label = |i: usize| -> Result<String, sqlx::Error> { row.try_get(i) };
        let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
        let kind = model::parse_label(&label(1)?).map_err(decode)?;
        let sector = model::parse_label(&label(2)?).map_err(decode)?;
        organisations.insert(row.try_get::<i64, _>(0)? as u64, (kind, sector));
    }
    Ok(Roster {
        entries,
        organisations: Arc::new(organisations),
        by_community: Mutex::default(),
    })
}

/// The TLP 2.0 ceiling. A source shares with the community it submits to, so the
/// audience is that community's members only, whatever the label: other
/// communities receive through forwards, decided again by their own policy.
/// Inside the community, RED reaches only the named recipients.
pub fn within_ceiling(report: &Report, candidates: &Candidates) -> Audience {
    if report.tlp != Tlp::Red {
        return candidates.community.clone();
    }
    let named: HashSet<u64> = report.named_recipients.iter().copied().collect();
    let named: Vec<Member> = candidates
        .community
        .iter()
        .filter(|m| named.contains(&m.id))
        .cloned()
        .collect();
    named.into()
}

/// The submitter's organisation's members in the report's community: they always
/// see their own report, whatever the label or plugin says.
pub fn own_organisation(report: &Report, candidates: &Candidates) -> Vec<u64> {
    candidates
        .members
        .iter()
        .filter(|m| m.organisation == report.submitter_organisation && m.in_community)
        .map(|m| m.id)
        .collect()
}
