// Builds a routing group by group. Groups are matched in order: a member
// receives the view of the first group whose selector chooses it, so put the
// most privileged group (e.g. the submitter's organisation) first.

export class RoutingBuilder {
  #groups = [];
  #forwards = [];

  /**
   * The members `selector` chooses (those no earlier group chose) get a view
   * with these redactions after `delaySeconds`.
   */
  group(selector, redactions, delaySeconds = 0) {
    this.#groups.push({ recipients: selector, redactions: [...redactions], delaySeconds });
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
