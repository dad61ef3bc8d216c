"""Builders for redaction operations. The host applies them; they only ever remove.

Spans are UTF-8 byte offsets (as the contract says), so text is searched as bytes:
`bytes.lower()` lowers ASCII only, which keeps every offset where it was."""

from typing import Callable, List, Optional

from wit_world.imports.types import (
    Indicator, Redaction, Redaction_DropIndicator, Redaction_MaskSpan,
    Redaction_RaiseTlp, Report, ReportField, Span, Tlp,
)


def _text(report: Report, field: ReportField) -> Optional[str]:
    if field == ReportField.TITLE:
        return report.title
    if field == ReportField.BODY:
        return report.body
    if field == ReportField.VICTIM:
        return report.victim
    return None


def mask_whole(report: Report, field: ReportField) -> Optional[Redaction]:
    """Masks all of `title`, `body` or `victim`; None when empty, absent or `tags`."""
    text = _text(report, field)
    if not text:
        return None
    return Redaction_MaskSpan(Span(field, 0, len(text.encode())))


def mask_mentions(report: Report, needle: str) -> List[Redaction]:
    """Masks every mention of `needle` in the title and body, ignoring ASCII case."""
    wanted = needle.strip().encode().lower()
    if not wanted:
        return []
    ops: List[Redaction] = []
    for field in (ReportField.TITLE, ReportField.BODY):
        haystack = (_text(report, field) or "").encode().lower()
        start = haystack.find(wanted)
        while start != -1:
            ops.append(Redaction_MaskSpan(Span(field, start, start + len(wanted))))
            start = haystack.find(wanted, start + len(wanted))
    return ops


def hide_victim(report: Report) -> List[Redaction]:
    """Masks the `victim` field and every mention of it in the title and body."""
    if report.victim is None:
        return []
    whole = mask_whole(report, ReportField.VICTIM)
    return ([whole] if whole else []) + mask_mentions(report, report.victim)


def drop_indicators(report: Report, drop: Callable[[Indicator], bool]) -> List[Redaction]:
    """Drops every indicator for which `drop` holds."""
    return [Redaction_DropIndicator(index)
            for index, indicator in enumerate(report.indicators) if drop(indicator)]


def raise_tlp(report: Report, tlp: Tlp) -> Optional[Redaction]:
    """Raises the view's label to `tlp` when that is stricter than the report's own."""
    return Redaction_RaiseTlp(tlp) if tlp.value > report.tlp.value else None
