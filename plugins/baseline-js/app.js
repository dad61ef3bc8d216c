// The Council's baseline sharing policy in JavaScript: the same decisions as
// `plugins/baseline` (Rust), checked by the same fixtures.
//
// - dedup: a report joins the case sharing the most indicator values with it, if
//   that case had a report within `window_days` (default 30);
// - routing: CLEAR and GREEN reach every approved member, AMBER and AMBER+STRICT
//   the members of the community, RED the named recipients; a `suspicion` report
//   reaches only the task force;
// - redaction: the victim is masked, with every mention of it in the title and
//   body, for everyone outside the submitter's organisation.

import {
  DAY, RoutingBuilder, allows, fingerprintsOf, hideVictim, isTaskForce, parseSettings,
  refusal, withinWindow,
} from '../sdk-js/index.js';

const DEFAULTS = { window_days: 30 };

function settingsOf(text) {
  const settings = parseSettings(text, DEFAULTS);
  if (settings.window_days < 1 || settings.window_days > 3650) {
    throw refusal(
      `settings.window_days: must be between 1 and 3650, got ${settings.window_days}`,
    );
  }
  return settings;
}

export const policy = {
  validateSettings(settings) {
    settingsOf(settings);
  },

  fingerprints(ctx, report) {
    settingsOf(ctx.settings);
    return fingerprintsOf(report);
  },

  correlate(ctx, report, candidates) {
    const window = BigInt(settingsOf(ctx.settings).window_days) * DAY;
    return withinWindow(ctx.now, window, report, candidates);
  },

  route(ctx, report, _case, audience) {
    settingsOf(ctx.settings);
    const outsideView = hideVictim(report);
    const routing = new RoutingBuilder();
    for (const member of audience) {
      if (member.organisation === report.submitterOrganisation) {
        routing.deliver(member.id, []);
      } else if (allows(report, member)
        && (report.confidence !== 'suspicion' || isTaskForce(member))) {
        routing.deliver(member.id, outsideView);
      }
    }
    return routing.build();
  },
};
