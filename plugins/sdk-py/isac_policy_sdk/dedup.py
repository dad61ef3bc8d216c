"""Fingerprints (the keys the host indexes reports under) and the common dedup
rule: join the candidate sharing the most fingerprints, if recent enough."""

from typing import List

from wit_world.imports.types import (
    CaseSummary, Correlation, Correlation_Join, Correlation_NewCase, Indicator,
    IndicatorKind, Report,
)


def kind_name(kind: IndicatorKind) -> str:
    """The kind's name as in the WIT file and in fingerprints (`ipv4`, `sha256`...)."""
    return kind.name.lower()


def fingerprint_of(indicator: Indicator) -> str:
    """`kind:value`, e.g. `domain:evil.example`. The host has normalised the value."""
    return f"{kind_name(indicator.kind)}:{indicator.value}"


def fingerprints_of(report: Report) -> List[str]:
    """One fingerprint per distinct indicator, in the report's order."""
    keys: List[str] = []
    for key in map(fingerprint_of, report.indicators):
        if key not in keys:
            keys.append(key)
    return keys


def _ranks_above(a: CaseSummary, b: CaseSummary) -> bool:
    """More shared fingerprints, then more recent activity, then the smaller id:
    the same total order as the Rust SDK, so every language picks the same case."""
    if len(a.shared_fingerprints) != len(b.shared_fingerprints):
        return len(a.shared_fingerprints) > len(b.shared_fingerprints)
    if a.last_report_at != b.last_report_at:
        return a.last_report_at > b.last_report_at
    return a.id < b.id


def within_window(now: int, window: int, report: Report,
                  candidates: List[CaseSummary]) -> Correlation:
    """Joins the best candidate whose last report is at most `window` seconds
    before `now`; with none, opens a new case titled like the report."""
    best = None
    for case in candidates:
        if not case.shared_fingerprints or now - case.last_report_at > window:
            continue
        if best is None or _ranks_above(case, best):
            best = case
    if best is None:
        return Correlation_NewCase(report.title)
    return Correlation_Join(best.id)
