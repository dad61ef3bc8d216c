//! Countermeasure information and its publications. Each publication is counted:
//! scope `public` appears in the unauthenticated feed (JSON and Atom); scope
//! `limited` reaches the approved members of chosen communities and chosen
//! members, resolved when it is published.

use std::collections::BTreeSet;
use std::str::FromStr;

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link};
use serde::Serialize;
use sqlx::{AnyConnection, AnyPool, Row};

use super::CouncilError;

/// A publication with the countermeasure information it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Publication {
    pub id: i64,
    pub countermeasure_id: String,
    pub case_id: String,
    pub community: String,
    pub scope: String,
    pub title: String,
    pub body: String,
    #[serde(with = "crate::model::unix_time")]
    #[schema(value_type = String, format = DateTime)]
    pub published_at: i64,
}

/// Who a limited publication is for.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    pub communities: Vec<String>,
    pub members: Vec<i64>,
}

/// Countermeasure information as written for a case.
#[derive(Debug, Clone)]
pub struct Countermeasure<'a> {
    pub case_id: &'a str,
    pub community: &'a str,
    /// Who wrote it (audit actor), and their member id unless the secretariat did.
    pub author: &'a str,
    pub author_member: Option<i64>,
    pub title: &'a str,
    pub body: &'a str,
}

/// Stores `countermeasure` (audit-logged) inside the caller's write transaction;
/// returns its id.
pub async fn write(
    conn: &mut AnyConnection,
    countermeasure: &Countermeasure<'_>,
) -> Result<String, sqlx::Error> {
    let id = crate::store::new_id("cm");
    sqlx::query(
        "INSERT INTO countermeasures (id, case_id, community_id, author, author_member, title, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(countermeasure.case_id)
    .bind(countermeasure.community)
    .bind(countermeasure.author)
    .bind(countermeasure.author_member)
    .bind(countermeasure.title)
    .bind(countermeasure.body)
    .bind(crate::store::now())
    .execute(&mut *conn)
    .await?;
    let (actor, case) = (countermeasure.author, countermeasure.case_id);
    crate::store::audit(conn, actor, "countermeasure.write", &id, case).await?;
    Ok(id)
}

/// Publishes countermeasure information `id` of `community` to `scope`
/// (`public`, or `limited` to `recipients`), counted and audit-logged, inside
/// the caller's write transaction; returns the publication's id.
pub async fn publish(
    conn: &mut AnyConnection,
    id: &str,
    community: &str,
    scope: &str,
    recipients: &BTreeSet<i64>,
    actor: &str,
) -> Result<i64, sqlx::Error> {
    let audience = serde_json::json!({"recipients": recipients.len()}).to_string();
    let publication_id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (countermeasure_id, community_id, scope, audience, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(community)
    .bind(scope)
    .bind(audience)
    .bind(actor)
    .bind(crate::store::now())
    .fetch_one(&mut *conn)
    .await?;
    for member in recipients {
        sqlx::query(
            "INSERT INTO publication_recipients (publication_id, member_id) VALUES ($1, $2)",
        )
        .bind(publication_id)
        .bind(*member)
        .execute(&mut *conn)
        .await?;
    }
    let detail = format!("{scope} to {} member(s)", recipients.len());
    let publication = publication_id.to_string();
    crate::store::audit(conn, actor, "publication.publish", &publication, &detail).await?;
    Ok(publication_id)
}

/// The approved members a limited publication reaches; each chosen community and
/// member must exist (errors name `communities[i]` / `members[i]`).
pub async fn resolve(
    conn: &mut AnyConnection,
    audience: &Audience,
) -> Result<BTreeSet<i64>, CouncilError> {
    let mut recipients = BTreeSet::new();
    for (i, community) in audience.communities.iter().enumerate() {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM communities WHERE id = $1")
            .bind(community)
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(CouncilError::invalid(
                format!("communities[{i}]"),
                "no such community",
            ));
        }
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM members WHERE community_id = $1 AND status = 'approved'",
        )
        .bind(community)
        .fetch_all(&mut *conn)
        .await?;
        recipients.extend(members);
    }
    for (i, member) in audience.members.iter().enumerate() {
        let approved: Option<i64> =
            sqlx::query_scalar("SELECT id FROM members WHERE id = $1 AND status = 'approved'")
                .bind(*member)
                .fetch_optional(&mut *conn)
                .await?;
        if approved.is_none() {
            return Err(CouncilError::invalid(
                format!("members[{i}]"),
                "not an approved member",
            ));
        }
        recipients.insert(*member);
    }
    if recipients.is_empty() {
        return Err(CouncilError::invalid(
            "communities",
            "a limited publication needs at least one recipient (communities or members)",
        ));
    }
    Ok(recipients)
}

