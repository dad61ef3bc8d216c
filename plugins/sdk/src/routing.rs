//! Builds a [`Routing`] group by group. Groups are matched in order: a member
//! receives the view of the first group whose selector chooses it, so put the
//! most privileged group (e.g. the submitter's organisation) first.

use crate::{DeliveryGroup, Forward, Redaction, Routing, Selector};

/// Collects delivery groups and forwards; see [`RoutingBuilder::group`].
#[derive(Debug, Default)]
pub struct RoutingBuilder {
    groups: Vec<DeliveryGroup>,
    forwards: Vec<Forward>,
}

impl RoutingBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The members `selector` chooses (those no earlier group chose) get a view
    /// with these redactions after `delay_seconds`.
    pub fn group(
        &mut self,
        selector: Selector,
        redactions: &[Redaction],
        delay_seconds: u32,
    ) -> &mut Self {
        self.groups.push(DeliveryGroup {
            recipients: selector,
            redactions: redactions.to_vec(),
            delay_seconds,
        });
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
