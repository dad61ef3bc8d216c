//! The demo's roster beyond its named members: a population shaped like the
//! source document's, so that policies routing by class, kind and sector have
//! real choices to make. The ISACs keep the document's proportions at a tenth
//! to a quarter of their size (Software ISAC about 620 companies, Financials
//! 430, Transportation 70, ICT 50, Electricity and J-Auto 40, Trading 20); the
//! Council, which the document counts at 322 members, has national agencies,
//! local governments, critical-infrastructure operators (the same companies
//! as in their ISACs), security vendors, universities and industry bodies,
//! some of them in the task force's two classes. Names are made from
//! prefecture names, so they are plainly fictional.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use crate::api::{Role, issue_token};

use crate::model::{MemberClass, OrganisationKind as Kind, Sector};

/// Prefecture names the organisations are named after, in a fixed order so
/// every demo has the same roster.
const PLACES: &[&str] = &[
    "Hokkaido",
    "Aomori",
    "Iwate",
    "Miyagi",
    "Akita",
    "Yamagata",
    "Fukushima",
    "Ibaraki",
    "Tochigi",
    "Gunma",
    "Saitama",
    "Chiba",
    "Kanagawa",
    "Niigata",
    "Toyama",
    "Ishikawa",
    "Fukui",
    "Yamanashi",
    "Nagano",
    "Gifu",
    "Shizuoka",
    "Aichi",
    "Mie",
    "Shiga",
    "Kyoto",
    "Osaka",
    "Hyogo",
    "Nara",
    "Wakayama",
    "Tottori",
    "Shimane",
    "Okayama",
    "Hiroshima",
    "Yamaguchi",
    "Tokushima",
    "Kagawa",
    "Ehime",
    "Kochi",
    "Fukuoka",
    "Saga",
    "Nagasaki",
    "Kumamoto",
    "Oita",
    "Miyazaki",
    "Kagoshima",
    "Okinawa",
];

/// Organisations of one kind: `count` of them named `{place}{suffix}`, the
/// places taken in order from `first`.
struct Cohort {
    suffix: &'static str,
    kind: Kind,
    sector: Sector,
    count: usize,
    first: usize,
}

const fn cohort(suffix: &'static str, kind: Kind, sector: Sector, count: usize) -> Cohort {
    Cohort {
        suffix,
        kind,
        sector,
        count,
        first: 0,
    }
}

const CI: Kind = Kind::CriticalInfrastructure;

/// Each sector ISAC's generated members (all in the general class: the ISACs
/// have no task force).
const ISACS: &[(&str, &[Cohort])] = &[
    (
        "trading-isac",
        &[cohort(
            " Trading Corporation",
            Kind::Other,
            Sector::Trading,
            5,
        )],
    ),
    (
        "j-auto-isac",
        &[
            cohort(" Motors", CI, Sector::Automotive, 5),
            cohort(" Auto Parts", CI, Sector::Automotive, 5),
        ],
    ),
    (
        "electricity-isac",
        &[
            cohort(" Electric Power", CI, Sector::Electricity, 7),
            cohort(" Gas and Power", CI, Sector::Electricity, 3),
        ],
    ),
    (
        "transportation-isac",
        &[
            cohort(" Railway", CI, Sector::Transportation, 6),
            cohort(" Airport", CI, Sector::Transportation, 4),
            cohort(" Logistics", CI, Sector::Transportation, 4),
        ],
    ),
    (
        "ict-isac",
        &[
            cohort(" Telecom", CI, Sector::Ict, 4),
            cohort(" Broadcasting", CI, Sector::Ict, 3),
            cohort(" Systems Integration", Kind::Other, Sector::Ict, 3),
        ],
    ),
    (
        "financials-isac",
        &[
            cohort(" Bank", CI, Sector::Financials, 20),
            cohort(" Shinkin Bank", CI, Sector::Financials, 12),
            cohort(" Securities", CI, Sector::Financials, 6),
            cohort(" Fire Insurance", CI, Sector::Financials, 5),
        ],
    ),
    (
        "software-isac",
        &[
            cohort(" Software", Kind::Other, Sector::Software, 25),
            cohort(" Soft Works", Kind::Other, Sector::Software, 20),
            cohort(" Cloud Services", Kind::Other, Sector::Software, 17),
        ],
    ),
];

/// The Council's own generated members (besides the ISAC companies that join
/// it too), with the task-force class of each cohort's first members.
const COUNCIL: &[(Cohort, &[MemberClass])] = &[
    (
        cohort(
            " Regional Cyber Policy Office",
            Kind::NationalAgency,
            Sector::Government,
            8,
        ),
        &[MemberClass::TaskForceClass1, MemberClass::TaskForceClass1],
    ),
    (
        cohort(
            " Prefectural Government",
            Kind::LocalGovernment,
            Sector::Government,
            20,
        ),
        &[],
    ),
    (
        Cohort {
            first: 20,
            ..cohort(" City Office", Kind::LocalGovernment, Sector::Government, 6)
        },
        &[],
    ),
    (
        cohort(" Cyber Defense", Kind::SecurityVendor, Sector::Security, 12),
        &[
            MemberClass::TaskForceClass1,
            MemberClass::TaskForceClass1,
            MemberClass::TaskForceClass1,
            MemberClass::TaskForceClass1,
            MemberClass::TaskForceClass2,
            MemberClass::TaskForceClass2,
        ],
    ),
    (
        cohort(" University", Kind::Academic, Sector::Education, 10),
        &[MemberClass::TaskForceClass2, MemberClass::TaskForceClass2],
    ),
    (
        cohort(" Industry Association", Kind::Other, Sector::Other, 5),
        &[],
    ),
];

