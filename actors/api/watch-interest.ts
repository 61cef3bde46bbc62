// Whether anyone wants the leader's commit events in full. A gateway serving watches over NATS renews
// a lease with `watch.interest` every WATCH_INTEREST_RENEW_MS while it has one open; while the lease
// runs the leader publishes each revision's events (keys and values) on `events.commit`, otherwise a
// summary (the revision range only), so a cluster nobody watches does not encode and ship every value
// a second time. Leases are per replica: a new leader starts without one and publishes summaries until
// the gateways' next renewal, and a gateway fills any revisions it saw only as a summary from
// `watch.history`.

export const WATCH_INTEREST_LEASE_MS = 3_000;
export const WATCH_INTEREST_RENEW_MS = 1_000;

export class WatchInterest {
  private untilMs = 0;

  constructor(private readonly nowMs: () => number = Date.now) {}

  renew(): void {
    this.untilMs = this.nowMs() + WATCH_INTEREST_LEASE_MS;
  }

  get active(): boolean {
    return this.nowMs() < this.untilMs;
  }
}
