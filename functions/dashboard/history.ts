// What the dashboard remembers across page loads, per app instance: the plotted points of the last
// minutes and the recent leader changes. It only grows while some dashboard stream is open (streams
// do the polling), and it holds plain data only, so streams of different requests may share it.

import type { SeriesPoint } from './rates.ts';

export interface LeaderChange {
  readonly atMs: number;
  /** The previous leader seen by this app; null for the first leader it saw. */
  readonly from: string | null;
  readonly to: string;
  readonly term: number;
}

export const DEFAULT_HISTORY_MS = 5 * 60_000;
export const MAX_LEADER_CHANGES = 20;

export class DashboardHistory {
  private readonly recorded: SeriesPoint[] = [];
  private readonly changes: LeaderChange[] = [];
  private lastLeader: { readonly id: string; readonly term: number } | null = null;

  constructor(readonly keepMs: number = DEFAULT_HISTORY_MS) {}

  /**
   * Adds a point unless one was recorded less than `minSpacingMs` before it (several open streams
   * each produce points; the history keeps one per interval), and forgets points older than keepMs.
   */
  record(point: SeriesPoint, minSpacingMs: number): void {
    const last = this.recorded[this.recorded.length - 1];
    if (last && point.atMs - last.atMs < minSpacingMs) return;
    this.recorded.push(point);
    while (this.recorded.length > 0 && this.recorded[0]!.atMs < point.atMs - this.keepMs) this.recorded.shift();
  }

  /** Notes who leads now; returns the change when the leader or its term differs from the last one seen. */
  observeLeader(leader: string | null, term: number, atMs: number): LeaderChange | null {
    if (leader === null) return null;
    const last = this.lastLeader;
    if (last !== null && last.id === leader && last.term === term) return null;
    if (last !== null && term < last.term) return null;
    this.lastLeader = { id: leader, term };
    const change: LeaderChange = { atMs, from: last?.id ?? null, to: leader, term };
    this.changes.push(change);
    if (this.changes.length > MAX_LEADER_CHANGES) this.changes.shift();
    return change;
  }

  points(): readonly SeriesPoint[] {
    return [...this.recorded];
  }

  leaderChanges(): readonly LeaderChange[] {
    return [...this.changes];
  }
}
