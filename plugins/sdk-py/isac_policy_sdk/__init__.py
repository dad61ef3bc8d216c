"""Write isac-host sharing-policy plugins in Python (componentize-py).

The Python twin of the Rust `isac-policy-sdk`: the same helpers under the same
names, so a policy reads the same in both languages. The types are those that
componentize-py generates from `wit/v0.2/policy.wit` (`wit_world.imports.types`);
the WIT file's doc comments are the reference: `route` names its recipients
with selectors (`select`) that the host applies to the audience.

A plugin is a module (`app.py`) with a class `Policy` implementing
`wit_world.exports.Policy`; raising `componentize_py_types.Err("message")` from a
call is a refusal (the host quarantines the report with the message).
"""

from typing import List

from wit_world.imports import host
from wit_world.imports.types import LogLevel, Member

from . import select
from .dedup import fingerprint_of, fingerprints_of, kind_name, within_window
from .redact import drop_indicators, hide_victim, mask_mentions, mask_whole, raise_tlp
from .routing import RoutingBuilder
from .settings import parse_settings
from .tlp import allows, is_at_least, is_task_force, tlp_rank

SECOND = 1
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def log(level: LogLevel, message: str) -> None:
    """Writes a line to the evaluation's log (kept, bounded, with the decision)."""
    host.log(level, message)


def audience() -> List[Member]:
    """Every member the host's guardrails allow to receive the report, from
    within `route` (empty elsewhere). Selectors cost less: the members are
    copied into the plugin only when it asks."""
    return host.audience()


__all__ = [
    "DAY", "HOUR", "MINUTE", "SECOND", "RoutingBuilder", "allows", "audience",
    "drop_indicators", "fingerprint_of", "fingerprints_of", "hide_victim",
    "is_at_least", "is_task_force", "kind_name", "log", "mask_mentions", "mask_whole",
    "parse_settings", "raise_tlp", "select", "tlp_rank", "within_window",
]
