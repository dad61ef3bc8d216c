"""Selectors for `RoutingBuilder.group`: which members of the audience a group
is for. The host applies them; a filter chooses a member when it satisfies
every restriction it names. The Python twin of the Rust SDK's `select`."""

from typing import Iterable, Optional

from wit_world.imports.types import (
    ContributionMinimum, MemberClass, MemberFilter, OrganisationKind, Sector,
    Selector, Selector_Everyone, Selector_Filter, Selector_Members,
)


def everyone() -> Selector:
    """Every member of the audience."""
    return Selector_Everyone()


def members(ids: Iterable[int]) -> Selector:
    """These members (each must be in the audience)."""
    return Selector_Members(list(ids))


def filter(*, organisation_kinds: Iterable[OrganisationKind] = (),
           sectors: Iterable[Sector] = (), classes: Iterable[MemberClass] = (),
           in_community: Optional[bool] = None,
           submitter_organisation: Optional[bool] = None,
           contribution: Optional[ContributionMinimum] = None) -> Selector:
    """The members matching a `member-filter` whose fields are these keywords;
    a field left out restricts nothing (Rust's `select::any()`, filled in)."""
    return Selector_Filter(MemberFilter(
        list(organisation_kinds), list(sectors), list(classes), in_community,
        submitter_organisation, contribution,
    ))


def submitter_organisation() -> Selector:
    """The members acting for the submitting organisation."""
    return filter(submitter_organisation=True)


def task_force() -> Selector:
    """The members of the task force, both classes."""
    return filter(classes=[MemberClass.TASK_FORCE_CLASS1, MemberClass.TASK_FORCE_CLASS2])


def sectors(accepted: Iterable[Sector]) -> Selector:
    """The members of organisations in these sectors."""
    return filter(sectors=accepted)


def no_minimum() -> ContributionMinimum:
    """No contribution required: fill in the counts that must be reached."""
    return ContributionMinimum(0, 0, 0, 0)


def contributed(minimum: ContributionMinimum) -> Selector:
    """The members who reached `minimum` over the last 90 days."""
    return filter(contribution=minimum)
