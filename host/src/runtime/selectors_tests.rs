use serde_json::json;

use super::*;

fn report() -> Report {
    serde_json::from_value(json!({
        "id": "r", "community": "finance", "submitter": 1, "submitter_organisation": 10,
        "submitted_at": "2026-01-01T00:00:00Z", "title": "t", "tlp": "amber",
        "confidence": "confirmed"
    }))
    .expect("valid report")
}

/// 1: the submitter's bank; 2: another bank, task force; 3: a vendor with
/// contributions; 4: a member of another community.
fn audience() -> Vec<Member> {
    serde_json::from_value(json!([
        {"id": 1, "organisation": 10, "organisation_kind": "critical_infrastructure", "sector": "financials"},
        {"id": 2, "organisation": 20, "organisation_kind": "critical_infrastructure", "sector": "financials",
         "class": "task_force_class1"},
        {"id": 3, "organisation": 30, "organisation_kind": "security_vendor", "sector": "security",
         "contribution": {"reports_90d": 5, "feedback_90d": 2}},
        {"id": 4, "organisation": 40, "organisation_kind": "national_agency", "sector": "government",
         "in_community": false}
    ]))
    .expect("valid audience")
}

fn group(selector: Selector, delay_seconds: u32) -> SelectedGroup {
    SelectedGroup {
        selector,
        redactions: Vec::new(),
        delay_seconds,
    }
}

fn recipients(groups: Vec<SelectedGroup>) -> Result<Vec<Vec<MemberId>>, Fault> {
    let routing = SelectedRouting {
        groups,
        forwards: Vec::new(),
    };
    let resolved = routing.resolve(&audience().into(), &report())?;
    Ok(resolved.groups.into_iter().map(|g| g.recipients).collect())
}

#[test]
fn a_member_gets_the_first_group_that_chooses_it() {
    let vendors = MemberFilter {
        organisation_kinds: vec![OrganisationKind::SecurityVendor],
        ..MemberFilter::default()
    };
    let groups = vec![
        group(Selector::Members(vec![2]), 0),
        group(Selector::Filter(vendors), 3600),
        group(Selector::Everyone, 0),
    ];
    assert_eq!(recipients(groups), Ok(vec![vec![2], vec![3], vec![1, 4]]));
}

#[test]
fn filters_restrict_by_every_attribute_they_name() {
    let filter = |f: MemberFilter| recipients(vec![group(Selector::Filter(f), 0)]);
    let only = |ids: &[MemberId]| Ok(vec![ids.to_vec()]);
    assert_eq!(filter(MemberFilter::default()), only(&[1, 2, 3, 4]));
    let banks_elsewhere = MemberFilter {
        sectors: vec![Sector::Financials],
        submitter_organisation: Some(false),
        ..MemberFilter::default()
    };
    assert_eq!(filter(banks_elsewhere), only(&[2]));
    let own = MemberFilter {
        submitter_organisation: Some(true),
        ..MemberFilter::default()
    };
    assert_eq!(filter(own), only(&[1]));
    let outside = MemberFilter {
        in_community: Some(false),
        ..MemberFilter::default()
    };
    assert_eq!(filter(outside), only(&[4]));
    let task_force = MemberFilter {
        classes: vec![MemberClass::TaskForceClass1, MemberClass::TaskForceClass2],
        ..MemberFilter::default()
    };
    assert_eq!(filter(task_force), only(&[2]));
    let contributors = MemberFilter {
        contribution: Some(ContributionMinimum {
            reports_90d: 5,
            feedback_90d: 1,
            ..ContributionMinimum::default()
        }),
        ..MemberFilter::default()
    };
    assert_eq!(filter(contributors), only(&[3]));
    let too_much = MemberFilter {
        contribution: Some(ContributionMinimum {
            reports_90d: 6,
            ..ContributionMinimum::default()
        }),
        ..MemberFilter::default()
    };
    assert_eq!(filter(too_much), only(&[]));
}

