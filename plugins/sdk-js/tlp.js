// TLP 2.0 comparisons and the default audience each label allows.

const RANKS = ['clear', 'green', 'amber', 'amber-strict', 'red'];

/** 0 for 'clear' up to 4 for 'red': higher is more restricted. */
export function tlpRank(tlp) {
  return RANKS.indexOf(tlp);
}

/** Whether `tlp` is at least as restricted as `other`. */
export function isAtLeast(tlp, other) {
  return tlpRank(tlp) >= tlpRank(other);
}

/**
 * Whether TLP 2.0 lets `member` receive `report` by default: CLEAR and GREEN
 * reach every member of the audience, AMBER and AMBER+STRICT only members of the
 * community, RED only the named recipients. The host enforces the same ceiling;
 * plugins start from the label and narrow further.
 */
export function allows(report, member) {
  switch (report.tlp) {
    case 'clear':
    case 'green':
      return true;
    case 'amber':
    case 'amber-strict':
      return member.inCommunity;
    default:
      return report.namedRecipients.includes(member.id);
  }
}

/** Whether the member is in either task-force class. */
export function isTaskForce(member) {
  return member.class !== 'general';
}
