// Fingerprints (the keys the host indexes reports under) and the common dedup
// rule: join the candidate sharing the most fingerprints, if recent enough.

/** `kind:value`, e.g. `domain:evil.example`. The host has normalised the value. */
export function fingerprintOf(indicator) {
  return `${indicator.kind}:${indicator.value}`;
}

/** One fingerprint per distinct indicator, in the report's order. */
export function fingerprintsOf(report) {
  return [...new Set(report.indicators.map(fingerprintOf))];
}

// More shared fingerprints, then more recent activity, then the smaller id: the
// same total order as the Rust SDK, so every language picks the same case.
function ranksAbove(a, b) {
  if (a.sharedFingerprints.length !== b.sharedFingerprints.length) {
    return a.sharedFingerprints.length > b.sharedFingerprints.length;
  }
  if (a.lastReportAt !== b.lastReportAt) {
    return a.lastReportAt > b.lastReportAt;
  }
  return a.id < b.id;
}

/**
 * Joins the best candidate whose last report is at most `window` seconds (BigInt)
 * before `now`; with none, opens a new case titled like the report.
 */
export function withinWindow(now, window, report, candidates) {
  let best;
  for (const candidate of candidates) {
    if (candidate.sharedFingerprints.length === 0 || now - candidate.lastReportAt > window) {
      continue;
    }
    if (best === undefined || ranksAbove(candidate, best)) {
      best = candidate;
    }
  }
  return best === undefined
    ? { tag: 'new-case', val: report.title }
    : { tag: 'join', val: best.id };
}
