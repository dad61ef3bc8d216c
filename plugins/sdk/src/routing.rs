//! Builds a [`Routing`] member by member, grouping members who get the same view
//! at the same time into one delivery group (the host stores one view per group).

use crate::{DeliveryGroup, Forward, MemberId, Redaction, Routing};

/// Collects deliveries and forwards; see [`RoutingBuilder::deliver`].
#[derive(Debug, Default)]
pub struct RoutingBuilder {
    groups: Vec<DeliveryGroup>,
    forwards: Vec<Forward>,
    placed: std::collections::HashSet<MemberId>,
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
