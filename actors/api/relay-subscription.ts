// A queue subscription that the server itself closes every `batch` deliveries, relayed by fresh ones.
//
// The leader serves the client API on one queue group. If the leader's process stops running but its
// NATS connection stays open (SIGSTOP, a frozen VM, an event loop blocked for seconds), the server
// keeps handing it a share of the requests after a new leader has joined the group, and every one of
// them times out. Each subscription here is created with `max = batch` (`UNSUB <sid> <max>`), which
// the server enforces on its side: it stops delivering to a subscription once `batch` messages went
// to it, whether or not the client read them. The owner keeps the deliveries its open subscriptions
// still accept at least `batch` + its demand (for the API server, the most requests it held
// unanswered at once over the last one to two seconds), opening subscriptions of `batch` each
// whenever they fall below, so:
//   - an owner that stopped running is dropped by the server after at most 2 x `batch` requests
//     beyond its recent demand;
//   - a running owner never leaves a gap while its load changes slowly: with N clients waiting on it,
//     its subscriptions accept N + `batch` more. A burst of more than `batch` requests beyond the
//     recent demand can find every subscription used up before the next one is opened, and those
//     requests fail with "no responders" (not delivered, so safe to retry).
// A subscription the server refuses (a permissions error) is not reopened. After a reconnect the
// client re-sends its subscriptions without their limits, so every reconnect renews the relay.

import type { Msg, NatsConnection, Status, Subscription } from '@nats-io/nats-core';

export const DEFAULT_RELAY_BATCH = 512;

export interface RelaySubscriptionOptions {
  readonly subject: string;
  readonly queue: string;
  /** Deliveries after which the server closes each subscription; at least 2. */
  readonly batch?: number;
  readonly onMessage: (msg: Msg) => void;
  /** Requests the owner holds unanswered (see above); none when absent. */
  readonly demand?: () => number;
}

export class RelaySubscription {
  private readonly batch: number;
  private readonly live: Subscription[] = [];
  private closed = false;
  private readonly statuses: AsyncIterable<Status> & { stop?(): void };
  /** Subscriptions opened so far, for tests and metrics. */
  opened = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: RelaySubscriptionOptions,
  ) {
    this.batch = Math.max(2, Math.floor(opts.batch ?? DEFAULT_RELAY_BATCH));
    this.statuses = nc.status();
    void this.renewOnReconnect();
    this.renew();
  }

  close(): void {
    this.closed = true;
    this.statuses.stop?.();
    for (const sub of this.live.splice(0)) sub.unsubscribe();
  }

  /** Replaces every open subscription with two fresh, limited ones. */
  private renew(): void {
    for (const sub of this.live.splice(0)) sub.unsubscribe();
    this.open();
    this.open();
  }

  private async renewOnReconnect(): Promise<void> {
    for await (const status of this.statuses) {
      if (this.closed) return;
      if (status.type === 'reconnect') this.renew();
    }
  }

  private open(): void {
    if (this.closed || this.nc.isClosed()) return;
    this.opened++;
    const sub: Subscription = this.nc.subscribe(this.opts.subject, {
      queue: this.opts.queue,
      max: this.batch,
      callback: (error, msg) => {
        if (error) {
          this.drop(sub);
          return;
        }
        this.onDelivery(sub);
        this.opts.onMessage(msg);
      },
    });
    this.live.push(sub);
  }

  private onDelivery(sub: Subscription): void {
    if (sub.getReceived() >= this.batch) this.drop(sub);
    let accepting = 0;
    for (const open of this.live) accepting += this.batch - open.getReceived();
    const wanted = this.batch + Math.max(0, this.opts.demand?.() ?? 0);
    // open() does nothing once closed; the loop ends either way, `accepting` grows by a batch a turn.
    for (; accepting < wanted; accepting += this.batch) this.open();
  }

  private drop(sub: Subscription): void {
    const at = this.live.indexOf(sub);
    if (at >= 0) this.live.splice(at, 1);
  }
}
