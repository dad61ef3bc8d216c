// Builds a routing member by member, grouping members who get the same view at
// the same time into one delivery group (the host stores one view per group).

// Redactions hold only strings and u32 numbers, so their JSON is a faithful key.
const viewKey = (redactions, delaySeconds) => JSON.stringify([redactions, delaySeconds]);

export class RoutingBuilder {
  #groups = [];
  #groupByView = new Map();
  #forwards = [];
  #placed = new Set();

  /**
   * Delivers to `member` (a BigInt id) a view with these redactions after
   * `delaySeconds`. A member is placed once: later calls for the same member are
   * ignored, so place the most privileged case (the submitter's organisation) first.
   */
  deliver(member, redactions, delaySeconds = 0) {
    if (this.#placed.has(member)) return this;
    this.#placed.add(member);
    const key = viewKey(redactions, delaySeconds);
    const group = this.#groupByView.get(key);
    if (group) {
      group.recipients.push(member);
    } else {
      const created = { recipients: [member], redactions: [...redactions], delaySeconds };
      this.#groupByView.set(key, created);
      this.#groups.push(created);
    }
    return this;
  }

  /** Forwards a copy with these redactions to another community. */
  forward(community, redactions) {
    this.#forwards.push({ community, redactions: [...redactions] });
    return this;
  }

  build() {
    return { groups: this.#groups, forwards: this.#forwards };
  }
}
