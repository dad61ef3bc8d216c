//! The general assembly's values as stored: a vote's choice, an item's kind and
//! its outcome (each column has a CHECK constraint, migration 0016).

use serde::{Deserialize, Serialize};

use crate::model::Stored;

/// A vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Yes,
    No,
    /// Counts toward the quorum, not toward the majority.
    Abstain,
}

impl Stored for Choice {
    const COLUMN: &'static str = "assembly_votes.choice";
    const ALL: &'static [Self] = &[Choice::Yes, Choice::No, Choice::Abstain];

    fn as_str(self) -> &'static str {
        match self {
            Choice::Yes => "yes",
            Choice::No => "no",
            Choice::Abstain => "abstain",
        }
    }
}

/// What an item decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An amendment of the rules, in its title's words.
    RuleAmendment,
    /// A policy version that may be activated only once the item passes.
    PolicyVersion,
    /// A new number of required steering-committee approvals, applied when
    /// the item passes.
    RequiredApprovals,
}

impl Stored for ItemKind {
    const COLUMN: &'static str = "assembly_items.kind";
    const ALL: &'static [Self] = &[
        ItemKind::RuleAmendment,
        ItemKind::PolicyVersion,
        ItemKind::RequiredApprovals,
    ];

    fn as_str(self) -> &'static str {
        match self {
            ItemKind::RuleAmendment => "rule_amendment",
            ItemKind::PolicyVersion => "policy_version",
            ItemKind::RequiredApprovals => "required_approvals",
        }
    }
}

/// An item's result, computed at closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Quorum met, majority not.
    Rejected,
    /// Too few organisations voted for the item to be decided.
    NoQuorum,
}

impl Stored for Outcome {
    const COLUMN: &'static str = "assembly_items.outcome";
    const ALL: &'static [Self] = &[Outcome::Passed, Outcome::Rejected, Outcome::NoQuorum];

    fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Rejected => "rejected",
            Outcome::NoQuorum => "no_quorum",
        }
    }
}

/// The community's rules for its sessions, copied into each when convened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Share of the member organisations (in %) that must vote on an item,
    /// abstentions included, for it to be decided.
    pub quorum_percent: i64,
    /// An item passes when its yes votes are more than this share (in %) of
    /// its yes and no votes: 50 is a simple majority, 66 two thirds.
    pub majority_percent: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            quorum_percent: 50,
            majority_percent: 50,
        }
    }
}

/// Counted votes on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
}

impl Tally {
    /// The item's outcome under `rules`, with `eligible` member organisations.
    pub fn outcome(self, rules: Rules, eligible: i64) -> Outcome {
        let voted = self.yes + self.no + self.abstain;
        if eligible == 0 || voted * 100 < rules.quorum_percent * eligible {
            Outcome::NoQuorum
        } else if self.yes * 100 > rules.majority_percent * (self.yes + self.no) {
            Outcome::Passed
        } else {
            Outcome::Rejected
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_at_the_edges_of_quorum_and_majority() {
        let rules = Rules::default();
        let tally = |yes, no, abstain| Tally { yes, no, abstain };
        // 2 of 5 voted: under half.
        assert_eq!(tally(2, 0, 0).outcome(rules, 5), Outcome::NoQuorum);
        // 3 of 6 voted: exactly half is a quorum; abstentions count toward it.
        assert_eq!(tally(1, 0, 2).outcome(rules, 6), Outcome::Passed);
        // A tie is not a majority.
        assert_eq!(tally(2, 2, 0).outcome(rules, 4), Outcome::Rejected);
        let two_thirds = Rules {
            quorum_percent: 50,
            majority_percent: 66,
        };
        assert_eq!(tally(2, 1, 0).outcome(two_thirds, 3), Outcome::Passed);
        assert_eq!(tally(3, 2, 0).outcome(two_thirds, 5), Outcome::Rejected);
        assert_eq!(tally(0, 0, 0).outcome(rules, 0), Outcome::NoQuorum);
    }
}
