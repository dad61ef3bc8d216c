//! The members a report may reach, as the runtime is given them: shared with
//! the evaluation's store (a contract 0.2 plugin reads them on request) rather
//! than copied into it, with their ids laid out side by side once, when the
//! audience is made. Resolving a selector that takes "everyone else" then
//! copies runs of ids instead of reading every member, so a decision for ten
//! thousand members costs little more than one for a thousand.

use std::ops::Deref;
use std::sync::Arc;

use crate::model::{Member, MemberId};

#[derive(Debug, Clone, Default)]
pub struct Audience {
    members: Arc<[Member]>,
    /// `members[i].id` at `i`.
    ids: Arc<[MemberId]>,
}

impl Audience {
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Every member's id, in the members' order.
    pub fn ids(&self) -> &[MemberId] {
        &self.ids
    }
}

impl From<Vec<Member>> for Audience {
    fn from(members: Vec<Member>) -> Self {
        let ids = members.iter().map(|m| m.id).collect();
        Audience {
            members: members.into(),
            ids,
        }
    }
}

impl FromIterator<Member> for Audience {
    fn from_iter<I: IntoIterator<Item = Member>>(members: I) -> Self {
        members.into_iter().collect::<Vec<_>>().into()
    }
}

impl Deref for Audience {
    type Target = [Member];

    fn deref(&self) -> &[Member] {
        &self.members
    }
}