const COLUMNS: &str = "p.id, p.countermeasure_id, c.case_id, p.community_id, p.scope, c.title, c.body, p.published_at \
     FROM publications p JOIN countermeasures c ON c.id = p.countermeasure_id";

fn publication(row: &sqlx::any::AnyRow) -> Result<Publication, sqlx::Error> {
    Ok(Publication {
        id: row.try_get(0)?,
        countermeasure_id: row.try_get(1)?,
        case_id: row.try_get(2)?,
        community: row.try_get(3)?,
        scope: row.try_get(4)?,
        title: row.try_get(5)?,
        body: row.try_get(6)?,
        published_at: row.try_get(7)?,
    })
}

/// The public publication `id`, if it is one.
pub async fn public_one(db: &AnyPool, id: i64) -> Result<Option<Publication>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} WHERE p.id = $1 AND p.scope = 'public'");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db).await?;
    row.as_ref().map(publication).transpose()
}

/// Whether countermeasure `id` has been published publicly already: it is
/// public once and for all, so a second public publication would only repeat it.
pub async fn is_public(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM publications WHERE countermeasure_id = $1 AND scope = 'public' LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Public publications, newest first (at most `limit`), each countermeasure once
/// (its first public publication, in case an older deployment published it twice).
pub async fn public(db: &AnyPool, limit: i64) -> Result<Vec<Publication>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE p.scope = 'public' AND p.id = (SELECT MIN(q.id) FROM publications q \
           WHERE q.countermeasure_id = p.countermeasure_id AND q.scope = 'public') \
         ORDER BY p.published_at DESC, p.id DESC LIMIT $1"
    );
    let rows = sqlx::query(&sql).bind(limit).fetch_all(db).await?;
    rows.iter().map(publication).collect()
}

/// What a member may read: public publications and limited ones addressed to it.
pub async fn for_member(db: &AnyPool, member: i64) -> Result<Vec<Publication>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE p.scope = 'public' OR EXISTS \
           (SELECT 1 FROM publication_recipients r WHERE r.publication_id = p.id AND r.member_id = $1) \
         ORDER BY p.published_at DESC, p.id DESC"
    );
    let rows = sqlx::query(&sql).bind(member).fetch_all(db).await?;
    rows.iter().map(publication).collect()
}

fn rfc3339(at: i64) -> FixedDateTime {
    let text = time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into());
    FixedDateTime::from_str(&text).unwrap_or_default()
}

/// The public publications as an Atom feed; `base` is the server's public URL
/// and `now` the feed's `updated` when it has no entry yet.
pub fn atom(publications: &[Publication], base: &str, now: i64) -> String {
    let entries: Vec<Entry> = publications
        .iter()
        .map(|p| Entry {
            id: format!("{base}/api/v1/public/publications/{}", p.id),
            links: vec![Link {
                href: format!("{base}/api/v1/public/publications/{}", p.id),
                rel: "alternate".into(),
                mime_type: Some("application/json".into()),
                ..Link::default()
            }],
            title: p.title.clone().into(),
            updated: rfc3339(p.published_at),
            published: Some(rfc3339(p.published_at)),
            content: Some(Content {
                value: Some(p.body.clone()),
                content_type: Some("text".into()),
                ..Content::default()
            }),
            ..Entry::default()
        })
        .collect();
    let feed = Feed {
        id: format!("{base}/api/v1/public/publications.atom"),
        title: "Cybersecurity Council: countermeasure information".into(),
        updated: rfc3339(publications.first().map_or(now, |p| p.published_at)),
        links: vec![Link {
            href: format!("{base}/api/v1/public/publications.atom"),
            rel: "self".into(),
            ..Link::default()
        }],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_feed_was_updated_now_not_in_1970() {
        // 2026-12-02T05:00:00Z
        let feed = atom(&[], "http://isac.example", 1_796_187_600);
        assert!(
            feed.contains("<updated>2026-12-02T05:00:00+00:00</updated>"),
            "{feed}"
        );
        assert!(!feed.contains("1970"), "{feed}");
    }
}
