"""Builds a Routing group by group. Groups are matched in order: a member
receives the view of the first group whose selector chooses it, so put the
most privileged group (e.g. the submitter's organisation) first."""

from typing import List

from wit_world.imports.types import DeliveryGroup, Forward, Redaction, Routing, Selector


class RoutingBuilder:
    def __init__(self) -> None:
        self._groups: List[DeliveryGroup] = []
        self._forwards: List[Forward] = []

    def group(self, selector: Selector, redactions: List[Redaction],
              delay_seconds: int = 0) -> "RoutingBuilder":
        """The members `selector` chooses (those no earlier group chose) get a
        view with these redactions after `delay_seconds`."""
        self._groups.append(DeliveryGroup(selector, list(redactions), delay_seconds))
        return self

    def forward(self, community: str, redactions: List[Redaction]) -> "RoutingBuilder":
        """Forwards a copy with these redactions to another community."""
        self._forwards.append(Forward(community, list(redactions)))
        return self

    def build(self) -> Routing:
        return Routing(self._groups, self._forwards)
