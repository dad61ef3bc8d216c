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
  DAY, RoutingBuilder, allows, audience, fingerprintsOf, hideVictim, isAtLeast, isTaskForce,
  parseSettings, refusal, select, withinWindow,
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

// Who receives the report outside the submitter's organisation: the label's
// default audience (`allows`), only the task force for a suspicion. The host's
// audience already keeps to the label; the policy says so itself rather than
// rely on it.
function outside(report) {
  const suspicion = report.confidence === 'suspicion';
  if (report.tlp === 'red') {
    // RED names its recipients member by member: the one case worth reading
    // the audience for.
    const named = audience()
      .filter((member) => allows(report, member) && (!suspicion || isTaskForce(member)));
    return select.members(named.map((member) => member.id));
  }
  return select.filter({
    inCommunity: isAtLeast(report.tlp, 'amber') ? true : undefined,
    classes: suspicion ? ['task-force-class1', 'task-force-class2'] : [],
  });
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

  route(ctx, report, _case) {
    settingsOf(ctx.settings);
    const outsideView = hideVictim(report);
    return new RoutingBuilder()
      .group(select.submitterOrganisation(), [])
      .group(outside(report), outsideView)
      .build();
  },
};
