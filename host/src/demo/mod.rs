//! A demo Council: the seven sector ISACs of the source document, organisations of
//! every kind, members of every class, the reference plugins active, and a token
//! for every member and role.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, AnyPool};

mod population;
pub mod publications;

use crate::api::{Role, issue_token};
use crate::model::{self, MemberClass, OrganisationKind, Sector};
use crate::runtime::Digest;
use crate::store;

/// (id, name, reference plugin, settings)
const COMMUNITIES: &[(&str, &str, &str, &str)] = &[
    ("council", "Cybersecurity Council", "baseline", "{}"),
    (
        "trading-isac",
        "Japan Foreign Trade Council ISAC",
        "baseline",
        "{}",
    ),
    ("j-auto-isac", "J-Auto-ISAC", "baseline", "{}"),
    ("electricity-isac", "Electricity ISAC", "baseline", "{}"),
    (
        "transportation-isac",
        "Transportation ISAC",
        "baseline",
        "{}",
    ),
    ("ict-isac", "ICT-ISAC", "baseline", "{}"),
    (
        "financials-isac",
        "Financials ISAC",
        "financials",
        r#"{"council": "council"}"#,
    ),
    (
        "software-isac",
        "Software ISAC",
        "give-and-take",
        r#"{"free_rider_delay_hours": 24}"#,
    ),
];

/// (token name, organisation, kind, sector, community, class)
const MEMBERS: &[(&str, &str, OrganisationKind, Sector, &str, MemberClass)] = &[
    (
        "nisc@council",
        "National Incident Readiness Center",
        OrganisationKind::NationalAgency,
        Sector::Government,
        "council",
        MemberClass::TaskForceClass1,
    ),
    (
        "tokyo@council",
        "Tokyo Metropolitan Government",
        OrganisationKind::LocalGovernment,
        Sector::Government,
        "council",
        MemberClass::General,
    ),
    (
        "sakura-bank@council",
        "Sakura Bank",
        OrganisationKind::CriticalInfrastructure,
        Sector::Financials,
        "council",
        MemberClass::General,
    ),
    (
        "sakura-bank@financials-isac",
        "Sakura Bank",
        OrganisationKind::CriticalInfrastructure,
        Sector::Financials,
        "financials-isac",
        MemberClass::General,
    ),
    (
        "momiji-bank@financials-isac",
        "Momiji Bank",
        OrganisationKind::CriticalInfrastructure,
        Sector::Financials,
        "financials-isac",
        MemberClass::General,
    ),
    (
        "kanto-power@council",
        "Kanto Electric Power",
        OrganisationKind::CriticalInfrastructure,
        Sector::Electricity,
        "council",
        MemberClass::General,
    ),
    (
        "kanto-power@electricity-isac",
        "Kanto Electric Power",
        OrganisationKind::CriticalInfrastructure,
        Sector::Electricity,
        "electricity-isac",
        MemberClass::General,
    ),
    (
        "example-security@council",
        "Example Security KK",
        OrganisationKind::SecurityVendor,
        Sector::Security,
        "council",
        MemberClass::TaskForceClass1,
    ),
    (
        "example-security@ict-isac",
        "Example Security KK",
        OrganisationKind::SecurityVendor,
        Sector::Security,
        "ict-isac",
        MemberClass::General,
    ),
    (
        "example-university@council",
        "Example University",
        OrganisationKind::Academic,
        Sector::Education,
        "council",
        MemberClass::TaskForceClass2,
    ),
    (
        "nippon-rail@transportation-isac",
        "Nippon Rail",
        OrganisationKind::CriticalInfrastructure,
        Sector::Transportation,
        "transportation-isac",
        MemberClass::General,
    ),
    (
        "example-motors@j-auto-isac",
        "Example Motors",
        OrganisationKind::CriticalInfrastructure,
        Sector::Automotive,
        "j-auto-isac",
        MemberClass::General,
    ),
    (
        "example-trading@trading-isac",
        "Example Trading House",
        OrganisationKind::Other,
        Sector::Trading,
        "trading-isac",
        MemberClass::General,
    ),
    (
        "example-software@software-isac",
        "Example Software Co",
        OrganisationKind::Other,
        Sector::Software,
        "software-isac",
        MemberClass::General,
    ),
];

