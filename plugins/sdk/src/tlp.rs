//! TLP 2.0 comparisons and the default audience each label allows.

use crate::{Confidence, Member, Report, Tlp};

impl Tlp {
    /// 0 for CLEAR up to 4 for RED: higher is more restricted.
    pub fn rank(self) -> u8 {
        match self {
            Tlp::Clear => 0,
            Tlp::Green => 1,
            Tlp::Amber => 2,
            Tlp::AmberStrict => 3,
            Tlp::Red => 4,
        }
    }

    /// Whether `self` is at least as restricted as `other`.
    pub fn is_at_least(self, other: Tlp) -> bool {
        self.rank() >= other.rank()
    }

    /// The more restricted of the two.
    pub fn stricter(self, other: Tlp) -> Tlp {
        if self.is_at_least(other) { self } else { other }
    }

    /// Whether a report with this label may be forwarded to another community at all.
    pub fn may_forward(self) -> bool {
        !self.is_at_least(Tlp::AmberStrict)
    }
}

impl Confidence {
    /// 0 for suspicion, 1 unconfirmed, 2 confirmed.
    pub fn rank(self) -> u8 {
        match self {
            Confidence::Suspicion => 0,
            Confidence::Unconfirmed => 1,
            Confidence::Confirmed => 2,
        }
    }
}

impl Member {
    /// Whether the member is in either task-force class.
    pub fn is_task_force(&self) -> bool {
        !matches!(self.class, crate::MemberClass::General)
    }
}

/// Whether TLP 2.0 lets `member` receive `report` by default: CLEAR and GREEN reach
/// every member of the audience, AMBER and AMBER+STRICT only members of the
/// community, RED only the named recipients. The host enforces the same ceiling;
/// plugins use this to start from the label and narrow further.
pub fn allows(report: &Report, member: &Member) -> bool {
    match report.tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber | Tlp::AmberStrict => member.in_community,
        Tlp::Red => report.named_recipients.contains(&member.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{member, report};

    #[test]
    fn ranks_follow_tlp_2_order() {
        let order = [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ];
        for pair in order.windows(2) {
            assert!(pair[1].is_at_least(pair[0]) && !pair[0].is_at_least(pair[1]));
            assert_eq!(pair[0].stricter(pair[1]), pair[1]);
        }
        assert!(Tlp::Amber.may_forward());
        assert!(!Tlp::AmberStrict.may_forward() && !Tlp::Red.may_forward());
    }

    #[test]
    fn default_audience_per_label() {
        let mut outsider = member(7, 70);
        outsider.in_community = false;
        let insider = member(8, 80);
        let mut r = report();
        r.tlp = Tlp::Green;
        assert!(allows(&r, &outsider) && allows(&r, &insider));
        r.tlp = Tlp::Amber;
        assert!(!allows(&r, &outsider) && allows(&r, &insider));
        r.tlp = Tlp::Red;
        r.named_recipients = vec![7];
        assert!(allows(&r, &outsider) && !allows(&r, &insider));
    }
}
