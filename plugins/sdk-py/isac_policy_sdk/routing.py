"""Builds a Routing member by member, grouping members who get the same view at
the same time into one delivery group (the host stores one view per group)."""

from typing import List, Set

from wit_world.imports.types import DeliveryGroup, Forward, Redaction, Routing


class RoutingBuilder:
    def __init__(self) -> None:
        self._groups: List[DeliveryGroup] = []
        self._forwards: List[Forward] = []
        self._placed: Set[int] = set()

    def deliver(self, member: int, redactions: List[Redaction],
                delay_seconds: int = 0) -> "RoutingBuilder":
        """Delivers to `member` a view with these redactions after `delay_seconds`.
        A member is placed once: later calls for the same member are ignored, so
        place the most privileged case (the submitter's organisation) first."""
        if member in self._placed:
            return self
        self._placed.add(member)
        for group in self._groups:
            if group.delay_seconds == delay_seconds and group.redactions == redactions:
                group.recipients.append(member)
                return self
        self._groups.append(DeliveryGroup([member], list(redactions), delay_seconds))
        return self

    def forward(self, community: str, redactions: List[Redaction]) -> "RoutingBuilder":
        """Forwards a copy with these redactions to another community."""
        self._forwards.append(Forward(community, list(redactions)))
        return self

    def build(self) -> Routing:
        return Routing(self._groups, self._forwards)
