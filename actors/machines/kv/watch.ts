// The watch history: a bounded, in-memory window of recent revisions' events and the live listeners.
// Local to one replica and never in snapshots: after a restore the window starts at the snapshot's
// revision. Revisions in the window are consecutive (every revision produces at least one event).

import type { WatchEvent } from './commands.ts';

/** Delivered to listeners after each applied revision, or when the history restarts (restore). */
export type WatchNotice =
  | { readonly type: 'events'; readonly revision: number; readonly events: readonly WatchEvent[] }
  /**
   * History restarted at `revision` (a snapshot is being installed): a watcher behind it missed events
   * and must resubscribe. Delivered from inside restore, before the host swaps the new state in: read
   * the state later, not from the listener itself.
   */
  | { readonly type: 'reset'; readonly revision: number; readonly compactRevision: number };

export type WatchListener = (notice: WatchNotice) => void;

/**
 * `compactRevision` is the oldest revision still watchable: a watch from below it cannot be served.
 * `revision` is the store revision the read reflects (send `synced` after delivering up to it).
 */
export type WatchRead =
  | { readonly compacted: false; readonly revision: number; readonly events: readonly WatchEvent[] }
  | { readonly compacted: true; readonly revision: number; readonly compactRevision: number };

export interface WatchHistoryLimits {
  /** Events kept; the oldest revisions are dropped beyond it (the latest revision is always kept). */
  readonly maxEvents: number;
  /** Value bytes kept, likewise. */
  readonly maxBytes: number;
}

export const DEFAULT_WATCH_HISTORY_LIMITS: WatchHistoryLimits = { maxEvents: 10_000, maxBytes: 64 * 1024 * 1024 };

interface Batch {
  readonly revision: number;
  readonly events: readonly WatchEvent[];
  readonly bytes: number;
}

export class WatchHistory {
  /** batches[head..] are the window, oldest first. */
  private batches: Batch[] = [];
  private head = 0;
  private eventCount = 0;
  private byteCount = 0;
  private oldestWatchable = 1;
  private currentRevision = 0;
  private readonly listeners = new Set<WatchListener>();

  constructor(
    private readonly limits: WatchHistoryLimits = DEFAULT_WATCH_HISTORY_LIMITS,
    private readonly onListenerError: (error: unknown) => void = (error) => console.error('watch listener failed', error),
  ) {}

  get revision(): number {
    return this.currentRevision;
  }

  get compactRevision(): number {
    return this.oldestWatchable;
  }

  /** Empties the window; the next recorded revision is `revision + 1`. Notifies listeners. */
  reset(revision: number): void {
    this.batches = [];
    this.head = 0;
    this.eventCount = 0;
    this.byteCount = 0;
    this.oldestWatchable = revision + 1;
    this.currentRevision = revision;
    this.notify({ type: 'reset', revision, compactRevision: this.oldestWatchable });
  }

  /** Appends one revision's events (non-empty, revision = previous + 1) and notifies listeners. */
  record(revision: number, events: readonly WatchEvent[]): void {
    let bytes = 0;
    for (const event of events) bytes += event.value?.byteLength ?? 0;
    this.batches.push({ revision, events, bytes });
    this.eventCount += events.length;
    this.byteCount += bytes;
    this.currentRevision = revision;
    this.trim();
    this.notify({ type: 'events', revision, events });
  }

  /** Events at revisions >= fromRevision whose key starts with `prefix`, in revision order. */
  eventsSince(fromRevision: number, prefix = ''): WatchRead {
    const from = Math.max(1, Math.floor(fromRevision));
    if (from < this.oldestWatchable) {
      return { compacted: true, revision: this.currentRevision, compactRevision: this.oldestWatchable };
    }
    const events: WatchEvent[] = [];
    for (let i = this.firstBatchAtOrAfter(from); i < this.batches.length; i++) {
      for (const event of this.batches[i]!.events) if (event.key.startsWith(prefix)) events.push(event);
    }
    return { compacted: false, revision: this.currentRevision, events };
  }

  /**
   * Calls `listener` synchronously after every applied revision and on reset; returns the unsubscribe
   * function. Read with `eventsSince` and subscribe in the same synchronous turn so nothing slips between.
   */
  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private trim(): void {
    while (
      this.batches.length - this.head > 1 &&
      (this.eventCount > this.limits.maxEvents || this.byteCount > this.limits.maxBytes)
    ) {
      const oldest = this.batches[this.head++]!;
      this.eventCount -= oldest.events.length;
      this.byteCount -= oldest.bytes;
      this.oldestWatchable = oldest.revision + 1;
    }
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  private firstBatchAtOrAfter(revision: number): number {
    let low = this.head;
    let high = this.batches.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.batches[mid]!.revision < revision) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private notify(notice: WatchNotice): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(notice);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