#[test]
fn naming_a_member_outside_the_audience_is_refused() {
    let groups = vec![
        group(Selector::Everyone, 0),
        group(Selector::Members(vec![3, 99]), 0),
    ];
    assert_eq!(
        recipients(groups),
        Err(Fault::InvalidOutput(
            "group 1 selects member 99, who is not in the audience".into()
        ))
    );
}

#[test]
fn members_no_group_chooses_receive_nothing() {
    let groups = vec![group(Selector::Members(vec![3]), 0)];
    assert_eq!(recipients(groups), Ok(vec![vec![3]]));
}

#[test]
fn more_groups_than_the_host_matches_are_refused() {
    let groups = (0..=MAX_GROUPS as u64)
        .map(|id| group(Selector::Members(vec![id]), 0))
        .collect();
    assert_eq!(
        recipients(groups),
        Err(Fault::InvalidOutput(
            "257 delivery groups; at most 256 are allowed".into()
        ))
    );
}

#[test]
fn a_filter_padded_with_repeats_is_compared_as_its_few_distinct_values() {
    let mut padded = Selector::Filter(MemberFilter {
        sectors: [Sector::Security, Sector::Financials].repeat(50_000),
        classes: vec![MemberClass::General; 10_000],
        ..MemberFilter::default()
    });
    padded.normalise();
    let expected = Selector::Filter(MemberFilter {
        sectors: vec![Sector::Security, Sector::Financials],
        classes: vec![MemberClass::General],
        ..MemberFilter::default()
    });
    assert_eq!(padded, expected);
    let groups = vec![group(padded, 0)];
    assert_eq!(recipients(groups), Ok(vec![vec![1, 3]]));
}

#[test]
fn everyone_after_restricting_groups_takes_exactly_the_members_left() {
    let own = MemberFilter {
        submitter_organisation: Some(true),
        ..MemberFilter::default()
    };
    // Taken members at the start, the end and in the middle of the audience,
    // then everyone else; groups after that choose nobody.
    let groups = vec![
        group(Selector::Filter(own), 0),
        group(Selector::Members(vec![4]), 0),
        group(Selector::Members(vec![3]), 0),
        group(Selector::Everyone, 0),
        group(Selector::Everyone, 60),
        group(Selector::Members(vec![2]), 0),
    ];
    let expected = vec![vec![1], vec![4], vec![3], vec![2], vec![], vec![]];
    assert_eq!(recipients(groups), Ok(expected));
    // Nobody taken before: everyone is the whole audience, in its order.
    let groups = vec![
        group(Selector::Members(vec![]), 0),
        group(Selector::Everyone, 0),
    ];
    assert_eq!(recipients(groups), Ok(vec![vec![], vec![1, 2, 3, 4]]));
    // Everyone taken by restricting groups: a later everyone gets nobody.
    let groups = vec![
        group(Selector::Members(vec![1, 2, 3, 4]), 0),
        group(Selector::Everyone, 0),
    ];
    assert_eq!(recipients(groups), Ok(vec![vec![1, 2, 3, 4], vec![]]));
}

#[test]
fn resolving_group_by_group_is_asking_each_members_groups_in_turn() {
    let pool = [
        Selector::Everyone,
        Selector::Members(vec![]),
        Selector::Members(vec![2, 4]),
        Selector::Members(vec![1, 2, 3, 4]),
        Selector::Filter(MemberFilter {
            submitter_organisation: Some(false),
            ..MemberFilter::default()
        }),
        Selector::Filter(MemberFilter {
            in_community: Some(true),
            ..MemberFilter::default()
        }),
        Selector::Filter(MemberFilter::default()),
    ];
    let (audience, report) = (audience(), report());
    for a in &pool {
        for b in &pool {
            for c in &pool {
                let selectors = [a, b, c];
                let mut expected = vec![Vec::new(); 3];
                for member in &audience {
                    if let Some(first) = selectors.iter().position(|s| s.chooses(member, &report)) {
                        expected[first].push(member.id);
                    }
                }
                let groups = selectors.iter().map(|s| group((*s).clone(), 0)).collect();
                assert_eq!(recipients(groups), Ok(expected), "{selectors:?}");
            }
        }
    }
}
