"""TLP 2.0 comparisons and the default audience each label allows."""

from wit_world.imports.types import Member, MemberClass, Report, Tlp


def tlp_rank(tlp: Tlp) -> int:
    """0 for CLEAR up to 4 for RED: higher is more restricted."""
    return tlp.value


def is_at_least(tlp: Tlp, other: Tlp) -> bool:
    """Whether `tlp` is at least as restricted as `other`."""
    return tlp_rank(tlp) >= tlp_rank(other)


def allows(report: Report, member: Member) -> bool:
    """Whether TLP 2.0 lets `member` receive `report` by default: CLEAR and GREEN
    reach every member of the audience, AMBER and AMBER+STRICT only members of the
    community, RED only the named recipients. The host enforces the same ceiling;
    plugins start from the label and narrow further."""
    if report.tlp in (Tlp.CLEAR, Tlp.GREEN):
        return True
    if report.tlp in (Tlp.AMBER, Tlp.AMBER_STRICT):
        return member.in_community
    return member.id in report.named_recipients


def is_task_force(member: Member) -> bool:
    """Whether the member is in either task-force class."""
    return member.class_ != MemberClass.GENERAL
