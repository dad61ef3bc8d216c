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
    CaseSummary, Confidence, Context, Correlation, Member, Report, Routing,
)

import isac_policy_sdk as sdk

DEFAULTS = {"window_days": 30}


def settings_of(text: str):
    settings = sdk.parse_settings(text, DEFAULTS)
    if not 1 <= settings.window_days <= 3650:
        raise Err(
            "settings.window_days: must be between 1 and 3650, "
            f"got {settings.window_days}"
        )
    return settings


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

    def route(self, ctx: Context, report: Report, case: CaseSummary,
              audience: List[Member]) -> Routing:
        settings_of(ctx.settings)
        outside_view = sdk.hide_victim(report)
        routing = sdk.RoutingBuilder()
        for member in audience:
            if member.organisation == report.submitter_organisation:
                routing.deliver(member.id, [])
            elif sdk.allows(report, member) and (
                report.confidence != Confidence.SUSPICION or sdk.is_task_force(member)
            ):
                routing.deliver(member.id, outside_view)
        return routing.build()