/// Seeds what is missing (safe to run on every start) and issues fresh tokens,
/// returned by name: members as `organisation@community`, roles by role name.
pub async fn seed(db: &AnyPool) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    let now = store::now();
    for (name, bytes) in isac_plugin_artifacts::REFERENCE_PLUGINS {
        sqlx::query("INSERT INTO plugins (digest, bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING")
            .bind(Digest::of(bytes).hex())
            .bind(bytes.to_vec())
            .bind(format!("demo:{name}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    for (id, name, plugin, settings) in COMMUNITIES {
        let bytes = reference(plugin);
        sqlx::query(
            "INSERT INTO communities (id, name, plugin_digest, settings, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(*id)
        .bind(*name)
        .bind(Digest::of(bytes).hex())
        .bind(*settings)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let wit_version = crate::runtime::contract::read(bytes)
            .map(|info| info.version.to_string())
            .map_err(|fault| sqlx::Error::Decode(fault.to_string().into()))?;
        crate::registry::record_initial(
            &mut tx,
            id,
            &Digest::of(bytes).hex(),
            settings,
            &wit_version,
            "demo",
        )
        .await?;
    }
    let mut tokens = BTreeMap::new();
    for (token_name, organisation, kind, sector, community, class) in MEMBERS {
        let member =
            ensure_member(&mut tx, organisation, *kind, *sector, community, *class).await?;
        tokens.insert(
            token_name.to_string(),
            issue_token(&mut tx, Role::Member, Some(member), None, token_name).await?,
        );
    }
    tokens.insert(
        "secretariat".into(),
        issue_token(&mut tx, Role::Secretariat, None, None, "demo").await?,
    );
    tokens.insert(
        "steering_committee".into(),
        issue_token(&mut tx, Role::SteeringCommittee, None, None, "demo").await?,
    );
    for (id, ..) in COMMUNITIES {
        let token = issue_token(&mut tx, Role::Operator, None, Some(id), "demo").await?;
        tokens.insert(format!("operator@{id}"), token);
    }
    store::audit(
        &mut tx,
        "demo",
        "demo.seed",
        "council",
        "demo data and fresh tokens",
    )
    .await?;
    tx.commit().await?;
    Ok(tokens)
}

/// What the demo's roster holds once populated.
#[derive(Debug, Clone, Copy)]
pub struct Population {
    /// Approved memberships, over all communities.
    pub members: i64,
    pub communities: i64,
}

/// Adds the generated population ([`population`]) to a seeded demo, with a
/// fresh token for each of its members added to `tokens`: the `demo`
/// command's roster, not the tests' (their fixtures count on the named
/// members alone).
pub async fn populate(
    db: &AnyPool,
    tokens: &mut BTreeMap<String, String>,
) -> Result<Population, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let mut tx = store::begin_write(&mut conn).await?;
    tokens.extend(population::seed(&mut tx).await?);
    tx.commit().await?;
    let count = async |sql: &str| sqlx::query_scalar::<_, i64>(sql).fetch_one(db).await;
    Ok(Population {
        members: count("SELECT COUNT(*) FROM members WHERE status = 'approved'").await?,
        communities: count("SELECT COUNT(*) FROM communities").await?,
    })
}

fn reference(name: &str) -> &'static [u8] {
    isac_plugin_artifacts::REFERENCE_PLUGINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_default()
}

async fn ensure_member(
    conn: &mut AnyConnection,
    organisation: &str,
    kind: OrganisationKind,
    sector: Sector,
    community: &str,
    class: MemberClass,
) -> Result<i64, sqlx::Error> {
    let now = store::now();
    let organisation_id = store::upsert_organisation(conn, organisation, kind, sector).await?;
    sqlx::query(
        "INSERT INTO members (organisation_id, community_id, class, status, created_at) VALUES ($1, $2, $3, 'approved', $4) \
         ON CONFLICT (organisation_id, community_id) DO NOTHING",
    )
    .bind(organisation_id)
    .bind(community)
    .bind(model::label_name(&class))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT id FROM members WHERE organisation_id = $1 AND community_id = $2")
        .bind(organisation_id)
        .bind(community)
        .fetch_one(conn)
        .await
}

/// Makes sure the Council has a sample report (submitted by Sakura Bank through the
/// real pipeline) and returns the id of Example Security's delivery of the newest
/// one, so the walkthrough can show a real delivered view.
pub async fn sample_delivery(
    pipeline: &crate::pipeline::Pipeline,
    tokens: &BTreeMap<String, String>,
) -> Result<Option<i64>, crate::pipeline::PipelineError> {
    let member_of = async |name: &str| -> Result<i64, sqlx::Error> {
        let hash = crate::api::hash_token(tokens.get(name).map(String::as_str).unwrap_or_default());
        store::scalar_i64(
            &pipeline.db,
            "SELECT member_id FROM tokens WHERE hash = $1",
            &hash,
        )
        .await
    };
    let reports = store::scalar_i64(
        &pipeline.db,
        "SELECT COUNT(*) FROM reports WHERE community_id = $1",
        "council",
    )
    .await?;
    if reports == 0 {
        let submitter = member_of("sakura-bank@council").await?;
        let organisation: i64 =
            sqlx::query_scalar("SELECT organisation_id FROM members WHERE id = $1")
                .bind(submitter)
                .fetch_one(&pipeline.db)
                .await?;
        let now = time::OffsetDateTime::from_unix_timestamp(store::now())
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        pipeline
            .submit(crate::model::Report {
                id: store::new_report_id(now),
                community: "council".into(),
                submitter: submitter as u64,
                submitter_organisation: organisation as u64,
                submitter_kind: Default::default(),
                submitter_sector: Default::default(),
                submitted_at: now,
                title: "Sample: credential phishing against Sakura Bank customers".into(),
                body: "Look-alike login pages sent by SMS; Sakura Bank confirmed two victims."
                    .into(),
                tlp: crate::model::Tlp::Green,
                confidence: crate::model::Confidence::Confirmed,
                indicators: vec![crate::model::Indicator {
                    kind: crate::model::IndicatorKind::Domain,
                    value: "sakura-bank-secure.example".into(),
                }],
                tags: vec!["phishing".into()],
                victim: Some("Sakura Bank".into()),
                named_recipients: Vec::new(),
                provenance: Vec::new(),
            })
            .await?;
    }
    let reader = member_of("example-security@council").await?;
    let delivered = store::inbox::views_after(&pipeline.db, reader, 0, usize::MAX).await?;
    Ok(delivered.last().copied())
}

/// A demo database of its own for a unit test (SQLite in the returned
/// directory, or a fresh PostgreSQL database when the tests run there).
#[cfg(test)]
pub(crate) async fn database_for_test() -> (tempfile::TempDir, AnyPool) {
    let data = tempfile::tempdir().expect("temp dir");
    let url = store::database_for_run(data.path())
        .await
        .expect("database");
    let db = store::open(&url).await.expect("db");
    seed(&db).await.expect("seed");
    (data, db)
}
