//! Builds a [`Routing`] member by member, grouping members who get the same view
//! at the same time into one delivery group (the host stores one view per group).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::{DeliveryGroup, Forward, MemberId, Redaction, Routing};

/// Hashes a member id with one multiplication (Fibonacci hashing). The default
/// SipHash costs more than the whole rest of routing for a large audience, and
/// member ids come from the host, not from an attacker choosing collisions.
#[derive(Default)]
struct MemberIdHasher(u64);

impl Hasher for MemberIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Collects deliveries and forwards; see [`RoutingBuilder::deliver`].
#[derive(Debug, Default)]
pub struct RoutingBuilder {
    groups: Vec<DeliveryGroup>,
    forwards: Vec<Forward>,
    placed: HashSet<MemberId, BuildHasherDefault<MemberIdHasher>>,
}

impl RoutingBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Delivers to `member` a view with these redactions after `delay_seconds`.
    /// A member is placed once: later calls for the same member are ignored, so
    /// place the most privileged case (e.g. the submitter's organisation) first.
    pub fn deliver(
        &mut self,
        member: MemberId,
        redactions: &[Redaction],
        delay_seconds: u32,
    ) -> &mut Self {
        if !self.placed.insert(member) {
            return self;
        }
        let existing = self
            .groups
            .iter_mut()
            .find(|g| g.delay_seconds == delay_seconds && g.redactions == redactions);
        match existing {
            Some(group) => group.recipients.push(member),
            None => self.groups.push(DeliveryGroup {
                recipients: vec![member],
                redactions: redactions.to_vec(),
                delay_seconds,
            }),
        }
        self
    }

    /// Forwards a copy with these redactions to another community.
    pub fn forward(
        &mut self,
        community: impl Into<String>,
        redactions: Vec<Redaction>,
    ) -> &mut Self {
        self.forwards.push(Forward {
            community: community.into(),
            redactions,
        });
        self
    }

    pub fn build(self) -> Routing {
        Routing {
            groups: self.groups,
            forwards: self.forwards,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_view_and_delay_and_places_each_member_once() {
        let mask = [Redaction::DropIndicator(0)];
        let mut b = RoutingBuilder::new();
        b.deliver(1, &[], 0)
            .deliver(2, &mask, 0)
            .deliver(3, &mask, 0);
        b.deliver(4, &mask, 3600).deliver(1, &mask, 0);
        let routing = b.build();
        let shape: Vec<(Vec<MemberId>, usize, u32)> = routing
            .groups
            .iter()
            .map(|g| (g.recipients.clone(), g.redactions.len(), g.delay_seconds))
            .collect();
        assert_eq!(
            shape,
            vec![(vec![1], 0, 0), (vec![2, 3], 1, 0), (vec![4], 1, 3600)]
        );
    }
}