/// How many of each ISAC's generated companies are also Council members; the
/// first of them are in the task force's second class.
const IN_COUNCIL_PER_ISAC: usize = 4;

/// One generated membership.
#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub organisation: String,
    pub kind: Kind,
    pub sector: Sector,
    pub community: &'static str,
    pub class: MemberClass,
}

fn organisations(cohort: &Cohort) -> impl Iterator<Item = (String, Kind, Sector)> + '_ {
    PLACES
        .iter()
        .cycle()
        .skip(cohort.first)
        .take(cohort.count)
        .map(|place| {
            (
                format!("{place}{}", cohort.suffix),
                cohort.kind,
                cohort.sector,
            )
        })
}

/// Every generated membership, ISACs first, in a fixed order.
pub fn seats() -> Vec<Seat> {
    let mut seats = Vec::new();
    let mut council_companies = Vec::new();
    for (community, cohorts) in ISACS {
        let members: Vec<_> = cohorts.iter().flat_map(organisations).collect();
        council_companies.extend(members.iter().take(IN_COUNCIL_PER_ISAC).cloned());
        seats.extend(
            members
                .into_iter()
                .map(|(organisation, kind, sector)| Seat {
                    organisation,
                    kind,
                    sector,
                    community,
                    class: MemberClass::General,
                }),
        );
    }
    let council = COUNCIL
        .iter()
        .map(|(cohort, classes)| (organisations(cohort).collect::<Vec<_>>(), *classes))
        .chain([(
            council_companies,
            &[MemberClass::TaskForceClass2; 3] as &[MemberClass],
        )]);
    for (members, classes) in council {
        for (index, (organisation, kind, sector)) in members.into_iter().enumerate() {
            seats.push(Seat {
                organisation,
                kind,
                sector,
                community: "council",
                class: classes.get(index).copied().unwrap_or(MemberClass::General),
            });
        }
    }
    seats
}

/// The name of a generated member's token: `hokkaido-bank@financials-isac`.
fn token_name(seat: &Seat) -> String {
    let slug = seat.organisation.to_lowercase().replace(' ', "-");
    format!("{slug}@{}", seat.community)
}

/// Adds the generated members that are missing (safe on every start) and
/// issues each a fresh token, returned by name.
pub async fn seed(conn: &mut AnyConnection) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let mut tokens = BTreeMap::new();
    for seat in seats() {
        let member = super::ensure_member(
            conn,
            &seat.organisation,
            seat.kind,
            seat.sector,
            seat.community,
            seat.class,
        )
        .await?;
        let name = token_name(&seat);
        let token = issue_token(conn, Role::Member, Some(member), None, &name).await?;
        tokens.insert(name, token);
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn the_population_is_shaped_like_the_source_document() {
        let seats = seats();
        let per_community = |id: &str| seats.iter().filter(|s| s.community == id).count();
        assert_eq!(per_community("software-isac"), 62);
        assert_eq!(per_community("financials-isac"), 43);
        assert_eq!(per_community("transportation-isac"), 14);
        assert_eq!(per_community("trading-isac"), 5);
        assert_eq!(per_community("council"), 61 + 7 * IN_COUNCIL_PER_ISAC);
        assert_eq!(seats.len(), 243);
        let council: Vec<&Seat> = seats.iter().filter(|s| s.community == "council").collect();
        let kinds: BTreeSet<String> = council.iter().map(|s| format!("{:?}", s.kind)).collect();
        assert_eq!(kinds.len(), 6, "every kind of organisation: {kinds:?}");
        let mut classes: BTreeMap<String, usize> = BTreeMap::new();
        for seat in &council {
            *classes.entry(format!("{:?}", seat.class)).or_default() += 1;
        }
        assert_eq!(classes["TaskForceClass1"], 6);
        assert_eq!(classes["TaskForceClass2"], 7);
    }

    #[test]
    fn an_organisation_is_one_company_wherever_it_sits() {
        let seats = seats();
        let mut seen: BTreeMap<&str, (Kind, Sector)> = BTreeMap::new();
        let mut places: BTreeSet<(&str, &str)> = BTreeSet::new();
        for seat in &seats {
            let known = seen
                .entry(&seat.organisation)
                .or_insert((seat.kind, seat.sector));
            assert_eq!(*known, (seat.kind, seat.sector), "{}", seat.organisation);
            assert!(
                places.insert((&seat.organisation, seat.community)),
                "{} twice in {}",
                seat.organisation,
                seat.community
            );
        }
        let named = ["Sakura Bank", "Momiji Bank", "Kanto Electric Power"];
        assert!(named.iter().all(|name| !seen.contains_key(name)));
        let names: BTreeSet<String> = seats.iter().map(token_name).collect();
        assert_eq!(names.len(), seats.len(), "one token name per seat");
        assert!(names.contains("hokkaido-software@software-isac"));
    }
}
