// Selectors for `RoutingBuilder.group`: which members of the audience a group
// is for. The host applies them; a filter chooses a member when it satisfies
// every restriction it names. The JavaScript twin of the Rust SDK's `select`.

/** Every member of the audience. */
export function everyone() {
  return { tag: 'everyone' };
}

/** These members (BigInt ids, each in the audience). */
export function members(ids) {
  return { tag: 'members', val: [...ids] };
}

/**
 * The members matching a `member-filter` with these fields (camelCase, as jco
 * maps them); a field left out restricts nothing (Rust's `select::any()`, filled in).
 */
export function filter({
  organisationKinds = [], sectors = [], classes = [], inCommunity, submitterOrganisation,
  contribution,
} = {}) {
  return {
    tag: 'filter',
    val: {
      organisationKinds: [...organisationKinds],
      sectors: [...sectors],
      classes: [...classes],
      inCommunity,
      submitterOrganisation,
      contribution,
    },
  };
}

/** The members acting for the submitting organisation. */
export function submitterOrganisation() {
  return filter({ submitterOrganisation: true });
}

/** The members of the task force, both classes. */
export function taskForce() {
  return filter({ classes: ['task-force-class1', 'task-force-class2'] });
}

/** The members of organisations in these sectors ('financials', ...). */
export function sectors(accepted) {
  return filter({ sectors: accepted });
}

/** No contribution required: fill in the counts that must be reached. */
export function noMinimum() {
  return { reports90d: 0, confirmed90d: 0, feedback90d: 0, countermeasures90d: 0 };
}

/** The members who reached `minimum` over the last 90 days. */
export function contributed(minimum) {
  return filter({ contribution: minimum });
}
