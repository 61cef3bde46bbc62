// Buffers a backend watch's callbacks for the SSE writer. The backend calls the sink synchronously
// (history during `watch()`, live revisions as they apply); the writer drains at its own pace.
// Owned by one watch stream; a watcher that falls `maxRevisions` behind is ended, not buffered forever.

import type { WatchEvent } from '../../actors/machines/kv/commands.ts';
import type { WatchSink } from '../backend.ts';

export type WatchItem =
  | { readonly type: 'events'; readonly revision: number; readonly events: readonly WatchEvent[] }
  | { readonly type: 'synced'; readonly revision: number }
  | { readonly type: 'end'; readonly reason: string };

/** `idle` when nothing arrived within the wait; `closed` once the queue was closed and drained. */
export type WatchTake = WatchItem | { readonly type: 'idle' } | { readonly type: 'closed' };

export class WatchQueue implements WatchSink {
  private items: WatchItem[] = [];
  private revisionsQueued = 0;
  private ended = false;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly maxRevisions: number) {}

  events(revision: number, events: readonly WatchEvent[]): void {
    if (this.ended) return;
    if (this.revisionsQueued >= this.maxRevisions) {
      this.end(`the watcher fell more than ${this.maxRevisions} revisions behind; resume from Last-Event-ID`);
      return;
    }
    this.revisionsQueued++;
    this.push({ type: 'events', revision, events });
  }

  synced(revision: number): void {
    if (!this.ended) this.push({ type: 'synced', revision });
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.push({ type: 'end', reason });
  }

  /** Stops the queue: the writer's pending and future takes return `closed` once drained. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  /** The next item, waiting at most `idleMs` (then `idle`). One taker at a time. */
  async take(idleMs: number): Promise<WatchTake> {
    if (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, idleMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
    if (this.closed) return { type: 'closed' };
    const item = this.items.shift();
    if (!item) return { type: 'idle' };
    if (item.type === 'events') this.revisionsQueued--;
    return item;
  }

  private push(item: WatchItem): void {
    this.items.push(item);
    this.notify();
  }

  private notify(): void {
    this.wake?.();
  }
}
