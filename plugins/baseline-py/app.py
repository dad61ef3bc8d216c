"""The Council's baseline sharing policy in Python: the same decisions as
`plugins/baseline` (Rust), checked by the same fixtures.

- dedup: a report joins the case sharing the most indicator values with it, if
  that case had a report within `window_days` (default 30);
- routing: CLEAR and GREEN reach every approved member, AMBER and AMBER+STRICT
  the members of the community, RED the named recipients; a `suspicion` report
  reaches only the task force;
- redaction: the victim is masked, with every mention of it in the title and
  body, for everyone outside the submitter's organisation.
"""

from typing import List

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.types import (
    CaseSummary, Confidence, Context, Correlation, MemberClass, Report, Routing,
    Selector, Tlp,
)

import isac_policy_sdk as sdk
from isac_policy_sdk import select

DEFAULTS = {"window_days": 30}


def settings_of(text: str):
    settings = sdk.parse_settings(text, DEFAULTS)
    if not 1 <= settings.window_days <= 3650:
        raise Err(
            "settings.window_days: must be between 1 and 3650, "
            f"got {settings.window_days}"
        )
    return settings


def outside(report: Report) -> Selector:
    """Who receives the report outside the submitter's organisation: the
    label's default audience (`sdk.allows`), only the task force for a
    suspicion. The host's audience already keeps to the label; the policy
    says so itself rather than rely on it."""
    suspicion = report.confidence == Confidence.SUSPICION
    if report.tlp == Tlp.RED:
        # RED names its recipients member by member: the one case worth
        # reading the audience for.
        return select.members(
            member.id for member in sdk.audience()
            if sdk.allows(report, member) and (not suspicion or sdk.is_task_force(member))
        )
    return select.filter(
        in_community=True if sdk.is_at_least(report.tlp, Tlp.AMBER) else None,
        classes=[MemberClass.TASK_FORCE_CLASS1, MemberClass.TASK_FORCE_CLASS2]
        if suspicion else [],
    )


class Policy(exports.Policy):
    def validate_settings(self, settings: str) -> None:
        settings_of(settings)

    def fingerprints(self, ctx: Context, report: Report) -> List[str]:
        settings_of(ctx.settings)
        return sdk.fingerprints_of(report)

    def correlate(self, ctx: Context, report: Report,
                  candidates: List[CaseSummary]) -> Correlation:
        window = settings_of(ctx.settings).window_days * sdk.DAY
        return sdk.within_window(ctx.now, window, report, candidates)

    def route(self, ctx: Context, report: Report, case: CaseSummary) -> Routing:
        settings_of(ctx.settings)
        outside_view = sdk.hide_victim(report)
        return (sdk.RoutingBuilder()
                .group(select.submitter_organisation(), [])
                .group(outside(report), outside_view)
                .build())
