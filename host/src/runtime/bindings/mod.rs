//! Host bindings of each contract version, one module per frozen WIT folder
//! (`wit/v0.x`), generated from it, with conversions between its types and the
//! host's model. Plugins built against an older version keep loading: the
//! runtime reads a plugin's version and picks its module (see `plugin`).

use time::OffsetDateTime;

fn seconds(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// Conversions of the types every version shares, written once: invoked in
/// each version's module, where `wit` names that version's `types` interface.
macro_rules! shared_conversions {
    () => {
        impl From<model::Tlp> for wit::Tlp {
            fn from(t: model::Tlp) -> Self {
                match t {
                    model::Tlp::Clear => wit::Tlp::Clear,
                    model::Tlp::Green => wit::Tlp::Green,
                    model::Tlp::Amber => wit::Tlp::Amber,
                    model::Tlp::AmberStrict => wit::Tlp::AmberStrict,
                    model::Tlp::Red => wit::Tlp::Red,
                }
            }
        }

        impl From<wit::Tlp> for model::Tlp {
            fn from(t: wit::Tlp) -> Self {
                match t {
                    wit::Tlp::Clear => model::Tlp::Clear,
                    wit::Tlp::Green => model::Tlp::Green,
                    wit::Tlp::Amber => model::Tlp::Amber,
                    wit::Tlp::AmberStrict => model::Tlp::AmberStrict,
                    wit::Tlp::Red => model::Tlp::Red,
                }
            }
        }

        impl From<model::Confidence> for wit::Confidence {
            fn from(c: model::Confidence) -> Self {
                match c {
                    model::Confidence::Suspicion => wit::Confidence::Suspicion,
                    model::Confidence::Unconfirmed => wit::Confidence::Unconfirmed,
                    model::Confidence::Confirmed => wit::Confidence::Confirmed,
                }
            }
        }

        impl From<model::MemberClass> for wit::MemberClass {
            fn from(c: model::MemberClass) -> Self {
                match c {
                    model::MemberClass::General => wit::MemberClass::General,
                    model::MemberClass::TaskForceClass1 => wit::MemberClass::TaskForceClass1,
                    model::MemberClass::TaskForceClass2 => wit::MemberClass::TaskForceClass2,
                }
            }
        }

        impl From<model::OrganisationKind> for wit::OrganisationKind {
            fn from(k: model::OrganisationKind) -> Self {
                use model::OrganisationKind as M;
                match k {
                    M::NationalAgency => wit::OrganisationKind::NationalAgency,
                    M::LocalGovernment => wit::OrganisationKind::LocalGovernment,
                    M::CriticalInfrastructure => wit::OrganisationKind::CriticalInfrastructure,
                    M::SecurityVendor => wit::OrganisationKind::SecurityVendor,
                    M::Academic => wit::OrganisationKind::Academic,
                    M::Other => wit::OrganisationKind::Other,
                }
            }
        }

        impl From<model::Sector> for wit::Sector {
            fn from(s: model::Sector) -> Self {
                use model::Sector as M;
                match s {
                    M::Government => wit::Sector::Government,
                    M::Financials => wit::Sector::Financials,
                    M::Automotive => wit::Sector::Automotive,
                    M::Electricity => wit::Sector::Electricity,
                    M::Transportation => wit::Sector::Transportation,
                    M::Ict => wit::Sector::Ict,
                    M::Software => wit::Sector::Software,
                    M::Trading => wit::Sector::Trading,
                    M::Medical => wit::Sector::Medical,
                    M::Security => wit::Sector::Security,
                    M::Education => wit::Sector::Education,
                    M::Other => wit::Sector::Other,
                }
            }
        }

        impl From<model::IndicatorKind> for wit::IndicatorKind {
            fn from(k: model::IndicatorKind) -> Self {
                use model::IndicatorKind as M;
                match k {
                    M::Ipv4 => wit::IndicatorKind::Ipv4,
                    M::Ipv6 => wit::IndicatorKind::Ipv6,
                    M::Domain => wit::IndicatorKind::Domain,
                    M::Url => wit::IndicatorKind::Url,
                    M::Email => wit::IndicatorKind::Email,
                    M::Md5 => wit::IndicatorKind::Md5,
                    M::Sha1 => wit::IndicatorKind::Sha1,
                    M::Sha256 => wit::IndicatorKind::Sha256,
                    M::Cve => wit::IndicatorKind::Cve,
                }
            }
        }

        impl From<wit::ReportField> for model::ReportField {
            fn from(f: wit::ReportField) -> Self {
                match f {
                    wit::ReportField::Title => model::ReportField::Title,
                    wit::ReportField::Body => model::ReportField::Body,
                    wit::ReportField::Victim => model::ReportField::Victim,
                    wit::ReportField::Tags => model::ReportField::Tags,
                }
            }
        }

        impl From<&model::Member> for wit::Member {
            fn from(m: &model::Member) -> Self {
                let c = &m.contribution;
                wit::Member {
                    id: m.id,
                    organisation: m.organisation,
                    organisation_kind: m.organisation_kind.into(),
                    sector: m.sector.into(),
                    in_community: m.in_community,
                    class: m.class.into(),
                    contribution: wit::Contribution {
                        reports_90d: c.reports_90d,
                        confirmed_90d: c.confirmed_90d,
                        feedback_90d: c.feedback_90d,
                        countermeasures_90d: c.countermeasures_90d,
                        reports_total: c.reports_total,
                        confirmed_total: c.confirmed_total,
                        feedback_total: c.feedback_total,
                        countermeasures_total: c.countermeasures_total,
                    },
                }
            }
        }

        impl From<&model::CaseSummary> for wit::CaseSummary {
            fn from(c: &model::CaseSummary) -> Self {
                wit::CaseSummary {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    opened_at: crate::runtime::bindings::seconds(c.opened_at),
                    last_report_at: crate::runtime::bindings::seconds(c.last_report_at),
                    report_count: c.report_count,
                    confidence: c.confidence.into(),
                    shared_fingerprints: c.shared_fingerprints.clone(),
                }
            }
        }

        impl From<wit::Correlation> for model::Correlation {
            fn from(c: wit::Correlation) -> Self {
                match c {
                    wit::Correlation::Join(id) => model::Correlation::Join(id),
                    wit::Correlation::NewCase(title) => model::Correlation::NewCase(title),
                }
            }
        }

        impl From<wit::Redaction> for model::Redaction {
            fn from(r: wit::Redaction) -> Self {
                match r {
                    wit::Redaction::DropIndicator(i) => model::Redaction::DropIndicator(i),
                    wit::Redaction::MaskSpan(s) => model::Redaction::MaskSpan(model::Span {
                        field: s.field.into(),
                        start: s.start,
                        end: s.end,
                    }),
                    wit::Redaction::DropField(f) => model::Redaction::DropField(f.into()),
                    wit::Redaction::RaiseTlp(t) => model::Redaction::RaiseTlp(t.into()),
                }
            }
        }

        impl From<wit::Forward> for model::Forward {
            fn from(f: wit::Forward) -> Self {
                model::Forward {
                    community: f.community,
                    redactions: f.redactions.into_iter().map(Into::into).collect(),
                }
            }
        }

        impl From<wit::LogLevel> for crate::runtime::LogLevel {
            fn from(l: wit::LogLevel) -> Self {
                match l {
                    wit::LogLevel::Debug => crate::runtime::LogLevel::Debug,
                    wit::LogLevel::Info => crate::runtime::LogLevel::Info,
                    wit::LogLevel::Warn => crate::runtime::LogLevel::Warn,
                    wit::LogLevel::Error => crate::runtime::LogLevel::Error,
                }
            }
        }
    };
}

/// The conversion of a report into a version's `report` record: the fields
/// every version has, and those given (named after the record's fields, with
/// the model report bound to `$r`).
macro_rules! report_conversion {
    ($r:ident => { $($field:ident: $value:expr),* $(,)? }) => {
        impl From<&model::Report> for wit::Report {
            fn from($r: &model::Report) -> Self {
                wit::Report {
                    id: $r.id.clone(),
                    community: $r.community.clone(),
                    submitter: $r.submitter,
                    submitter_organisation: $r.submitter_organisation,
                    submitted_at: crate::runtime::bindings::seconds($r.submitted_at),
                    title: $r.title.clone(),
                    body: $r.body.clone(),
                    tlp: $r.tlp.into(),
                    confidence: $r.confidence.into(),
                    indicators: $r
                        .indicators
                        .iter()
                        .map(|i| wit::Indicator {
                            kind: i.kind.into(),
                            value: i.value.clone(),
                        })
                        .collect(),
                    tags: $r.tags.clone(),
                    victim: $r.victim.clone(),
                    named_recipients: $r.named_recipients.clone(),
                    provenance: $r.provenance.clone(),
                    $($field: $value,)*
                }
            }
        }
    };
}

pub mod v0_1;
pub mod v0_2;
