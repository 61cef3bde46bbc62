// A gateway's side of the watch-interest lease (actors/api/watch-interest.ts): while it has watches
// open it calls `watch.interest` once when the first one opens and every WATCH_INTEREST_RENEW_MS
// after, until the last one closes. Each answer carries the leader's store revision, handed to every
// open watch, which checks a renewal later that it delivered that far and otherwise fetches the rest
// from `watch.history` (a commit event lost on the way).

import { WATCH_INTEREST_RENEW_MS } from '../../actors/api/watch-interest.ts';

export class WatchInterestRenewer {
  private readonly watches = new Set<(revision: number) => void>();
  private timer: ReturnType<typeof setInterval> | null = null;

  /** `renew` asks the leader for the lease; it resolves to the store revision, or null on failure. */
  constructor(private readonly renew: () => Promise<number | null>) {}

  /** Adds a watch; resolves once the first renewal after it was answered (or failed). */
  async add(onRevision: (revision: number) => void): Promise<() => void> {
    this.watches.add(onRevision);
    if (this.timer === null) this.timer = setInterval(() => void this.renewNow(), WATCH_INTEREST_RENEW_MS);
    await this.renewNow();
    return () => {
      this.watches.delete(onRevision);
      if (this.watches.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private async renewNow(): Promise<void> {
    const revision = await this.renew().catch(() => null);
    if (revision === null) return;
    for (const watch of this.watches) watch(revision);
  }
}
