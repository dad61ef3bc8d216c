// Write isac-host sharing-policy plugins in JavaScript (componentize-js / jco).
//
// The JavaScript twin of the Rust `isac-policy-sdk`: the same helpers, so a policy
// reads the same in every language. Values follow jco's mapping of `wit/v0.2/policy.wit`
// (whose doc comments are the reference): records are objects with camelCase
// fields, enums are their WIT names as strings ('amber-strict'), variants are
// `{ tag, val }`, options are `undefined` or the value, u64 and s64 (member ids,
// timestamps) are BigInt, u32 is a number. `route` names its recipients with
// selectors (`select`) that the host applies to the audience.
//
// A plugin is an ES module exporting `policy` with `validateSettings`,
// `fingerprints`, `correlate` and `route`; throwing `refusal("message")` from one
// is a refusal (the host quarantines the report with the message).

import { audience as hostAudience, log as hostLog } from 'isac:policy/host@0.2.0';

export { fingerprintOf, fingerprintsOf, withinWindow } from './dedup.js';
export { dropIndicators, hideVictim, maskMentions, maskWhole, raiseTlp } from './redact.js';
export { RoutingBuilder } from './routing.js';
export * as select from './select.js';
export { parseSettings } from './settings.js';
export { allows, isAtLeast, isTaskForce, tlpRank } from './tlp.js';
export { refusal } from './refusal.js';

export const SECOND = 1n;
export const MINUTE = 60n * SECOND;
export const HOUR = 60n * MINUTE;
export const DAY = 24n * HOUR;

/** Writes a line ('debug' | 'info' | 'warn' | 'error') to the evaluation's log. */
export function log(level, message) {
  hostLog(level, message);
}

/**
 * Every member the host's guardrails allow to receive the report, from within
 * `route` (empty elsewhere). Selectors cost less: the members are copied into
 * the plugin only when it asks.
 */
export function audience() {
  return hostAudience();
}
