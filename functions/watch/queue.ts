// Buffers a backend watch's callbacks for the SSE writer (history during `watch()`, live revisions as
// they apply). Owned by one watch stream; a watcher `maxRevisions` behind is ended, not buffered forever.

import type { WatchEvent } from '../../actors/machines/kv/commands.ts';
import type { WatchSink } from '../backend.ts';
import { StreamQueue, type StreamTake } from '../stream-queue.ts';

export type WatchItem =
  | { readonly type: 'events'; readonly revision: number; readonly events: readonly WatchEvent[] }
  | { readonly type: 'synced'; readonly revision: number }
  | { readonly type: 'end'; readonly reason: string };

export type WatchTake = StreamTake<WatchItem>;

export class WatchQueue extends StreamQueue<WatchItem> implements WatchSink {
  constructor(maxRevisions: number) {
    super(maxRevisions, 'events', 'revisions');
  }

  events(revision: number, events: readonly WatchEvent[]): void {
    this.pushData({ type: 'events', revision, events });
  }

  synced(revision: number): void {
    this.pushControl({ type: 'synced', revision });
  }
}
