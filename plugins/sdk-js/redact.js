// Builders for redaction operations. The host applies them; they only ever remove.
//
// Spans are UTF-8 byte offsets (as the contract says), not JavaScript's UTF-16
// indices, so text is searched as UTF-8 bytes with ASCII-only lower-casing, which
// keeps every offset where it was.

import { tlpRank } from './tlp.js';

const utf8 = new TextEncoder();

function text(report, field) {
  switch (field) {
    case 'title': return report.title;
    case 'body': return report.body;
    case 'victim': return report.victim;
    default: return undefined;
  }
}

function asciiLowerBytes(string) {
  return utf8.encode(string).map((byte) => (byte >= 65 && byte <= 90 ? byte + 32 : byte));
}

function indexOfBytes(haystack, needle, from) {
  outer: for (let start = from; start + needle.length <= haystack.length; start += 1) {
    for (let i = 0; i < needle.length; i += 1) {
      if (haystack[start + i] !== needle[i]) continue outer;
    }
    return start;
  }
  return -1;
}

function span(field, start, end) {
  return { tag: 'mask-span', val: { field, start, end } };
}

/** Masks all of 'title', 'body' or 'victim'; undefined when empty, absent or 'tags'. */
export function maskWhole(report, field) {
  const value = text(report, field);
  return value ? span(field, 0, utf8.encode(value).length) : undefined;
}

/** Masks every mention of `needle` in the title and body, ignoring ASCII case. */
export function maskMentions(report, needle) {
  const wanted = asciiLowerBytes(needle.trim());
  if (wanted.length === 0) return [];
  const ops = [];
  for (const field of ['title', 'body']) {
    const haystack = asciiLowerBytes(text(report, field) ?? '');
    for (let at = indexOfBytes(haystack, wanted, 0); at !== -1;
      at = indexOfBytes(haystack, wanted, at + wanted.length)) {
      ops.push(span(field, at, at + wanted.length));
    }
  }
  return ops;
}

/** Masks the victim field and every mention of it in the title and body. */
export function hideVictim(report) {
  if (report.victim === undefined || report.victim === null) return [];
  const whole = maskWhole(report, 'victim');
  return [...(whole ? [whole] : []), ...maskMentions(report, report.victim)];
}

/** Drops every indicator for which `drop(indicator)` holds. */
export function dropIndicators(report, drop) {
  return report.indicators.flatMap((indicator, index) => (
    drop(indicator) ? [{ tag: 'drop-indicator', val: index }] : []));
}

/** Raises the view's label to `tlp` when that is stricter than the report's own. */
export function raiseTlp(report, tlp) {
  return tlpRank(tlp) > tlpRank(report.tlp) ? { tag: 'raise-tlp', val: tlp } : undefined;
}
